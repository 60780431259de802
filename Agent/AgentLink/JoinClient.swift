import HawserProtocol
import HawserWire

/// Registration: one connection, one `join` frame, one `certificate` (or `error`) back.
public enum JoinClient {
    public static func join(_ endpoint: HubEndpoint, caPin: String, request: Join) async throws -> CertificateIssued {
        let (channel, pinRejection) = try await HubDialer.dialForJoin(endpoint, caPin: caPin)
        do {
            return try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(.join(request))
                for try await envelope in inbound {
                    switch envelope.frame {
                    case .certificate(let issued): return issued
                    case .error(let e): throw e
                    default: continue
                    }
                }
                throw LinkError("the hub closed the connection without answering the join request")
            }
        } catch let error as ProtocolError {
            throw error
        } catch {
            if let why = pinRejection() { throw LinkError(why) }
            throw error
        }
    }
}
