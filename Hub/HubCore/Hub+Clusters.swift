import Foundation
import HawserProtocol
import HubPKI
import HubStore
import X509

extension Hub {
    /// Registers a cluster and returns a one-time bootstrap token with the exact join command.
    public func addCluster(_ request: ClusterCreateRequest) async throws -> ClusterCreateResponse {
        try Validation.name(request.name, what: "cluster")
        for (k, v) in request.labels { try Validation.label(key: k, value: v) }
        if let ttl = request.tokenTTLSeconds, !(ttl > 0 && ttl <= 7 * 86400) {
            throw HubError(.invalid, "bootstrap token lifetime must be between 1 second and 7 days, got \(ttl)s")
        }
        if try await store.cluster(named: request.name) != nil {
            throw HubError(.conflict, "cluster \"\(request.name)\" already exists; pick another name, or `hawser cluster token` for a new join token")
        }
        let created = now()
        let record = ClusterRecord(id: UUID().uuidString.lowercased(), name: request.name, labels: request.labels, state: .pending, createdAt: created)
        try await store.createCluster(record)
        let response = try await issueBootstrapToken(for: record, ttl: request.tokenTTLSeconds)
        // Fleet apps whose selector matches get a deployment now; the agent receives it on join.
        await reconcileAllFleets()
        return response
    }

    /// Replaces a cluster's labels (`hawser cluster set`): fleet applications follow, adding
    /// or removing their deployment on it.
    public func setClusterLabels(named name: String, labels: [String: String]) async throws -> ClusterView {
        for (k, v) in labels { try Validation.label(key: k, value: v) }
        let c = try await requireCluster(name)
        let updated = try await store.updateCluster(id: c.id) { $0.labels = labels }
        logger.info("cluster labels changed", metadata: ["cluster": "\(name)", "labels": "\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))"])
        await reconcileAllFleets()
        return await view(updated)
    }

    /// A fresh one-time token for a cluster that has not joined yet or must re-join (a new
    /// machine, a lost state directory). Earlier unused tokens stay valid until they expire.
    public func newBootstrapToken(clusterNamed name: String, ttl: TimeInterval?) async throws -> ClusterCreateResponse {
        if let ttl, !(ttl > 0 && ttl <= 7 * 86400) {
            throw HubError(.invalid, "bootstrap token lifetime must be between 1 second and 7 days, got \(ttl)s")
        }
        let c = try await requireCluster(name)
        guard c.state != .revoked else {
            throw HubError(.conflict, "cluster \"\(name)\" is revoked; remove it with `hawser cluster rm \(name)` and add it again")
        }
        return try await issueBootstrapToken(for: c, ttl: ttl)
    }

    private func issueBootstrapToken(for record: ClusterRecord, ttl: TimeInterval?) async throws -> ClusterCreateResponse {
        let created = now()
        let token = Secrets.newToken(prefix: "hwsb_")
        let expires = created.addingTimeInterval(ttl ?? configuration.bootstrapTokenLifetime)
        try await store.addBootstrapToken(BootstrapTokenRecord(tokenHash: Secrets.hash(token), clusterId: record.id, createdAt: created, expiresAt: expires, usedAt: nil))
        let command = "hawser-agent join --hub \(configuration.advertiseAddress) --token \(token) --ca-sha256 \(caFingerprint) --state-dir ./hawser-agent-state"
        return ClusterCreateResponse(cluster: await view(record), bootstrapToken: token, expiresAt: expires, caFingerprint: caFingerprint, joinCommand: command)
    }

    public func clusters() async throws -> [ClusterView] {
        var out: [ClusterView] = []
        for c in try await store.clusters().sorted(by: { $0.name < $1.name }) { out.append(await view(c)) }
        return out
    }

    public func cluster(named name: String) async throws -> ClusterView {
        await view(try await requireCluster(name))
    }

    func requireCluster(_ name: String) async throws -> ClusterRecord {
        guard let c = try await store.cluster(named: name) else {
            throw HubError(.notFound, "cluster \"\(name)\" not found; `hawser cluster list` shows the registered ones")
        }
        return c
    }

    /// Revokes a cluster: its agent is disconnected now and refused from then on.
    public func revokeCluster(named name: String) async throws -> ClusterView {
        let c = try await requireCluster(name)
        let updated = try await store.updateCluster(id: c.id) { $0.state = .revoked; $0.connected = false }
        if let session = await sessions.session(for: c.id) {
            await session.close(with: ProtocolError(.clusterRevoked, "cluster \"\(name)\" was revoked on the hub; register it again with `hawser cluster add`"))
        }
        logger.notice("cluster revoked", metadata: ["cluster": "\(name)"])
        await reconcileAllFleets()
        return await view(updated)
    }

