import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// memcached could not be started: the message says why and how to install it.
public struct MemcachedUnavailable: Error, CustomStringConvertible {
    /// What went wrong, with the server's output when it printed any.
    public let description: String
}

/// A real memcached (Debian `memcached`) on a loopback port, started by the test itself.
///
/// It can be killed with SIGKILL and started again on the same port, which is how the cache
/// tests check that clients survive a server going away and reconnect when it is back.
public final class MemcachedServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by start/kill, which one test calls in sequence.
    /// Where Debian installs memcached.
    public static let binary = "/usr/bin/memcached"
    /// How long `start()` waits for the server to answer.
    public static let startupTimeout: Duration = .seconds(20)

    /// The loopback port memcached listens on, kept across restarts.
    public let port: Int
    private let logPath: String
    private var process: Process?

    /// `127.0.0.1:<port>`, as `MemcachedConfig.addresses` wants it.
    public var address: String { "127.0.0.1:\(port)" }

    /// Picks a free port; fails with a clear message when memcached is not installed.
    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: MemcachedServer.binary) else {
            throw MemcachedUnavailable(description: "\(MemcachedServer.binary) not found: run `bash scripts/setup.sh` (it installs the Debian package memcached), or `apt-get install memcached`")
        }
        port = try freePort()
        logPath = NSTemporaryDirectory() + "strata-memcached-\(UUID().uuidString).log"
    }

    /// Starts memcached (again, on the same port) and waits until it answers `version`.
    public func start() async throws {
        var arguments = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64"]
        // memcached refuses to run as root unless told which user to run as.
        if geteuid() == 0 { arguments += ["-u", "root"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MemcachedServer.binary)
        process.arguments = arguments
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + MemcachedServer.startupTimeout
        while ContinuousClock.now < deadline && process.isRunning {
            if answersVersion(port: port) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        if !process.isRunning {
            throw MemcachedUnavailable(description: "memcached exited with status \(process.terminationStatus): \(logTail())")
        }
        kill()
        throw MemcachedUnavailable(description: "memcached did not answer on \(address) within \(MemcachedServer.startupTimeout): \(logTail())")
    }

    /// Kills memcached with SIGKILL (the test runner's children have SIGTERM blocked) and waits
    /// for it to exit.
    public func kill() {
        guard let process, process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        kill()
        try? FileManager.default.removeItem(atPath: logPath)
    }

    private func logTail() -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.isEmpty ? "(no output)" : String(text.suffix(1500))
    }
}

/// Runs `body` with a started memcached; kills it afterwards.
public func withMemcached(_ body: (MemcachedServer) async throws -> Void) async throws {
    let server = try MemcachedServer()
    defer { server.kill() }
    try await server.start()
    try await body(server)
}

/// Whether something on the loopback `port` answers memcached's `version` command within a
/// second: a listening socket alone could belong to another process that took the port.
private func answersVersion(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 1, tv_usec: 0)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return false }
    let request = Array("version\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return false }
    var reply = [UInt8](repeating: 0, count: 64)
    let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    guard n > 0 else { return false }
    return reply[0..<n].starts(with: Array("VERSION ".utf8))
}
