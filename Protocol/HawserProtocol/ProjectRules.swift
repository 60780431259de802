import Foundation

// A project's rules as Argo CD applies them (argo-cd pkg/apis/application/v1alpha1:
// `AppProject.IsSourcePermitted`, `IsDestinationPermitted`/`isDestinationMatched`,
// `IsGroupKindPermitted`, `IsResourcePermitted`, `ValidateProject`). Every check answers with
// nil (permitted) or a sentence saying what is refused, by which rule, and how to allow it.
//
// Negation (`!pattern`) follows Argo CD exactly, including its less obvious consequence: a
// negated entry that does *not* exclude the value counts as a match. `sourceRepos: ["!…/secret"]`
// alone admits every other repository, and a destination `{name: "*", namespace: "!kube-system"}`
// alone admits every other namespace. A negated entry that excludes the value always refuses,
// whatever other entries say (deny wins).

extension ProjectSpec {
    // MARK: Source repositories

    /// Why `repoURL` may not be used in this project, or nil when it may.
    ///
    /// URLs and patterns are compared after Argo CD's normalisation (`normalizedRepoURL`):
    /// lower-cased, `.git` suffix dropped, `git@host:org/repo` read as `host/org/repo`. As in
    /// Argo CD, `/` separates: `*` stays within one path segment (`https://github.com/org/*`
    /// does not admit `https://github.com/org/group/repo`), `**` crosses segments, and `*` on
    /// its own admits everything.
    public func sourceRefusal(repoURL: String, project: String) -> String? {
        let source = Self.normalizedRepoURL(repoURL)
        var admitted = false
        for entry in sourceRepos {
            if entry.hasPrefix("!") {
                let inner = Self.normalizedRepoURL(String(entry.dropFirst()))
                // An invalid negated pattern refuses (Argo CD would let it admit everything).
                if (try? Glob(inner)) == nil || Self.repoPatternMatches(inner, source) {
                    return "repository \(repoURL) is not permitted in project \(project) (source repo \(entry) denies it)"
                }
                admitted = true
            } else if Self.repoPatternMatches(Self.normalizedRepoURL(entry), source) {
                admitted = true
            }
        }
        if admitted { return nil }
        if sourceRepos.isEmpty {
            return "repository \(repoURL) is not permitted in project \(project): the project has no sourceRepos; add the URL or a glob such as https://github.com/org/* to sourceRepos"
        }
        return "repository \(repoURL) is not permitted in project \(project): no sourceRepos entry matches it (sourceRepos: \(sourceRepos.joined(separator: ", "))); add it to sourceRepos"
    }

    /// Argo CD's `git.NormalizeGitURL`, minus the `net/url` round trip: trimmed, lower-cased,
    /// scp-style `git@host:path` turned into `git@host/path`, a `.git` suffix and an `ssh://`
    /// prefix removed.
    public static func normalizedRepoURL(_ url: String) -> String {
        var r = url.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if isSSHURL(r), !r.hasPrefix("ssh://") {
            if let colon = r.firstIndex(of: ":") { r.replaceSubrange(colon...colon, with: "/") }
            r = "ssh://" + r
        }
        if r.hasSuffix(".git") { r.removeLast(4) }
        if r.hasPrefix("ssh://") { r.removeFirst(6) }
        return r
    }

    /// `^(ssh://)?([^/:]*?)@[^@]+$`: a user part without `/` or `:`, then `@` and a host part
    /// without `@`.
    private static func isSSHURL(_ url: String) -> Bool {
        let rest = url.hasPrefix("ssh://") ? url.dropFirst(6) : url[...]
        guard let at = rest.lastIndex(of: "@") else { return false }
        let user = rest[..<at], host = rest[rest.index(after: at)...]
        return !host.isEmpty && !user.contains("/") && !user.contains(":")
    }

