import Foundation
import HawserProtocol
import HawserWire
import NIOCore
import NIOPosix
import NIOSSL

/// Where the hub's agent port is.
public struct HubEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 as `[::1]:8443`).
    public init(_ s: String) throws {
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            host = String(s[s.index(after: s.startIndex)..<close])
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { throw LinkError("hub address \"\(s)\" needs a port, e.g. [::1]:8443") }
            port = p
        } else {
            let parts = s.split(separator: ":")
            guard parts.count == 2, let p = Int(parts[1]), !parts[0].isEmpty else {
                throw LinkError("hub address \"\(s)\" must be HOST:PORT, e.g. hub.example.com:8443")
            }
            host = String(parts[0])
            port = p
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// The agent's client certificate, key and the hub CA it trusts, as PEM.
public struct LinkCredentials: Sendable {
    public var caPEM: String
    public var certificatePEM: String
    public var keyPEM: String
    public init(caPEM: String, certificatePEM: String, keyPEM: String) {
        self.caPEM = caPEM
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }
}

public struct LinkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Opens TLS 1.3 connections to the hub and installs the frame codec. The agent always dials
/// (so it works from behind NAT); the hub never connects to agents.
public enum HubDialer {
    /// First contact: no client certificate, and the hub is trusted only through the CA pin.
    /// The handshake completes after `connect` returns, so the pin's verdict is returned too:
    /// callers turn a failed first read into that readable reason.
    public static func dialForJoin(_ endpoint: HubEndpoint, caPin: String, timeout: Duration = .seconds(10)) async throws -> (channel: FrameChannel, pinRejection: @Sendable () -> String?) {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.certificateVerification = .noHostnameVerification
        let context = try NIOSSLContext(configuration: tls)
        let verifier = PinnedCAVerifier(pin: caPin)
        let rejection = RejectionBox()
        let channel = try await dial(endpoint, timeout: timeout) { channel in
            try channel.pipeline.syncOperations.addHandler(
                try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: verifier.callback { rejection.set($0) }))
        }
        return (channel, { rejection.get() })
    }

    /// Every later connection: mutual TLS with the hub's CA as the only trust root.
    public static func dial(_ endpoint: HubEndpoint, credentials: LinkCredentials, timeout: Duration = .seconds(10), observer: FrameObserver? = nil) async throws -> FrameChannel {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv13
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(credentials.caPEM.utf8)))
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(credentials.certificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(credentials.keyPEM.utf8), format: .pem))
        tls.certificateVerification = .fullVerification
        let context = try NIOSSLContext(configuration: tls)
        let hostname = endpoint.host.isIPAddress ? nil : endpoint.host
        return try await dial(endpoint, timeout: timeout, observer: observer) { channel in
            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: hostname))
        }
    }

    private static func dial(_ endpoint: HubEndpoint, timeout: Duration, observer: FrameObserver? = nil, tls: @escaping @Sendable (any Channel) throws -> Void) async throws -> FrameChannel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .connect(host: endpoint.host, port: endpoint.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try tls(channel)
                    try channel.pipeline.syncOperations.addFrameCodec(observer: observer)
                    return try FrameChannel(wrappingChannelSynchronously: channel)
                }
            }
    }
}

import Synchronization

/// Carries the pin verifier's reason out of the TLS callback, for a readable error.
final class RejectionBox: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ s: String) { value.withLock { $0 = s } }
    func get() -> String? { value.withLock { $0 } }
}

extension String {
    var isIPAddress: Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, self, &v4) == 1 || inet_pton(AF_INET6, self, &v6) == 1
    }
}