    /// Removes a cluster from the hub: its agent is disconnected and its certificate no longer
    /// maps to anything. Refused while applications still target it, so nothing is orphaned.
    public func removeCluster(named name: String) async throws {
        let c = try await requireCluster(name)
        // Fleet deployments leave with the cluster; apps that name it must be deleted first.
        let apps = try await store.apps(cluster: name).filter { $0.parent == nil }.map(\.name).sorted()
        guard apps.isEmpty else {
            throw HubError(.conflict, "cluster \"\(name)\" still has applications: \(apps.joined(separator: ", ")); delete them first")
        }
        try await store.deleteCluster(id: c.id)
        if let session = await sessions.session(for: c.id) {
            await session.close(with: ProtocolError(.clusterUnknown, "cluster \"\(name)\" was removed from the hub"))
        }
        logger.notice("cluster removed", metadata: ["cluster": "\(name)"])
        await reconcileAllFleets()
    }

    func view(_ c: ClusterRecord) async -> ClusterView {
        let state = await connectionState(c)
        return ClusterView(
            id: c.id, name: c.name, labels: c.labels, state: c.state.rawValue,
            connected: state != "Disconnected",
            lastHeartbeat: await sessions.lastHeartbeat(c.id) ?? c.lastHeartbeat, agentVersion: c.agentVersion, kubernetesVersion: c.kubernetesVersion,
            certificateNotAfter: c.certificateNotAfter, createdAt: c.createdAt, connectionState: state)
    }

    /// From the live connection, else from a lease: the last heartbeat within three heartbeat
    /// intervals counts as alive unless this hub saw the agent leave. A restarted hub (or, later,
    /// another replica) does not report agents failed in the seconds before they reconnect.
    func connectionState(_ c: ClusterRecord) async -> String {
        if await sessions.isConnected(c.id) { return "Connected" }
        guard c.state != .revoked, !(await sessions.departedHere(c.id)), let beat = c.lastHeartbeat else { return "Disconnected" }
        let lease = 3 * Double(configuration.heartbeatInterval.components.seconds) + Double(configuration.heartbeatInterval.components.attoseconds) * 3e-18
        return now().timeIntervalSince(beat) < lease ? "Reconnecting" : "Disconnected"
    }

    // MARK: Registration

    /// Redeems a bootstrap token for a client certificate. Every refusal says why, and none
    /// of them changes anything.
    public func join(_ request: Join, peer: String) async throws(ProtocolError) -> CertificateIssued {
        // A malformed CSR must not spend the one-time token.
        do {
            _ = try CertificateAuthority.validateCSR(request.csrPEM)
        } catch {
            throw ProtocolError(.invalidCSR, "\(error)")
        }
        let hash = Secrets.hash(request.token)
        let result: Result<BootstrapTokenRecord, TokenRejection>
        do {
            result = try await store.consumeBootstrapToken(hash: hash, now: now())
        } catch {
            throw ProtocolError(.internal, "the hub could not read its store: \(error)")
        }
        let token: BootstrapTokenRecord
        switch result {
        case .success(let t): token = t
        case .failure(.unknown):
            throw ProtocolError(.tokenUnknown, "the bootstrap token is not known to this hub; copy it again from `hawser cluster add`")
        case .failure(.expired(let at)):
            throw ProtocolError(.tokenExpired, "the bootstrap token expired at \(WireJSON.formatDate(at)); ask for a new one with `hawser cluster token CLUSTER`")
        case .failure(.alreadyUsed(let at)):
            throw ProtocolError(.tokenUsed, "the bootstrap token was already used at \(WireJSON.formatDate(at)); tokens are single-use, ask for a new one with `hawser cluster token CLUSTER`")
        }
        guard let cluster = try? await store.cluster(id: token.clusterId), cluster.state != .revoked else {
            throw ProtocolError(.clusterRevoked, "the cluster this token was issued for is revoked or deleted")
        }
        let issued = try await issueCertificate(for: cluster, csrPEM: request.csrPEM, renewal: false)
        do {
            _ = try await store.updateCluster(id: cluster.id) {
                $0.state = .registered
                $0.agentVersion = request.agentVersion
                $0.lastSeenAddress = peer
            }
        } catch {
            throw ProtocolError(.internal, "the hub could not record the registration: \(error)")
        }
        logger.notice("agent joined", metadata: ["cluster": "\(cluster.name)", "peer": "\(peer)"])
        return issued
    }