    /// A source-repo glob with `/` as separator (gobwas/glob compiled with `'/'`, as Argo CD
    /// does): without `**`, the pattern must match segment by segment.
    ///
    /// `Glob` has no separator mode, so this splits on `/` and matches each segment. Patterns
    /// with `**`, or with a `/` inside `{…}`, `[…]` or after `\`, fall back to `Glob` over the
    /// whole URL, where every `*` crosses `/` (wider than Argo CD for their single stars).
    static func repoPatternMatches(_ pattern: String, _ url: String) -> Bool {
        if pattern == "*" { return true }
        if pattern.contains("**") || slashInsideGroup(pattern) { return Glob.matches(pattern, url) }
        let ps = pattern.split(separator: "/", omittingEmptySubsequences: false)
        let us = url.split(separator: "/", omittingEmptySubsequences: false)
        guard ps.count == us.count else { return false }
        return zip(ps, us).allSatisfy { Glob.matches(String($0), String($1)) }
    }

    private static func slashInsideGroup(_ pattern: String) -> Bool {
        var braces = 0, inSet = false, escaped = false
        for c in pattern {
            if escaped { if c == "/" { return true }; escaped = false; continue }
            switch c {
            case "\\": escaped = true
            case "[": inSet = true
            case "]": inSet = false
            case "{": braces += 1
            case "}": braces = max(0, braces - 1)
            case "/" where braces > 0 || inSet: return true
            default: break
            }
        }
        return false
    }

    // MARK: Destinations

    /// Why an application (or a namespaced object) may not go to `namespace` on `cluster`, or nil
    /// when it may. Argo CD's `IsDestinationPermitted`: some destination must match both cluster
    /// and namespace, and no negated pattern may exclude them.
    ///
    /// For an application, pass its destination namespace (`""` when it has none, which `*`
    /// matches). Cluster-scoped objects are not checked against destinations at all (Argo CD's
    /// `IsResourcePermitted` only checks objects with a namespace): use `ProjectRules.objectRefusal`,
    /// which does this.
    public func destinationRefusal(cluster: String, namespace: String, project: String) -> String? {
        rules(project: project, cluster: cluster).namespaceRefusal(namespace)
    }

    /// The rules an agent needs to enforce this project on `cluster`: the project's destinations
    /// reduced to what they say about that cluster, and the four kind lists.
    public func rules(project: String, cluster: String) -> ProjectRules {
        var namespaces: [ProjectRules.NamespaceRule] = []
        for d in destinations {
            let name = d.name ?? "", server = d.server ?? ""
            let nameMatched = Self.negatableMatch(name, cluster)
            let serverMatched = Self.negatableMatch(server, cluster)
            var denial: String? = nil
            if !nameMatched && name.hasPrefix("!") { denial = name } else if !serverMatched && server.hasPrefix("!") { denial = server }
            let rule = ProjectRules.NamespaceRule(namespace: d.namespace, clusterMatches: nameMatched || serverMatched, clusterDenial: denial)
            // Keep what can admit on this cluster or refuse there; a negated namespace refuses on
            // every cluster (Argo CD checks it whatever the destination's cluster).
            if rule.clusterMatches || denial != nil || d.namespace.hasPrefix("!") { namespaces.append(rule) }
        }
        return ProjectRules(project: project, cluster: cluster, namespaces: namespaces,
                            clusterResourceWhitelist: clusterResourceWhitelist, clusterResourceBlacklist: clusterResourceBlacklist,
                            namespaceResourceWhitelist: namespaceResourceWhitelist, namespaceResourceBlacklist: namespaceResourceBlacklist)
    }

    /// Argo CD's `globMatch(pattern, value, allowNegation: true)`: `!p` matches what `p` does not.
    /// An invalid pattern matches nothing, so an invalid `!p` matches everything… except that
    /// here an invalid negated pattern matches nothing too, so it refuses rather than admits.
    static func negatableMatch(_ pattern: String, _ value: String) -> Bool {
        if pattern.hasPrefix("!") {
            guard let g = try? Glob(String(pattern.dropFirst())) else { return false }
            return !g.matches(value)
        }
        return pattern == "*" || Glob.matches(pattern, value)
    }

    // MARK: Kinds

    /// Why objects of `group`/`kind` may not be created in this project, or nil. Cluster-scoped
    /// kinds need a `clusterResourceWhitelist` match (empty: none allowed); namespaced kinds need
    /// a `namespaceResourceWhitelist` match when that list is not empty. A blacklist match always
    /// refuses. `group` is `""` for the core group; list entries are globs.
    public func kindRefusal(group: String, kind: String, namespaced: Bool, project: String) -> String? {
        ProjectRules.kindRefusal(group: group, kind: kind, namespaced: namespaced, project: project,
                                 whitelist: namespaced ? namespaceResourceWhitelist : clusterResourceWhitelist,
                                 blacklist: namespaced ? namespaceResourceBlacklist : clusterResourceBlacklist)
    }

