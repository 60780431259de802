import Foundation
import HawserProtocol
import Testing

/// Projects as Argo CD enforces them: source repositories, destinations (with `!` negation),
/// kinds, the rules an agent receives, and configuration errors.
@Suite struct ProjectRulesTests {
    // MARK: Source repositories

    struct SourceCase: Sendable, CustomTestStringConvertible {
        var repos: [String]
        var url: String
        /// nil: permitted; otherwise a fragment of the refusal.
        var refusal: String?
        var testDescription: String { "\(repos) ← \(url)" }
    }

    static let sourceCases: [SourceCase] = [
        .init(repos: ["https://github.com/acme/*"], url: "https://github.com/acme/api", refusal: nil),
        .init(repos: ["https://github.com/acme/*"], url: "https://github.com/acme/api.git", refusal: nil),
        .init(repos: ["https://github.com/acme/*"], url: "https://GitHub.com/Acme/API.git", refusal: nil),
        .init(repos: ["https://github.com/acme/*.git"], url: "https://github.com/acme/api", refusal: nil),
        .init(repos: ["https://github.com/acme/*"], url: "https://github.com/acme-evil/api", refusal: "no sourceRepos entry matches it"),
        // `*` stays within one path segment; `**` crosses them.
        .init(repos: ["https://github.com/acme/*"], url: "https://github.com/acme/group/api", refusal: "no sourceRepos entry matches it"),
        .init(repos: ["https://github.com/*"], url: "https://github.com/acme/api", refusal: "no sourceRepos entry matches it"),
        .init(repos: ["https://github.com/acme/**"], url: "https://github.com/acme/group/api", refusal: nil),
        .init(repos: ["https://github.com/{acme,acme-labs}/*"], url: "https://github.com/acme-labs/x", refusal: nil),
        .init(repos: ["*"], url: "https://gitlab.example.com/any/thing.git", refusal: nil),
        // Deny wins, wherever it is listed.
        .init(repos: ["!https://github.com/acme/secret", "*"], url: "https://github.com/acme/secret.git",
              refusal: "repository https://github.com/acme/secret.git is not permitted in project team-a (source repo !https://github.com/acme/secret denies it)"),
        .init(repos: ["*", "!https://github.com/acme/secret*"], url: "https://github.com/acme/secrets", refusal: "denies it"),
        .init(repos: ["*", "!https://github.com/acme/secret"], url: "https://github.com/acme/public", refusal: nil),
        // A negated `*` stays within its segment too.
        .init(repos: ["*", "!https://github.com/acme/*"], url: "https://github.com/acme/group/repo", refusal: nil),
        .init(repos: ["*", "!https://github.com/acme/*"], url: "https://github.com/acme/repo", refusal: "denies it"),
        // An invalid negated pattern refuses instead of admitting everything.
        .init(repos: ["*", "!https://github.com/acme/[secret"], url: "https://github.com/acme/public", refusal: "denies it"),
        // Argo CD: a negated entry that does not exclude the repository admits it.
        .init(repos: ["!https://github.com/acme/secret"], url: "https://github.com/acme/public", refusal: nil),
        // SSH forms normalise to the same thing.
        .init(repos: ["git@github.com:acme/*"], url: "git@github.com:acme/api.git", refusal: nil),
        .init(repos: ["git@github.com:acme/*"], url: "ssh://git@github.com/acme/api", refusal: nil),
        .init(repos: ["git@github.com:acme/*"], url: "https://github.com/acme/api", refusal: "no sourceRepos entry matches it"),
        .init(repos: [], url: "https://github.com/acme/api", refusal: "the project has no sourceRepos"),
    ]

    @Test(arguments: sourceCases)
    func sourceRepos(_ c: SourceCase) {
        let spec = ProjectSpec(sourceRepos: c.repos)
        let refusal = spec.sourceRefusal(repoURL: c.url, project: "team-a")
        if let want = c.refusal {
            #expect(refusal?.contains(want) == true, "got \(refusal ?? "nil")")
        } else {
            #expect(refusal == nil)
        }
    }

    // MARK: Destinations

    struct DestinationCase: Sendable, CustomTestStringConvertible {
        var destinations: [ProjectDestination]
        var cluster: String
        var namespace: String
        var refusal: String?
        var testDescription: String { "\(destinations.map { "\($0.name ?? $0.server ?? "")/\($0.namespace)" }) ← \(cluster)/\(namespace)" }
    }

