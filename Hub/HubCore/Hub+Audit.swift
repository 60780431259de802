import Foundation
import HawserProtocol
import HubStore

extension Hub {
    /// Appends to the audit trail. Never throws: a failing audit write is logged loudly, and the
    /// action it describes has already happened (or been refused).
    public func audit(_ p: Principal, _ action: String, _ resource: String, _ object: String, outcome: String, detail: String? = nil) async {
        do {
            try await store.appendAudit(AuditRecord(at: now(), actor: p.name, groups: p.groups, action: action, resource: resource,
                                                    object: object, outcome: outcome, detail: detail))
        } catch {
            logger.error("audit write failed", metadata: ["actor": "\(p.name)", "action": "\(action)", "object": "\(object)", "error": "\(error)"])
        }
    }

    /// Audits a refusal of a caller without valid credentials. Anyone can cause these, so at
    /// most `AnonymousAuditLimiter.perMinute` are written per minute; the next one written says
    /// how many were left out, so a flood is visible without filling the disk.
    public func auditAnonymous(_ action: String, _ object: String, detail: String, resource: String = "accounts") async {
        guard let suppressed = await anonymousAudits.admit(now: now()) else { return }
        await audit(Principal(name: "anonymous"), action, resource, object, outcome: "denied",
                    detail: suppressed > 0 ? "\(detail) (and \(suppressed) similar refusals not recorded individually)" : detail)
    }

    /// Newest first; `before` pages backwards by id.
    public func auditEvents(limit: Int = 100, before: Int64? = nil, filter: AuditFilter = AuditFilter()) async throws -> [AuditEventView] {
        try await store.auditEvents(limit: max(1, min(limit, 1000)), beforeID: before, filter: filter).map {
            AuditEventView(id: $0.id ?? 0, at: $0.at, actor: $0.actor, groups: $0.groups, action: $0.action, resource: $0.resource,
                           object: $0.object, outcome: $0.outcome, detail: $0.detail, hash: $0.hash, previousHash: $0.previousHash)
        }
    }

    /// Walks the hash chain; names the first entry that was changed, removed or inserted.
    public func verifyAudit() async throws -> AuditVerifyResponse {
        let v = try await store.verifyAudit()
        return AuditVerifyResponse(entries: v.entries, intact: v.firstBrokenID == nil, firstBrokenID: v.firstBrokenID, problem: v.problem)
    }
}

/// A fixed budget of anonymous audit entries per minute.
actor AnonymousAuditLimiter {
    static let perMinute = 120
    private var windowStart = Date.distantPast
    private var written = 0
    private var suppressed = 0

    /// nil: drop this one; otherwise write it, mentioning how many were dropped before it.
    func admit(now: Date) -> Int? {
        if now.timeIntervalSince(windowStart) >= 60 {
            windowStart = now
            written = 0
        }
        guard written < Self.perMinute else {
            suppressed += 1
            return nil
        }
        written += 1
        defer { suppressed = 0 }
        return suppressed
    }
}