    // MARK: Validation

    /// Configuration errors, one sentence each naming the field; empty when the project is valid.
    /// Covers what Argo CD's `ValidateProject` checks (duplicates, `!*`, role and group names,
    /// window schedule, duration and scope) plus invalid globs, empty destination namespaces,
    /// unknown window time zones and schedules that never fire.
    public func validate() -> [String] {
        var errors: [String] = []
        func checkGlob(_ pattern: String, _ path: String, negatable: Bool) {
            let body = negatable && pattern.hasPrefix("!") ? String(pattern.dropFirst()) : pattern
            do { _ = try Glob(body) } catch { errors.append("\(path): \(error.description)") }
        }

        var repos = Set<String>()
        for (i, repo) in sourceRepos.enumerated() {
            let path = "sourceRepos[\(i)] \"\(repo)\""
            if repo.trimmingCharacters(in: .whitespaces).isEmpty { errors.append("sourceRepos[\(i)]: empty repository URL"); continue }
            if repo == "!*" { errors.append("\(path): \"!*\" denies every repository; remove the entry instead") }
            if !repos.insert(repo).inserted { errors.append("\(path): listed twice") }
            checkGlob(Self.normalizedRepoURL(repo.hasPrefix("!") ? String(repo.dropFirst()) : repo), path, negatable: false)
        }

        var destinationKeys = Set<String>()
        for (i, d) in destinations.enumerated() {
            let path = "destinations[\(i)]"
            let name = d.name ?? "", server = d.server ?? ""
            if name.isEmpty && server.isEmpty {
                errors.append("\(path): no cluster: set name to a cluster-name glob (\"*\" for every cluster)")
            }
            if d.namespace.isEmpty {
                errors.append("\(path): namespace is empty: set a namespace glob (\"*\" for every namespace)")
            }
            for (field, value) in [("name", name), ("server", server), ("namespace", d.namespace)] where value == "!*" {
                errors.append("\(path): \(field) \"!*\" matches nothing; remove the destination instead")
            }
            if !name.isEmpty { checkGlob(name, "\(path) name", negatable: true) }
            if !server.isEmpty { checkGlob(server, "\(path) server", negatable: true) }
            checkGlob(d.namespace, "\(path) namespace", negatable: true)
            let key = "\(name)|\(server)|\(d.namespace)"
            if !destinationKeys.insert(key).inserted {
                errors.append("\(path): destination \(Self.describe(d)) listed twice")
            }
        }

        for (listName, list) in [("clusterResourceWhitelist", clusterResourceWhitelist), ("clusterResourceBlacklist", clusterResourceBlacklist),
                                 ("namespaceResourceWhitelist", namespaceResourceWhitelist), ("namespaceResourceBlacklist", namespaceResourceBlacklist)] {
            for (i, gk) in list.enumerated() {
                let path = "\(listName)[\(i)]"
                if gk.kind.isEmpty { errors.append("\(path): kind is empty: set a kind or \"*\"") }
                checkGlob(gk.group, "\(path) group", negatable: false)
                checkGlob(gk.kind, "\(path) kind", negatable: false)
            }
        }

        var roleNames = Set<String>()
        for (i, role) in roles.enumerated() {
            let path = "roles[\(i)]"
            if !roleNames.insert(role.name).inserted { errors.append("\(path): role \"\(role.name)\" already exists") }
            if !Self.isValidRoleName(role.name) {
                errors.append("\(path): invalid role name \"\(role.name)\": use letters, digits, '-' or '_', starting and ending with a letter or digit")
            }
            var policies = Set<String>()
            for p in role.policies where !policies.insert(p).inserted {
                errors.append("\(path): policy \"\(p)\" listed twice for role \"\(role.name)\"")
            }
            var groups = Set<String>()
            for g in role.groups {
                if g.trimmingCharacters(in: .whitespaces).isEmpty {
                    errors.append("\(path): empty group name in role \"\(role.name)\"")
                } else if g.contains(where: { $0 == "," || $0 == "\n" || $0 == "\r" || $0 == "\t" }) {
                    errors.append("\(path): group \"\(g)\" contains a comma, tab or line break")
                }
                if !groups.insert(g).inserted { errors.append("\(path): group \"\(g)\" listed twice for role \"\(role.name)\"") }
            }
        }

        var windows = Set<String>()
        for (i, w) in syncWindows.enumerated() {
            let path = "syncWindows[\(i)] (\(w.summary))"
            if !windows.insert("\(w.kind.rawValue)|\(w.schedule)|\(w.duration)").inserted {
                errors.append("\(path): the same window is listed twice; edit the existing one")
            }
            for e in w.validationErrors() { errors.append("\(path): \(e)") }
        }
        return errors
    }