    static let exceptKubeSystem = [ProjectDestination(name: "*", namespace: "!kube-system"), ProjectDestination(name: "*", namespace: "*")]
    static let teamA = [ProjectDestination(name: "prod-*", namespace: "team-a"), ProjectDestination(name: "dev", namespace: "team-a-*")]

    static let destinationCases: [DestinationCase] = [
        .init(destinations: exceptKubeSystem, cluster: "prod", namespace: "default", refusal: nil),
        .init(destinations: exceptKubeSystem, cluster: "prod", namespace: "kube-system",
              refusal: "namespace kube-system is not permitted in project team-a (destination !kube-system denies it)"),
        // A negated namespace alone admits every other namespace (Argo CD).
        .init(destinations: [ProjectDestination(name: "*", namespace: "!kube-system")], cluster: "prod", namespace: "default", refusal: nil),
        .init(destinations: teamA, cluster: "prod-eu", namespace: "team-a", refusal: nil),
        .init(destinations: teamA, cluster: "dev", namespace: "team-a-feature", refusal: nil),
        // Namespace outside the project.
        .init(destinations: teamA, cluster: "prod-eu", namespace: "team-b",
              refusal: "namespace team-b on cluster prod-eu is not permitted in project team-a: no destination matches it (namespaces allowed on prod-eu: team-a)"),
        .init(destinations: teamA, cluster: "dev", namespace: "team-a", refusal: "no destination matches it (namespaces allowed on dev: team-a-*)"),
        // Cluster outside the project.
        .init(destinations: teamA, cluster: "staging", namespace: "team-a",
              refusal: "cluster staging is not permitted in project team-a: no destination names it"),
        // Negated cluster.
        .init(destinations: [ProjectDestination(name: "!prod", namespace: "*")], cluster: "dev", namespace: "x", refusal: nil),
        .init(destinations: [ProjectDestination(name: "!prod", namespace: "*")], cluster: "prod", namespace: "x",
              refusal: "cluster prod is not permitted in project team-a (destination !prod denies it)"),
        // A negated namespace refuses on every cluster, whatever its destination's cluster (Argo CD).
        .init(destinations: [ProjectDestination(name: "dev", namespace: "!kube-system"), ProjectDestination(name: "*", namespace: "*")],
              cluster: "prod", namespace: "kube-system", refusal: "destination !kube-system denies it"),
        .init(destinations: [ProjectDestination(name: "dev", namespace: "!kube-system"), ProjectDestination(name: "*", namespace: "*")],
              cluster: "prod", namespace: "default", refusal: nil),
        // `server` is matched against the cluster name too.
        .init(destinations: [ProjectDestination(server: "prod", namespace: "apps")], cluster: "prod", namespace: "apps", refusal: nil),
        .init(destinations: [], cluster: "prod", namespace: "apps", refusal: "no destination names it"),
        // Argo CD's own negation cases (TestAppProject_IsNegatedDestinationPermitted), with
        // cluster names where Argo CD has server URLs.
        .init(destinations: [ProjectDestination(server: "in-cluster", namespace: "!default")], cluster: "in-cluster", namespace: "kube-system", refusal: nil),
        .init(destinations: [ProjectDestination(server: "!my-cluster", namespace: "default")], cluster: "in-cluster", namespace: "default", refusal: nil),
        .init(destinations: [ProjectDestination(server: "!in-*", namespace: "default")], cluster: "in-cluster", namespace: "default", refusal: "destination !in-* denies it"),
        .init(destinations: [ProjectDestination(server: "*", namespace: "kube-system"), ProjectDestination(server: "*", namespace: "!kube-system")],
              cluster: "in-cluster", namespace: "kube-system", refusal: "destination !kube-system denies it"),
        .init(destinations: [ProjectDestination(server: "in-cluster", namespace: "*"), ProjectDestination(server: "!in-cluster", namespace: "*")],
              cluster: "in-cluster", namespace: "kube-system", refusal: "destination !in-cluster denies it"),
        // A negated cluster refuses that cluster for every namespace, not just its own namespace.
        .init(destinations: [ProjectDestination(server: "*", namespace: "*"), ProjectDestination(server: "!in-cluster", namespace: "kube-system"),
                             ProjectDestination(server: "*", namespace: "!kube-system")],
              cluster: "in-cluster", namespace: "default", refusal: "cluster in-cluster is not permitted in project team-a (destination !in-cluster denies it)"),
        .init(destinations: [ProjectDestination(server: "*", namespace: "*"), ProjectDestination(server: "!in-cluster", namespace: "kube-system"),
                             ProjectDestination(server: "*", namespace: "!kube-system")],
              cluster: "test-dev-cluster", namespace: "kube-system", refusal: "destination !kube-system denies it"),
        .init(destinations: [ProjectDestination(name: "test", namespace: "*"), ProjectDestination(name: "!test", namespace: "*")],
              cluster: "test", namespace: "test", refusal: "destination !test denies it"),
        // An app without a destination namespace: `*` matches the empty namespace.
        .init(destinations: [ProjectDestination(name: "*", namespace: "*")], cluster: "prod", namespace: "", refusal: nil),
        .init(destinations: [ProjectDestination(name: "*", namespace: "team-*")], cluster: "prod", namespace: "",
              refusal: "an empty namespace on cluster prod is not permitted"),
    ]

