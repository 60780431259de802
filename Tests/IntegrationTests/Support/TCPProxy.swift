import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on loopback between an agent and the hub that the test can break: `cut()`
/// resets every connection (a crashed router), and `stall` stops forwarding while keeping the
/// sockets open (a partition, or a half-open connection: neither side learns anything).
/// Blocking sockets on its own threads, never on Swift concurrency's cooperative pool.
final class TCPProxy: @unchecked Sendable {
    let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let state = Mutex<(connections: [Int32], stalled: Bool, stalledTowardsHub: Bool, closed: Bool, accepted: Int)>(([], false, false, false, 0))

    init(to upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw TestFailure("the test proxy cannot listen: \(String(cString: strerror(errno)))") }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    var address: String { "127.0.0.1:\(port)" }
    var accepted: Int { state.withLock { $0.accepted } }

    /// Stops (true) or resumes (false) forwarding in both directions; sockets stay open.
    func stall(_ on: Bool) { state.withLock { $0.stalled = on } }

    /// Stops forwarding from the agent to the hub only: the agent hears the hub, the hub hears
    /// nothing (its acknowledgements and statuses are lost with the connection).
    func stallTowardsHub(_ on: Bool) { state.withLock { $0.stalledTowardsHub = on } }

    /// Resets every open connection (SO_LINGER 0: the peers see ECONNRESET).
    func cut() {
        let open = state.withLock { s -> [Int32] in
            defer { s.connections = [] }
            return s.connections
        }
        for fd in open {
            var l = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
            shutdown(fd, Int32(SHUT_RDWR))
        }
    }

    func close() {
        state.withLock { $0.closed = true }
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        cut()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 { return }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: upstreamPort)
            let connected = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else {
                Glibc.close(client)
                Glibc.close(upstream)
                continue
            }
            state.withLock {
                $0.connections += [client, upstream]
                $0.accepted += 1
            }
            Thread { [self] in pump(from: upstream, to: client, towardsAgent: true) }.start()
            Thread { [self] in pump(from: client, to: upstream, towardsAgent: false) }.start()
        }
    }

    private func pump(from source: Int32, to destination: Int32, towardsAgent: Bool) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        defer {
            shutdown(destination, Int32(SHUT_RDWR))
            shutdown(source, Int32(SHUT_RDWR))
        }
        func held() -> Bool { state.withLock { ($0.stalled || (!towardsAgent && $0.stalledTowardsHub)) && !$0.closed } }
        while true {
            while held() { usleep(20_000) }
            let n = read(source, &buffer, buffer.count)
            if n <= 0 { return }
            while held() { usleep(20_000) }
            var sent = 0
            while sent < n {
                let m = buffer[sent..<n].withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
                if m <= 0 { return }
                sent += m
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        return a
    }
}