    /// Argo CD's role-name rule: `^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$`.
    static func isValidRoleName(_ name: String) -> Bool {
        func alnum(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }
        guard let first = name.first, let last = name.last, alnum(first), alnum(last) else { return false }
        return name.allSatisfy { alnum($0) || $0 == "-" || $0 == "_" }
    }

    static func describe(_ d: ProjectDestination) -> String {
        let cluster = [d.name, d.server].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "|")
        return "\(cluster.isEmpty ? "(no cluster)" : cluster)/\(d.namespace)"
    }
}

/// A project's rules as one agent needs them: sent with every assignment so the agent refuses
/// what the project forbids even if the hub did not (defence in depth). Built by
/// `ProjectSpec.rules(project:cluster:)`; an assignment without rules (an older hub) carries nil.
public struct ProjectRules: Codable, Sendable, Hashable {
    /// A project destination as it applies to this cluster.
    public struct NamespaceRule: Codable, Sendable, Hashable {
        /// The destination's namespace glob; `!` negates.
        public var namespace: String
        /// The destination's cluster pattern (name or server) matches this cluster, so the
        /// destination can admit namespaces here.
        public var clusterMatches: Bool
        /// The destination's negated cluster pattern that excludes this cluster (`!prod`), if any:
        /// then the destination refuses every namespace it does not admit.
        public var clusterDenial: String?

        public init(namespace: String, clusterMatches: Bool, clusterDenial: String? = nil) {
            self.namespace = namespace
            self.clusterMatches = clusterMatches
            self.clusterDenial = clusterDenial
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            namespace = try c.decodeIfPresent(String.self, forKey: .namespace) ?? ""
            clusterMatches = try c.decodeIfPresent(Bool.self, forKey: .clusterMatches) ?? false
            clusterDenial = try c.decodeIfPresent(String.self, forKey: .clusterDenial)
        }
    }

    public var project: String
    public var cluster: String
    public var namespaces: [NamespaceRule]
    public var clusterResourceWhitelist: [GroupKind]
    public var clusterResourceBlacklist: [GroupKind]
    public var namespaceResourceWhitelist: [GroupKind]
    public var namespaceResourceBlacklist: [GroupKind]

    public init(project: String, cluster: String, namespaces: [NamespaceRule] = [],
                clusterResourceWhitelist: [GroupKind] = [], clusterResourceBlacklist: [GroupKind] = [],
                namespaceResourceWhitelist: [GroupKind] = [], namespaceResourceBlacklist: [GroupKind] = []) {
        self.project = project
        self.cluster = cluster
        self.namespaces = namespaces
        self.clusterResourceWhitelist = clusterResourceWhitelist
        self.clusterResourceBlacklist = clusterResourceBlacklist
        self.namespaceResourceWhitelist = namespaceResourceWhitelist
        self.namespaceResourceBlacklist = namespaceResourceBlacklist
    }