    @Test(arguments: destinationCases)
    func destinations(_ c: DestinationCase) {
        let spec = ProjectSpec(destinations: c.destinations)
        let refusal = spec.destinationRefusal(cluster: c.cluster, namespace: c.namespace, project: "team-a")
        if let want = c.refusal {
            #expect(refusal?.contains(want) == true, "got \(refusal ?? "nil")")
        } else {
            #expect(refusal == nil, "got \(refusal ?? "nil")")
        }
    }

    /// Argo CD's `isDestinationMatched`, written out directly over the project's destinations.
    static func argoPermits(_ destinations: [ProjectDestination], cluster: String, namespace: String) -> Bool {
        func match(_ pattern: String, _ value: String) -> Bool {
            if pattern.hasPrefix("!") { return !Glob.matches(String(pattern.dropFirst()), value) }
            return pattern == "*" || Glob.matches(pattern, value)
        }
        var anyMatched = false, noDeny = true
        for d in destinations {
            let name = d.name ?? "", server = d.server ?? ""
            let n = match(name, cluster), s = match(server, cluster), ns = match(d.namespace, namespace)
            if (n || s) && ns {
                anyMatched = true
            } else if (!n && name.hasPrefix("!")) || (!s && server.hasPrefix("!")) || (!ns && d.namespace.hasPrefix("!")) {
                noDeny = false
            }
        }
        return anyMatched && noDeny
    }

    static let trickyDestinationSets: [[ProjectDestination]] = [
        exceptKubeSystem, teamA, [],
        [ProjectDestination(name: "!prod", namespace: "*")],
        [ProjectDestination(name: "!prod-*", server: "*", namespace: "team-*")],
        [ProjectDestination(name: "!dev", server: "dev", namespace: "apps")],
        [ProjectDestination(name: "dev", namespace: "!kube-system"), ProjectDestination(name: "prod-*", namespace: "team-a")],
        [ProjectDestination(name: "prod-eu", namespace: "!team-b"), ProjectDestination(name: "*", namespace: "!kube-*"), ProjectDestination(name: "dev", namespace: "*")],
        [ProjectDestination(server: "!staging", namespace: "!default")],
    ]

    /// The rules an agent receives judge every namespace exactly as the whole project does.
    @Test(arguments: trickyDestinationSets.indices)
    func rulesPreserveDestinationSemantics(_ index: Int) {
        let destinations = Self.trickyDestinationSets[index]
        let spec = ProjectSpec(destinations: destinations)
        for cluster in ["prod", "prod-eu", "dev", "staging", "other"] {
            let rules = spec.rules(project: "team-a", cluster: cluster)
            for namespace in ["team-a", "team-b", "kube-system", "kube-public", "default", "apps", ""] {
                let want = Self.argoPermits(destinations, cluster: cluster, namespace: namespace)
                #expect((rules.namespaceRefusal(namespace) == nil) == want, "\(cluster)/\(namespace)")
                #expect((spec.destinationRefusal(cluster: cluster, namespace: namespace, project: "team-a") == nil) == want, "\(cluster)/\(namespace)")
            }
        }
    }

