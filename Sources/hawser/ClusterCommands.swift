import ArgumentParser
import Foundation
import HawserProtocol

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Register, list and revoke clusters.",
        subcommands: [Add.self, List.self, Get.self, Set.self, Token.self, Revoke.self, Remove.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a cluster's labels (fleet applications follow at once).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(name: .customLong("label"), help: "Set label k=v (repeatable).") var labels: [String] = []
        @Option(name: .customLong("remove-label"), help: "Remove label k (repeatable).") var removeLabels: [String] = []

        func run() async throws {
            let client = try global.client()
            var current = (try await client.get("/api/v1/clusters/\(name)", as: ClusterView.self)).labels
            for l in labels {
                guard let eq = l.firstIndex(of: "=") else { throw ValidationError("--label \(l): expected key=value") }
                current[String(l[..<eq])] = String(l[l.index(after: eq)...])
            }
            for key in removeLabels { current[key] = nil }
            let c: ClusterView = try await client.put("/api/v1/clusters/\(name)", ClusterUpdateRequest(labels: current))
            if global.output == .json { return try printJSON(c) }
            print("Cluster \"\(c.name)\" labels: \(c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a cluster and print its agent's join command.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Cluster name (lowercase letters, digits, '-').") var name: String
        @Option(name: .customLong("label"), help: "Label k=v (repeatable).") var labels: [String] = []
        @Option(help: "Bootstrap token lifetime in seconds.") var tokenTTL: Double = 3600

        func run() async throws {
            var parsed: [String: String] = [:]
            for l in labels {
                guard let eq = l.firstIndex(of: "=") else { throw ValidationError("--label \(l): expected key=value") }
                parsed[String(l[..<eq])] = String(l[l.index(after: eq)...])
            }
            let r: ClusterCreateResponse = try await global.client().post("/api/v1/clusters", ClusterCreateRequest(name: name, labels: parsed, tokenTTLSeconds: tokenTTL))
            if global.output == .json { return try printJSON(r) }
            print("Cluster \"\(r.cluster.name)\" registered (\(r.cluster.id)).")
            printJoin(r)
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Issue a new one-time bootstrap token for a cluster (a lost or expired token).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(help: "Bootstrap token lifetime in seconds.") var tokenTTL: Double = 3600

        func run() async throws {
            let r: ClusterCreateResponse = try await global.client().post("/api/v1/clusters/\(name)/token?ttlSeconds=\(tokenTTL)", Optional<HubClient.Empty>.none)
            if global.output == .json { return try printJSON(r) }
            printJoin(r)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List clusters with their connection state.")
        @OptionGroup var global: GlobalOptions
        @Option(name: [.customShort("l"), .customLong("selector")], help: "Only clusters whose labels match, e.g. env=prod,region in (eu,us).") var selector: String?

        func run() async throws {
            let r: ListResponse<ClusterView> = try await global.client().get("/api/v1/clusters" + queryString([("selector", selector)], leading: "?"))
            if global.output == .json { return try printJSON(r.items) }
            printTable(["NAME", "STATE", "CONNECTION", "LAST HEARTBEAT", "AGENT", "KUBERNETES", "LABELS"], r.items.map { c in
                [c.name, c.state, c.connectionState ?? (c.connected ? "Connected" : "Disconnected"), ago(c.lastHeartbeat), c.agentVersion ?? "-", c.kubernetesVersion ?? "-",
                 c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]
            })
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one cluster.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let c: ClusterView = try await global.client().get("/api/v1/clusters/\(name)")
            if global.output == .json { return try printJSON(c) }
            printTable(["FIELD", "VALUE"], [
                ["Name", c.name], ["ID", c.id], ["State", c.state], ["Connection", c.connectionState ?? (c.connected ? "Connected" : "Disconnected")],
                ["Last heartbeat", ago(c.lastHeartbeat)], ["Agent version", c.agentVersion ?? "-"], ["Kubernetes", c.kubernetesVersion ?? "-"],
                ["Certificate expires", c.certificateNotAfter.map(WireJSON.formatDate) ?? "-"],
                ["Labels", c.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")],
            ])
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove a cluster (it must have no applications).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            try await global.client().delete("/api/v1/clusters/\(name)")
            print("Cluster \"\(name)\" removed.")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disconnect a cluster's agent now and refuse it from then on.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run() async throws {
            let c: ClusterView = try await global.client().post("/api/v1/clusters/\(name)/revoke", Optional<HubClient.Empty>.none)
            print("Cluster \"\(c.name)\" revoked; its agent is disconnected and will be refused.")
        }
    }
}

func printJoin(_ r: ClusterCreateResponse) {
    print("Bootstrap token (single use, expires \(WireJSON.formatDate(r.expiresAt))):")
    print("  \(r.bootstrapToken)")
    print("Run this beside the cluster to join it:")
    print("  \(r.joinCommand)")
}