    /// Missing fields decode as empty, which is strict: no namespaces admitted, no cluster-scoped
    /// kinds (an empty namespaced whitelist still allows all namespaced kinds, as in a project).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        project = try c.decodeIfPresent(String.self, forKey: .project) ?? ""
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster) ?? ""
        namespaces = try c.decodeIfPresent([NamespaceRule].self, forKey: .namespaces) ?? []
        clusterResourceWhitelist = try c.decodeIfPresent([GroupKind].self, forKey: .clusterResourceWhitelist) ?? []
        clusterResourceBlacklist = try c.decodeIfPresent([GroupKind].self, forKey: .clusterResourceBlacklist) ?? []
        namespaceResourceWhitelist = try c.decodeIfPresent([GroupKind].self, forKey: .namespaceResourceWhitelist) ?? []
        namespaceResourceBlacklist = try c.decodeIfPresent([GroupKind].self, forKey: .namespaceResourceBlacklist) ?? []
    }

    /// Why an object may not be applied, or nil. Argo CD's `IsResourcePermitted`: the kind must be
    /// permitted, and an object with a namespace must be in a permitted destination namespace;
    /// cluster-scoped objects (`namespaced: false`) are not checked against destinations.
    /// `namespace` is the object's effective namespace (the app's destination namespace when the
    /// manifest sets none).
    public func objectRefusal(group: String, kind: String, namespaced: Bool, namespace: String) -> String? {
        if let refusal = kindRefusal(group: group, kind: kind, namespaced: namespaced) { return refusal }
        guard namespaced else { return nil }
        return namespaceRefusal(namespace)
    }

    public func kindRefusal(group: String, kind: String, namespaced: Bool) -> String? {
        Self.kindRefusal(group: group, kind: kind, namespaced: namespaced, project: project,
                         whitelist: namespaced ? namespaceResourceWhitelist : clusterResourceWhitelist,
                         blacklist: namespaced ? namespaceResourceBlacklist : clusterResourceBlacklist)
    }

    /// Why `namespace` on this rules' cluster is not a permitted destination, or nil (Argo CD's
    /// `isDestinationMatched`).
    public func namespaceRefusal(_ namespace: String) -> String? {
        var admitted = false
        for rule in namespaces {
            let namespaceMatched = ProjectSpec.negatableMatch(rule.namespace, namespace)
            if rule.clusterMatches && namespaceMatched {
                admitted = true
            } else if let denial = rule.clusterDenial {
                return "cluster \(cluster) is not permitted in project \(project) (destination \(denial) denies it)"
            } else if !namespaceMatched && rule.namespace.hasPrefix("!") {
                return "\(Self.describe(namespace: namespace)) is not permitted in project \(project) (destination \(rule.namespace) denies it)"
            }
        }
        if admitted { return nil }
        let here = namespaces.filter(\.clusterMatches).map(\.namespace)
        if here.isEmpty {
            return "cluster \(cluster) is not permitted in project \(project): no destination names it; add a destination for \(cluster) to the project"
        }
        return "\(Self.describe(namespace: namespace)) on cluster \(cluster) is not permitted in project \(project): no destination matches it (namespaces allowed on \(cluster): \(here.joined(separator: ", ")))"
    }

    static func describe(namespace: String) -> String {
        namespace.isEmpty ? "an empty namespace" : "namespace \(namespace)"
    }

    /// Argo CD's `IsGroupKindPermitted` (its `isResourceInList` matches kind and group with globs).
    static func kindRefusal(group: String, kind: String, namespaced: Bool, project: String,
                            whitelist: [GroupKind], blacklist: [GroupKind]) -> String? {
        func matches(_ gk: GroupKind) -> Bool {
            Glob.matches(gk.kind, kind) && Glob.matches(gk.group, group)
        }
        let scope = namespaced ? "namespaced" : "cluster-scoped"
        let listPrefix = namespaced ? "namespaceResource" : "clusterResource"
        let subject = "\(scope) \(kind) (\(group.isEmpty ? "core" : group))"
        let entry = "{group: \(group.isEmpty ? "\"\"" : group), kind: \(kind)}"
        if let hit = blacklist.first(where: matches) {
            return "\(subject) is not permitted in project \(project): \(listPrefix)Blacklist entry \(hit) denies it"
        }
        if namespaced && whitelist.isEmpty { return nil }
        if whitelist.contains(where: matches) { return nil }
        let why = whitelist.isEmpty ? " (empty: no cluster-scoped kinds allowed)" : ""
        return "\(subject) is not permitted in project \(project): not in \(listPrefix)Whitelist\(why); add \(entry) to allow it"
    }
}
