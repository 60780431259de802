import HawserProtocol

/// Lists and summaries ask the same question for thousands of applications of a few projects:
/// "may this caller get P/<app>?". For almost every policy the answer cannot depend on the app's
/// name (the lines say `P/*`, `*/*` or `*`), and then it is decided once per project instead of
/// once per app. When a line that applies names apps more narrowly (`P/web-*`), the answer is
/// nil and the caller decides app by app.
extension Enforcer {
    /// The decision every application of `project` gets, or nil when it may differ by name.
    public func projectWideDecision(subject: String, groups: [String], action: Action, project: String) -> Bool? {
        if let token = ProjectRoles.parseSubject(subject), token.project != project { return false }
        var indexes = [global]
        if let index = projects[project] { indexes.append(index) }
        var holders: [PolicyMatch.Holder] = []
        if !subject.isEmpty { holders.append(.user(subject)) }
        holders += groups.map { .group($0) }

        /// (allows, denies) among lines covering every app of the project; nil if a line covers some only.
        func scan(_ holders: [PolicyMatch.Holder]) -> (allows: Bool, denies: Bool)? {
            var allows = false, denies = false
            for reached in RoleGraph.reach(from: holders, in: indexes) {
                for index in indexes {
                    for rule in index.rulesBySubject[reached.subject] ?? []
                    where rule.resource.matches(Resource.applications.rawValue) && rule.action.matches(action.rawValue) {
                        switch Self.coverage(of: rule.object.pattern, project: project) {
                        case .none: continue
                        case .some: return nil
                        case .all:
                            if rule.effect == .allow { allows = true } else { denies = true }
                        }
                    }
                }
            }
            return (allows, denies)
        }
        guard let held = scan(holders) else { return nil }
        let byDefault: (allows: Bool, denies: Bool)
        if defaultRole.isEmpty { byDefault = (false, false) } else {
            guard let d = scan([.defaultRole(defaultRole)]) else { return nil }
            byDefault = d
        }
        // The same order as `decide`: any deny wins, then any allow.
        if held.denies || byDefault.denies { return false }
        return held.allows || byDefault.allows
    }

    enum Coverage { case all, none, some }

    /// Which objects `P/<name>` (for every app name) an object glob matches. Conservative:
    /// `some` whenever it cannot tell, which only costs speed. Globs treat `/` as an ordinary
    /// character, so `team-*` covers `team-a/anything`.
    static func coverage(of pattern: String, project: String) -> Coverage {
        let prefix = project + "/"
        let specials: Set<Character> = ["*", "?", "[", "{", "\\"]
        // A literal head before the first special character must agree with "P/".
        let head = String(pattern.prefix { !specials.contains($0) })
        if !prefix.hasPrefix(head) && !head.hasPrefix(prefix) { return .none }
        // `<literal prefix of "P/">*`: every app of P.
        if pattern.hasSuffix("*"), head.count == pattern.count - 1, prefix.hasPrefix(head) { return .all }
        // `<glob matching P>/*` with no other slash: every app of P, or none when the glob misses P.
        if pattern.hasSuffix("/*"), !pattern.contains("{"), !pattern.contains("\\") {
            let projectPart = String(pattern.dropLast(2))
            if !projectPart.contains("/"), let g = try? Glob(projectPart) {
                return g.matches(project) ? .all : .none
            }
        }
        return .some
    }
}