    @Test func rulesKeepOnlyWhatConcernsTheCluster() {
        let spec = ProjectSpec(destinations: [
            ProjectDestination(name: "prod", namespace: "team-a"),
            ProjectDestination(name: "dev", namespace: "*"),
            ProjectDestination(name: "staging", namespace: "!kube-system"),
            ProjectDestination(name: "!dev", namespace: "shared"),
        ])
        #expect(spec.rules(project: "team-a", cluster: "prod").namespaces == [
            .init(namespace: "team-a", clusterMatches: true),
            .init(namespace: "!kube-system", clusterMatches: false),
            .init(namespace: "shared", clusterMatches: true),
        ])
        #expect(spec.rules(project: "team-a", cluster: "dev").namespaces == [
            .init(namespace: "*", clusterMatches: true),
            .init(namespace: "!kube-system", clusterMatches: false),
            .init(namespace: "shared", clusterMatches: false, clusterDenial: "!dev"),
        ])
    }

    // MARK: Kinds

    struct KindCase: Sendable, CustomTestStringConvertible {
        var spec: ProjectSpec
        var group: String
        var kind: String
        var namespaced: Bool
        var refusal: String?
        var testDescription: String { "\(namespaced ? "namespaced" : "cluster") \(group)/\(kind) → \(refusal ?? "permitted")" }
    }

    static let kindCases: [KindCase] = [
        // Defaults: no cluster-scoped kinds, every namespaced kind.
        .init(spec: ProjectSpec(), group: "rbac.authorization.k8s.io", kind: "ClusterRole", namespaced: false,
              refusal: "cluster-scoped ClusterRole (rbac.authorization.k8s.io) is not permitted in project team-a: not in clusterResourceWhitelist"),
        .init(spec: ProjectSpec(), group: "", kind: "Namespace", namespaced: false, refusal: "cluster-scoped Namespace (core) is not permitted"),
        .init(spec: ProjectSpec(), group: "apps", kind: "Deployment", namespaced: true, refusal: nil),
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "", kind: "Namespace")]), group: "", kind: "Namespace", namespaced: false, refusal: nil),
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "", kind: "Namespace")]), group: "rbac.authorization.k8s.io", kind: "ClusterRole",
              namespaced: false, refusal: "add {group: rbac.authorization.k8s.io, kind: ClusterRole} to allow it"),
        // Globs in group and kind; the core group is "".
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "*.k8s.io", kind: "*")]), group: "rbac.authorization.k8s.io", kind: "ClusterRole", namespaced: false, refusal: nil),
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "*.k8s.io", kind: "*")]), group: "", kind: "Namespace", namespaced: false, refusal: "not in clusterResourceWhitelist"),
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "*", kind: "*")]), group: "", kind: "Namespace", namespaced: false, refusal: nil),
        // Blacklist wins over whitelist.
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "*", kind: "*")],
                                clusterResourceBlacklist: [GroupKind(group: "rbac.authorization.k8s.io", kind: "Cluster*")]),
              group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding", namespaced: false,
              refusal: "cluster-scoped ClusterRoleBinding (rbac.authorization.k8s.io) is not permitted in project team-a: clusterResourceBlacklist entry rbac.authorization.k8s.io/Cluster* denies it"),
        .init(spec: ProjectSpec(namespaceResourceWhitelist: [GroupKind(group: "*", kind: "*")], namespaceResourceBlacklist: [GroupKind(group: "", kind: "Secret")]),
              group: "", kind: "Secret", namespaced: true, refusal: "namespaceResourceBlacklist entry core/Secret denies it"),
        .init(spec: ProjectSpec(namespaceResourceBlacklist: [GroupKind(group: "", kind: "ResourceQuota")]), group: "", kind: "ConfigMap", namespaced: true, refusal: nil),
        // A namespaced whitelist, once set, must match.
        .init(spec: ProjectSpec(namespaceResourceWhitelist: [GroupKind(group: "apps", kind: "*"), GroupKind(group: "", kind: "ConfigMap")]),
              group: "apps", kind: "Deployment", namespaced: true, refusal: nil),
        .init(spec: ProjectSpec(namespaceResourceWhitelist: [GroupKind(group: "apps", kind: "*"), GroupKind(group: "", kind: "ConfigMap")]),
              group: "", kind: "Secret", namespaced: true, refusal: "namespaced Secret (core) is not permitted in project team-a: not in namespaceResourceWhitelist"),
        // Argo CD's TestAppProject_IsGroupKindPermitted.
        .init(spec: ProjectSpec(clusterResourceBlacklist: [GroupKind(group: "", kind: "Namespace")]), group: "", kind: "Namespace", namespaced: false, refusal: "not permitted"),
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "*", kind: "*")], clusterResourceBlacklist: [GroupKind(group: "*", kind: "*")]),
              group: "", kind: "Namespace", namespaced: false, refusal: "clusterResourceBlacklist entry */* denies it"),
        .init(spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "*", kind: "*")], clusterResourceBlacklist: [GroupKind(group: "*", kind: "*")]),
              group: "apps", kind: "Action", namespaced: true, refusal: nil),
        .init(spec: ProjectSpec(namespaceResourceWhitelist: [GroupKind(group: "apps", kind: "ReplicaSet")], namespaceResourceBlacklist: [GroupKind(group: "apps", kind: "Deployment")]),
              group: "apps", kind: "Action", namespaced: true, refusal: "not in namespaceResourceWhitelist"),
        // Cluster lists do not govern namespaced kinds and vice versa.
        .init(spec: ProjectSpec(clusterResourceBlacklist: [GroupKind(group: "*", kind: "*")]), group: "apps", kind: "Deployment", namespaced: true, refusal: nil),
    ]

    @Test(arguments: kindCases)
    func kinds(_ c: KindCase) {
        let refusal = c.spec.kindRefusal(group: c.group, kind: c.kind, namespaced: c.namespaced, project: "team-a")
        if let want = c.refusal {
            #expect(refusal?.contains(want) == true, "got \(refusal ?? "nil")")
        } else {
            #expect(refusal == nil, "got \(refusal ?? "nil")")
        }
        // The agent's copy of the rules agrees.
        let rules = c.spec.rules(project: "team-a", cluster: "any")
        #expect(rules.kindRefusal(group: c.group, kind: c.kind, namespaced: c.namespaced) == refusal)
    }

    // MARK: Objects on the agent

    @Test func objectRefusalChecksKindThenNamespace() {
        let spec = ProjectSpec(
            destinations: [ProjectDestination(name: "prod", namespace: "team-a-*")],
            clusterResourceWhitelist: [GroupKind(group: "", kind: "Namespace")],
            namespaceResourceBlacklist: [GroupKind(group: "", kind: "Secret")])
        let rules = spec.rules(project: "team-a", cluster: "prod")
        #expect(rules.objectRefusal(group: "apps", kind: "Deployment", namespaced: true, namespace: "team-a-web") == nil)
        #expect(rules.objectRefusal(group: "apps", kind: "Deployment", namespaced: true, namespace: "kube-system")?
            .hasPrefix("namespace kube-system on cluster prod is not permitted in project team-a") == true)
        // Cluster-scoped objects are not checked against destinations (Argo CD's IsResourcePermitted).
        #expect(rules.objectRefusal(group: "", kind: "Namespace", namespaced: false, namespace: "") == nil)
        #expect(rules.objectRefusal(group: "rbac.authorization.k8s.io", kind: "ClusterRole", namespaced: false, namespace: "")?
            .contains("not in clusterResourceWhitelist") == true)
        // The kind is judged first.
        #expect(rules.objectRefusal(group: "", kind: "Secret", namespaced: true, namespace: "kube-system")?
            .contains("namespaceResourceBlacklist") == true)
    }

    @Test func rulesRoundTripAndTolerateMissingFields() throws {
        let spec = ProjectSpec(destinations: [ProjectDestination(name: "!prod", namespace: "*"), ProjectDestination(name: "*", namespace: "!kube-system")],
                               clusterResourceWhitelist: [GroupKind(group: "", kind: "Namespace")],
                               namespaceResourceBlacklist: [GroupKind(group: "", kind: "Secret")])
        let rules = spec.rules(project: "team-a", cluster: "prod")
        let data = try JSONEncoder().encode(rules)
        #expect(try JSONDecoder().decode(ProjectRules.self, from: data) == rules)

        let sparse = try JSONDecoder().decode(ProjectRules.self, from: Data(#"{"project":"team-a","namespaces":[{"namespace":"apps"}]}"#.utf8))
        #expect(sparse.project == "team-a")
        #expect(sparse.cluster == "")
        #expect(sparse.namespaces == [.init(namespace: "apps", clusterMatches: false)])
        #expect(sparse.clusterResourceWhitelist.isEmpty && sparse.namespaceResourceWhitelist.isEmpty)
        // Missing fields are strict: no namespace admitted, no cluster-scoped kind.
        #expect(sparse.objectRefusal(group: "", kind: "ConfigMap", namespaced: true, namespace: "apps") != nil)
        #expect(sparse.objectRefusal(group: "", kind: "Namespace", namespaced: false, namespace: "") != nil)

        // An assignment from an older hub carries no rules at all.
        struct Carrier: Codable { var projectRules: ProjectRules? }
        #expect(try JSONDecoder().decode(Carrier.self, from: Data("{}".utf8)).projectRules == nil)
    }

    // MARK: Validation

    struct ValidationCase: Sendable, CustomTestStringConvertible {
        var name: String
        var spec: ProjectSpec
        var error: String
        var testDescription: String { name }
    }

    static let validationCases: [ValidationCase] = [
        .init(name: "invalid source glob", spec: ProjectSpec(sourceRepos: ["https://github.com/{acme"]), error: "sourceRepos[0]"),
        .init(name: "source !*", spec: ProjectSpec(sourceRepos: ["!*"]), error: "denies every repository"),
        .init(name: "duplicate source", spec: ProjectSpec(sourceRepos: ["*", "*"]), error: "sourceRepos[1] \"*\": listed twice"),
        .init(name: "empty destination namespace", spec: ProjectSpec(destinations: [ProjectDestination(name: "prod", namespace: "")]),
              error: "destinations[0]: namespace is empty"),
        .init(name: "destination without cluster", spec: ProjectSpec(destinations: [ProjectDestination(namespace: "apps")]), error: "destinations[0]: no cluster"),
        .init(name: "invalid destination glob", spec: ProjectSpec(destinations: [ProjectDestination(name: "prod", namespace: "!team-[a")]),
              error: "destinations[0] namespace: invalid glob"),
        .init(name: "invalid kind glob", spec: ProjectSpec(clusterResourceWhitelist: [GroupKind(group: "[", kind: "*")]), error: "clusterResourceWhitelist[0] group"),
        .init(name: "bad schedule", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .deny, schedule: "61 * * * *", duration: "1h", applications: ["*"])]),
              error: "syncWindows[0] (deny '61 * * * *' for 1h): invalid schedule \"61 * * * *\": minute field"),
        .init(name: "bad duration", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "8 hours", applications: ["*"])]),
              error: "invalid duration \"8 hours\""),
        .init(name: "zero duration", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "0s", applications: ["*"])]),
              error: "must be longer than zero"),
        .init(name: "bad time zone", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "1h", applications: ["*"], timeZone: "Mars/Olympus")]),
              error: "unknown timeZone \"Mars/Olympus\""),
        .init(name: "window without scope", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .allow, schedule: "0 9 * * *", duration: "1h")]),
              error: "window applies to nothing"),
        .init(name: "window never fires", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .allow, schedule: "0 0 30 2 *", duration: "1h", applications: ["*"])]),
              error: "never fires"),
        .init(name: "duplicate window", spec: ProjectSpec(syncWindows: [SyncWindow(kind: .deny, schedule: "0 22 * * *", duration: "8h", applications: ["a"]),
                                                                        SyncWindow(kind: .deny, schedule: "0 22 * * *", duration: "8h", namespaces: ["b"])]),
              error: "syncWindows[1] (deny '0 22 * * *' for 8h): the same window is listed twice"),
        .init(name: "duplicate role", spec: ProjectSpec(roles: [ProjectRole(name: "ci"), ProjectRole(name: "ci")]), error: "roles[1]: role \"ci\" already exists"),
        .init(name: "role name syntax", spec: ProjectSpec(roles: [ProjectRole(name: "-ci")]), error: "invalid role name \"-ci\""),
        .init(name: "role name with space", spec: ProjectSpec(roles: [ProjectRole(name: "ci bot")]), error: "invalid role name"),
        .init(name: "group with comma", spec: ProjectSpec(roles: [ProjectRole(name: "ci", groups: ["a,b"])]), error: "contains a comma"),
    ]

    @Test(arguments: validationCases)
    func validation(_ c: ValidationCase) {
        let errors = c.spec.validate()
        #expect(errors.contains { $0.contains(c.error) }, "got \(errors)")
    }

    @Test func validProjectsHaveNoErrors() {
        #expect(ProjectSpec.permissive.validate() == [])
        let spec = ProjectSpec(
            sourceRepos: ["https://github.com/acme/*", "!https://github.com/acme/secret"],
            destinations: [ProjectDestination(name: "prod-*", namespace: "team-a"), ProjectDestination(name: "*", namespace: "!kube-system")],
            clusterResourceWhitelist: [GroupKind(group: "", kind: "Namespace")],
            namespaceResourceBlacklist: [GroupKind(group: "", kind: "ResourceQuota")],
            roles: [ProjectRole(name: "ci-bot_1", policies: ["p, proj:team-a:ci-bot_1, applications, sync, team-a/*, allow"], groups: ["acme:devs"])],
            syncWindows: [SyncWindow(kind: .deny, schedule: "0 22 * * MON-FRI", duration: "8h", applications: ["*"], manualSync: true, timeZone: "Europe/Berlin")])
        #expect(spec.validate() == [])
    }
}
