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