    /// Renews a connected agent's certificate (it asks at two thirds of its lifetime).
    public func renew(clusterId: String, csrPEM: String) async throws(ProtocolError) -> CertificateIssued {
        guard let cluster = try? await store.cluster(id: clusterId), cluster.state == .registered else {
            throw ProtocolError(.clusterRevoked, "cluster is not registered on this hub")
        }
        return try await issueCertificate(for: cluster, csrPEM: csrPEM, renewal: true)
    }

    /// Signs a client certificate and records its serial: only the newest certificate of a
    /// cluster is accepted (plus, after a renewal, the one it replaces until the new one is
    /// used). A re-join therefore shuts out every certificate issued before it.
    private func issueCertificate(for cluster: ClusterRecord, csrPEM: String, renewal: Bool) async throws(ProtocolError) -> CertificateIssued {
        let cert: Certificate
        do {
            cert = try authority.signClientCertificate(csrPEM: csrPEM, clusterId: cluster.id, lifetime: configuration.agentCertificateLifetime, now: now())
        } catch {
            throw ProtocolError(.invalidCSR, "\(error)")
        }
        do {
            _ = try await store.updateCluster(id: cluster.id) {
                $0.previousCertificateSerial = renewal ? $0.certificateSerial : nil
                $0.certificateSerial = cert.serialHex
                $0.certificateNotAfter = cert.notValidAfter
            }
        } catch {
            throw ProtocolError(.internal, "the hub could not record the certificate: \(error)")
        }
        await audit(Principal(name: "agent:\(cluster.name)"), renewal ? "renew" : "join", "clusters", cluster.name, outcome: "succeeded",
                    detail: "\(renewal ? "renewed" : "issued") client certificate \(cert.serialHex), valid until \(WireJSON.formatDate(cert.notValidAfter))")
        return CertificateIssued(clusterId: cluster.id, clusterName: cluster.name, certificatePEM: cert.pemString, caPEM: authority.certificatePEM, notAfter: cert.notValidAfter)
    }

    /// Maps a TLS-verified client certificate to its cluster, refusing revoked or unknown ones.
    /// (TLS already checked the signature and validity dates against our CA.)
    public func authenticateAgent(certificateDER: [UInt8]) async throws(ProtocolError) -> ClusterRecord {
        guard let cert = try? Certificate(derEncoded: certificateDER), let id = CertificateAuthority.clusterId(of: cert) else {
            throw ProtocolError(.clusterUnknown, "the client certificate does not name a Hawser cluster")
        }
        guard let cluster = try? await store.cluster(id: id) else {
            throw ProtocolError(.clusterUnknown, "the cluster this certificate was issued for no longer exists on the hub; register again with `hawser cluster add`")
        }
        guard cluster.state != .revoked else {
            throw ProtocolError(.clusterRevoked, "cluster \"\(cluster.name)\" is revoked; register it again with `hawser cluster add`")
        }
        let serial = cert.serialHex
        if serial == cluster.certificateSerial {
            if cluster.previousCertificateSerial != nil {
                // The renewed certificate is in use: the one it replaced is retired.
                return (try? await store.updateCluster(id: cluster.id) { $0.previousCertificateSerial = nil }) ?? cluster
            }
            return cluster
        }
        guard serial == cluster.previousCertificateSerial else {
            throw ProtocolError(.certificateSuperseded, "this certificate of cluster \"\(cluster.name)\" was replaced by a newer one (the cluster joined again); use the newest credentials or join again with `hawser cluster token \(cluster.name)`")
        }
        return cluster
    }
}

/// Checks on names and labels, with messages that say what is allowed.
enum Validation {
    /// DNS-1123 label, like Kubernetes and Argo CD names.
    static func name(_ s: String, what: String) throws {
        let ok = !s.isEmpty && s.count <= 63
            && s.allSatisfy { ($0.isLetter && $0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" }
            && s.first != "-" && s.last != "-"
        if !ok {
            throw HubError(.invalid, "\(what) name \"\(s)\" is invalid: use 1–63 lowercase letters, digits and '-', starting and ending with a letter or digit")
        }
    }

    static func label(key: String, value: String) throws {
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
        if key.isEmpty || key.count > 253 || !key.allSatisfy(allowed) {
            throw HubError(.invalid, "label key \"\(key)\" is invalid: use letters, digits, '-', '_', '.', '/'")
        }
        if value.count > 63 || !value.allSatisfy(allowed) {
            throw HubError(.invalid, "label value \"\(value)\" for \"\(key)\" is invalid: at most 63 letters, digits, '-', '_', '.'")
        }
    }
}
