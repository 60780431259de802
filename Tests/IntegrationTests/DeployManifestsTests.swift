import Foundation
import HawserProtocol
import KubeSim
import Logging
import Testing

/// deploy/ stays valid: every manifest passes a server-side dry-run apply with the real kubectl
/// against KubeSim (and against a real cluster when HAWSER_E2E_KUBECONFIG is set).
@Suite struct DeployManifestsTests {
    static let folders = ["deploy/hub", "deploy/agent", "deploy/agent-namespaced"]

    func manifests() throws -> [String] {
        var out: [String] = []
        for folder in Self.folders {
            let dir = Proc.packageRoot + "/" + folder
            for f in try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            where (f.hasSuffix(".yaml") || f.hasSuffix(".yml")) && f != "kustomization.yaml" {
                out.append(dir + "/" + f)
            }
        }
        return out
    }

    /// Namespaces the manifests live in, read from the manifests themselves.
    func namespaces(_ files: [String]) throws -> Set<String> {
        var found = Set<String>()
        for f in files {
            let text = try String(contentsOfFile: f, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t.hasPrefix("namespace:") {
                    let v = t.dropFirst("namespace:".count).trimmingCharacters(in: .whitespaces)
                    if !v.isEmpty, !v.hasPrefix("$") { found.insert(v.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))) }
                }
            }
        }
        return found
    }

    func dryRunAll(kubeconfig: String) async throws {
        let kubectl = try Proc.kubectl()
        let files = try manifests()
        #expect(files.count >= 10, "deploy/ should hold the hub and agent manifests")
        for ns in try namespaces(files) {
            _ = try await Proc.createNamespace(ns, kubeconfig: kubeconfig)
        }
        for f in files {
            let out = try await Proc.run(kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--dry-run=server", "-f", f])
            #expect(out.ok, "\(f) failed a server-side dry run: \(out.stderr)")
        }
    }

    @Test func manifestsPassServerSideDryRunOnKubeSim() async throws {
        var logger = Logger(label: "test.kubesim")
        logger.logLevel = .warning
        let sim = try await KubeSim.start(logger: logger)
        let kubeconfig = tempDirectory("kubesim") + "/kubeconfig"
        try sim.writeKubeconfig(to: kubeconfig)
        do {
            try await dryRunAll(kubeconfig: kubeconfig)
            // A dry run stores nothing.
            #expect(await sim.object(apiVersion: "apps/v1", kind: "StatefulSet", namespace: "hawser-system", name: "hawser-hub") == nil)
        } catch {
            await sim.shutdown()
            throw error
        }
        await sim.shutdown()
    }

    @Test(.enabled(if: EndToEndTests.realKubeconfig != nil, "skipped: set HAWSER_E2E_KUBECONFIG to also dry-run deploy/ against a real cluster"))
    func manifestsPassServerSideDryRunOnRealCluster() async throws {
        try await dryRunAll(kubeconfig: EndToEndTests.realKubeconfig!)
    }
}

/// The agent binary must stay small and must not carry the hub's store, HTTP server or libgit2.
@Suite struct AgentBinaryTests {
    @Test func agentDoesNotLinkHubDependencies() async throws {
        let agent = try Proc.binary("hawser-agent")
        let ldd = try await Proc.run("ldd", [agent])
        #expect(ldd.ok)
        #expect(!ldd.stdout.contains("libgit2"), "hawser-agent links libgit2")
        #expect(!ldd.stdout.contains("libsqlite3"), "hawser-agent links SQLite")
        // Swift symbols carry their module name; count the matches rather than read megabytes.
        func count(_ module: String, in binary: String) async throws -> Int {
            let out = try await Proc.run("sh", ["-c", "nm --defined-only \"$0\" | grep -c \"$1\" || true", binary, module])
            return Int(out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        for module in ["Hummingbird", "GRDB", "HubStore", "HubCore", "HubGit", "git_repository_open"] {
            #expect(try await count(module, in: agent) == 0, "hawser-agent contains \(module) symbols")
        }
        // And the check is meaningful: the hub binary does contain them.
        let hub = try Proc.binary("hawser-hub")
        #expect(try await count("Hummingbird", in: hub) > 0)
        #expect(try await count("GRDB", in: hub) > 0)
    }
}
