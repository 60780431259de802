import HawserProtocol

/// Resource hooks: objects (typically Jobs) that run at a phase of a sync instead of being
/// kept in sync. Read from `hawser.io/hook`, Argo CD's `argocd.argoproj.io/hook`, or Helm's
/// `helm.sh/hook`, so charts and Argo CD repositories work unchanged.
public enum HookPhase: String, Sendable, CaseIterable, Comparable {
    case preSync = "PreSync"
    case sync = "Sync"
    case postSync = "PostSync"
    case syncFail = "SyncFail"

    public static func < (a: HookPhase, b: HookPhase) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// When a hook object is deleted: after it succeeds, after it fails, or (the default, as in
/// Argo CD) just before it is created again.
public enum HookDeletePolicy: String, Sendable {
    case hookSucceeded = "HookSucceeded"
    case hookFailed = "HookFailed"
    case beforeHookCreation = "BeforeHookCreation"
}

public struct Hook: Sendable, Hashable {
    public var object: PlannedObject
    public var phases: [HookPhase]
    public var deletePolicies: Set<HookDeletePolicy>
    public var wave: Int
}

public enum Hooks {
    static let hookAnnotations = ["hawser.io/hook", "argocd.argoproj.io/hook"]
    static let policyAnnotations = ["hawser.io/hook-delete-policy", "argocd.argoproj.io/hook-delete-policy"]

    /// Splits planned objects into hooks and ordinary resources. An unknown hook value is an
    /// error naming it (a typo must not silently turn a Job into a long-lived resource).
    public static func split(_ objects: [PlannedObject]) -> (hooks: [Hook], resources: [PlannedObject], errors: [PlanError]) {
        var hooks: [Hook] = []
        var resources: [PlannedObject] = []
        var errors: [PlanError] = []
        for o in objects {
            do {
                switch try classify(o) {
                case .hook(let hook): hooks.append(hook)
                case .resource: resources.append(o)
                case .skip: continue
                }
            } catch {
                errors.append(error)
            }
        }
        return (hooks, resources, errors)
    }

    enum Classification {
        case hook(Hook)
        case resource
        /// `hook: Skip`, or a Helm hook that does not run on sync (test, rollback, delete):
        /// neither applied nor tracked, as in Argo CD.
        case skip
    }

    static func classify(_ o: PlannedObject) throws(PlanError) -> Classification {
        let annotations = o.object[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        let marked = hookAnnotations.contains { annotations[$0] != nil } || annotations["helm.sh/hook"] != nil
        if let h = try hook(o) { return .hook(h) }
        return marked ? .skip : .resource
    }

    static func hook(_ o: PlannedObject) throws(PlanError) -> Hook? {
        let annotations = o.object[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        var phases: [HookPhase] = []
        var policies: Set<HookDeletePolicy> = []
        if let raw = hookAnnotations.lazy.compactMap({ annotations[$0]?.stringValue }).first {
            for value in SyncOption.parse(raw) {
                if value == "Skip" { continue }
                guard let phase = HookPhase(rawValue: value) else {
                    throw PlanError(source: o.source, line: o.line, message: "unknown hook \"\(value)\" (use PreSync, Sync, PostSync or SyncFail)")
                }
                phases.append(phase)
            }
            for value in SyncOption.parse(policyAnnotations.lazy.compactMap({ annotations[$0]?.stringValue }).first) {
                guard let policy = HookDeletePolicy(rawValue: value) else {
                    throw PlanError(source: o.source, line: o.line, message: "unknown hook delete policy \"\(value)\" (use HookSucceeded, HookFailed or BeforeHookCreation)")
                }
                policies.insert(policy)
            }
        } else if let helm = annotations["helm.sh/hook"]?.stringValue {
            // Helm's install/upgrade hooks map onto sync phases as Argo CD maps them.
            for value in SyncOption.parse(helm) {
                switch value {
                case "pre-install", "pre-upgrade": phases.append(.preSync)
                case "post-install", "post-upgrade": phases.append(.postSync)
                default: continue  // test, rollback and delete hooks do not run on sync
                }
            }
            if phases.isEmpty { return nil }
            for value in SyncOption.parse(annotations["helm.sh/hook-delete-policy"]?.stringValue) {
                switch value {
                case "hook-succeeded": policies.insert(.hookSucceeded)
                case "hook-failed": policies.insert(.hookFailed)
                case "before-hook-creation": policies.insert(.beforeHookCreation)
                default: continue
                }
            }
        } else {
            return nil
        }
        if phases.isEmpty { return nil }
        if policies.isEmpty { policies = [.beforeHookCreation] }
        let hasWave = annotations[SyncWaves.annotation] != nil || annotations[SyncWaves.argoAnnotation] != nil
        let wave = hasWave ? ((try? SyncWaves.wave(of: o.object)) ?? 0) : helmWeight(annotations)
        return Hook(object: o, phases: Array(Set(phases)).sorted(), deletePolicies: policies, wave: wave)
    }

    static func helmWeight(_ annotations: [String: JSONValue]) -> Int {
        annotations["helm.sh/hook-weight"]?.stringValue.flatMap { Int($0) } ?? 0
    }

    /// The hooks of one phase, in wave then plan order.
    public static func of(_ phase: HookPhase, in hooks: [Hook]) -> [Hook] {
        hooks.enumerated().filter { $0.element.phases.contains(phase) }
            .sorted { ($0.element.wave, $0.offset) < ($1.element.wave, $1.offset) }
            .map(\.element)
    }
}
