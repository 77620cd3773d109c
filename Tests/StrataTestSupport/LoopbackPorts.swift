import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loopback ports for the servers tests start themselves (memcached, etcd), held for the server's
/// whole life.
///
/// Ports come from below the kernel's ephemeral range, so no outgoing connection and no
/// `freePort()` of another test takes one meanwhile. A port stays reserved until `release`, also
/// while its server is killed and not yet started again, so that a restart finds it free.
public enum LoopbackPorts {
    /// Ports held by live servers of this process.
    private static let reserved = Mutex<Set<Int>>([])

    /// A port below the ephemeral range that can be bound now and no other server here holds.
    public static func reserve() throws -> Int {
        let ephemeralStart = ephemeralPortRangeStart()
        if ephemeralStart > 12_000 {
            for _ in 0..<500 {
                let candidate = Int.random(in: 10_000..<ephemeralStart)
                let taken = reserved.withLock { reserved in
                    guard !reserved.contains(candidate), canBind(port: candidate) else { return true }
                    reserved.insert(candidate)
                    return false
                }
                if !taken { return candidate }
            }
        }
        // No room below the ephemeral range: fall back to the kernel's pick.
        let port = try freePort()
        reserved.withLock { _ = $0.insert(port) }
        return port
    }

    /// Gives `port` back once its server is gone for good.
    public static func release(_ port: Int) {
        reserved.withLock { _ = $0.remove(port) }
    }

    /// The first port the kernel hands out for outgoing connections (32768 when unknown).
    private static func ephemeralPortRangeStart() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
              let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
              let start = Int(first)
        else { return 32_768 }
        return start
    }

    /// Whether a listener could bind 127.0.0.1:`port` now (with SO_REUSEADDR, as the servers do).
    private static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
