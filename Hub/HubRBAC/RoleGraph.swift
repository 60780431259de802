/// Policy indexed for lookups by subject: the `p` lines naming each subject, and the `g` lines
/// granting each member its roles. Built once per configuration so a decision touches only the
/// subjects the requester actually reaches.
struct PolicyIndex: Sendable {
    private(set) var rulesBySubject: [String: [PolicyRule]] = [:]
    private(set) var grantsByMember: [String: [RoleGrant]] = [:]

    init(_ policies: [Policy]) {
        for policy in policies {
            for rule in policy.rules { rulesBySubject[rule.subject, default: []].append(rule) }
            for grant in policy.grants { grantsByMember[grant.member, default: []].append(grant) }
        }
    }
}

/// Role inheritance: from the holders a request starts with, every role reachable through `g`
/// lines, each with the chain of grants that reached it.
///
/// Breadth-first with a visited set, so cycles (`g, role:a, role:b` + `g, role:b, role:a`) end
/// and every role is reached by a shortest chain, which is the clearest to explain. Unlike
/// Casbin's default role manager (10 levels) there is no depth limit; the visited set bounds
/// the walk by the number of roles.
enum RoleGraph {
    struct Reached {
        let subject: String
        let holder: PolicyMatch.Holder
        let grants: [RoleGrant]
    }

    static func reach(from holders: [PolicyMatch.Holder], in indexes: [PolicyIndex]) -> [Reached] {
        var seen: Set<String> = []
        var queue: [Reached] = []
        for holder in holders where seen.insert(holder.subject).inserted {
            queue.append(Reached(subject: holder.subject, holder: holder, grants: []))
        }
        var next = 0
        while next < queue.count {
            let current = queue[next]
            next += 1
            for index in indexes {
                for grant in index.grantsByMember[current.subject] ?? [] where seen.insert(grant.role).inserted {
                    queue.append(Reached(subject: grant.role, holder: current.holder, grants: current.grants + [grant]))
                }
            }
        }
        return queue
    }
}
