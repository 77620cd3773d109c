import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import StrataTestSupport

/// A fake memcached on a loopback port that answers every request on its n-th connection with
/// `replies[n % replies.count]` (nil: never answers), to feed the client replies a real server
/// would never send.
///
/// Its sockets are closed only by the threads that use them, and `stop()` only shuts them down:
/// the test process is full of other sockets, and a descriptor number closed here and reused by
/// someone else must never be touched again.
final class ScriptedServer: Sendable {
    let port: Int
    private let listener: Int32
    private let state = Mutex(State())

    private struct State {
        var accepted = 0
        var open: Set<Int32> = []
        var stopped = false
    }

    /// Connections accepted so far.
    var accepted: Int { state.withLock { $0.accepted } }

    var address: String { "127.0.0.1:\(port)" }

    init(replies: [[UInt8]?]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FreePortError(description: "socket() failed: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard bound == 0, named == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw FreePortError(description: "could not listen on loopback: errno \(errno)")
        }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let accepting = Thread { [self] in acceptLoop(replies: replies) }
        accepting.start()
    }

    /// Stops accepting and drops every connection; the threads close the sockets as they exit.
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            Glibc.shutdown(listener, Int32(SHUT_RDWR))
            for fd in state.open { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func acceptLoop(replies: [[UInt8]?]) {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                // Signals (SIGCHLD from the memcached tests) interrupt a blocking accept.
                let interrupted = errno == EINTR || errno == ECONNABORTED
                if interrupted && !state.withLock({ $0.stopped }) { continue }
                close(listener)
                return
            }
            let n: Int? = state.withLock { state in
                guard !state.stopped else { return nil }
                state.open.insert(client)
                defer { state.accepted += 1 }
                return state.accepted
            }
            guard let n else {
                close(client)
                continue
            }
            let reply = replies.isEmpty ? nil : replies[n % replies.count]
            let serving = Thread { [self] in
                serve(client, reply: reply)
                state.withLock { state in
                    state.open.remove(client)
                    close(client)
                }
            }
            serving.start()
        }
    }

    /// Reads requests until the peer closes, answering each read with `reply`.
    private func serve(_ fd: Int32, reply: [UInt8]?) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            guard let reply else { continue }
            var offset = 0
            while offset < reply.count {
                let sent = reply[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent < 0 && errno == EINTR { continue }
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }
}

/// A loopback port that is bound but not listening, held for as long as this lives: connecting
/// to it is refused, and no other test can start a server on it meanwhile (a port from
/// `freePort()` could be taken by the next server that binds port 0).
final class RefusingPort: Sendable {
    let port: Int
    private let fd: Int32

    var address: String { "127.0.0.1:\(port)" }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FreePortError(description: "socket() failed: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw FreePortError(description: "could not bind on loopback: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
}
