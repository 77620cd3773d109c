import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import StrataTestSupport

/// A fake memcached on a loopback port that answers every request on its n-th connection with
/// `replies[n % replies.count]` (nil: never answers), to feed the client replies a real server
/// would never send.
final class ScriptedServer: Sendable {
    let port: Int
    private let listener: Int32
    private let connections = Mutex(0)
    private let clientSockets = Mutex<[Int32]>([])

    /// Connections accepted so far.
    var accepted: Int { connections.withLock { $0 } }

    var address: String { "127.0.0.1:\(port)" }

    init(replies: [[UInt8]?]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FreePortError(description: "socket() failed: errno \(errno)") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
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
        let accepting = Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                let n = connections.withLock { count in
                    defer { count += 1 }
                    return count
                }
                clientSockets.withLock { $0.append(client) }
                let reply = replies.isEmpty ? nil : replies[n % replies.count]
                let serving = Thread { serve(client, reply: reply) }
                serving.start()
            }
        }
        accepting.start()
    }

    /// Stops accepting and drops every connection.
    func stop() {
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in clientSockets.withLock({ $0 }) { Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
    }
}

/// Reads requests until the peer closes, answering each read with `reply`.
private func serve(_ fd: Int32, reply: [UInt8]?) {
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return }
        guard let reply else { continue }
        let sent = reply.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent >= 0 else { return }
    }
}
