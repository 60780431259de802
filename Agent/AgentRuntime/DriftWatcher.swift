import AgentEngine
import AgentKube
import Foundation
import HawserProtocol
import Logging

/// Watches every kind the agent's applications use, for objects carrying the instance label,
/// and wakes the owning application the moment one changes: drift is seen (and, with
/// self-heal, undone) within a second or two, not at the next resync.
///
/// One watch per kind across all apps (not one per object): a cluster with thousands of
/// objects costs a handful of long-lived requests. Each watch resumes from the last
/// resourceVersion it saw and starts over when the server says it is too old.
actor DriftWatcher {
    struct Kind: Hashable, Sendable {
        let apiVersion: String
        let kind: String
    }

    let kube: KubeClient
    let namespace: String?
    let logger: Logger
    let changed: @Sendable (_ app: String) async -> Void
    private var watches: [Kind: Task<Void, Never>] = [:]

    init(kube: KubeClient, namespace: String?, logger: Logger, changed: @escaping @Sendable (_ app: String) async -> Void) {
        self.kube = kube
        self.namespace = namespace
        self.logger = logger
        self.changed = changed
    }

    /// Starts watches for kinds not yet watched and stops those no app uses any more.
    func watch(_ kinds: Set<Kind>) {
        for (kind, task) in watches where !kinds.contains(kind) {
            task.cancel()
            watches[kind] = nil
        }
        for kind in kinds where watches[kind] == nil {
            watches[kind] = Task { [kube, namespace, logger, changed] in
                await Self.loop(kind, kube: kube, namespace: namespace, logger: logger, changed: changed)
            }
        }
    }

    func stop() {
        for task in watches.values { task.cancel() }
        watches = [:]
    }

    private static func loop(_ kind: Kind, kube: KubeClient, namespace: String?, logger: Logger, changed: @Sendable (String) async -> Void) async {
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                let events = kube.watch(apiVersion: kind.apiVersion, kind: kind.kind, namespace: namespace,
                                        labelSelector: Tracking.instanceLabel, resourceVersion: resourceVersion)
                var errored = false
                for try await event in events {
                    if event.type == "ERROR" {
                        resourceVersion = nil  // too old: start over from the current state
                        errored = true
                        break
                    }
                    failures = 0
                    if let rv = event.object[path: ["metadata", "resourceVersion"]]?.stringValue { resourceVersion = rv }
                    // A fresh watch starts with ADDED for what exists: one extra comparison
                    // per app, coalesced by the reconciler, and harmless.
                    if event.type == "BOOKMARK" { continue }
                    if let app = event.object[path: ["metadata", "labels", Tracking.instanceLabel]]?.stringValue {
                        await changed(app)
                    }
                }
                if errored {
                    failures += 1
                    try? await Task.sleep(for: .milliseconds(min(30_000, 250 * (1 << min(failures, 7)))))
                }
            } catch {
                failures += 1
                logger.debug("watch ended", metadata: ["kind": "\(kind.kind)", "error": "\(error)"])
                // Kinds not served yet (a CRD still to be applied) and outages back off.
                try? await Task.sleep(for: .milliseconds(min(30_000, 250 * (1 << min(failures, 7)))))
            }
        }
    }
}
