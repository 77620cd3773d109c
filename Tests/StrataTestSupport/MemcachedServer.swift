import Foundation
import Synchronization
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
///
/// The port comes from below the kernel's ephemeral range, and readiness means "answers `stats`
/// with our own pid": a port from `freePort()` can be taken meanwhile by any outgoing connection,
/// and a memcached that failed to bind must not pass for ready because another test's memcached
/// answers on the same port.
public final class MemcachedServer: @unchecked Sendable {
    // @unchecked: `process` and `port` are only touched by init/start/kill, which one test calls
    // in sequence.
    /// Where Debian installs memcached.
    public static let binary = "/usr/bin/memcached"
    /// How long `start()` waits for the server to answer.
    public static let startupTimeout: Duration = .seconds(60)

    /// The loopback port memcached listens on, kept across restarts.
    public private(set) var port: Int
    private let logPath: String
    private var process: Process?
    private var hasStarted = false

    /// `127.0.0.1:<port>`, as `MemcachedConfig.addresses` wants it.
    public var address: String { "127.0.0.1:\(port)" }

    /// Picks a free port; fails with a clear message when memcached is not installed.
    public init() throws {
        guard FileManager.default.isExecutableFile(atPath: MemcachedServer.binary) else {
            throw MemcachedUnavailable(description: "\(MemcachedServer.binary) not found: run `bash scripts/setup.sh` (it installs the Debian package memcached), or `apt-get install memcached`")
        }
        port = try LoopbackPorts.reserve()
        logPath = NSTemporaryDirectory() + "strata-memcached-\(UUID().uuidString).log"
    }

    /// Starts memcached (again, on the same port once it has run) and waits until it answers.
    ///
    /// If the port turns out to be taken, a first start moves to another port; a restart waits
    /// for its own port a little, since clients are configured with it.
    public func start() async throws {
        var lastFailure = ""
        for attempt in 0..<8 {
            switch try await launch() {
            case .ready:
                hasStarted = true
                return
            case .portTaken(let output):
                lastFailure = output
                if hasStarted {
                    try await Task.sleep(for: .milliseconds(100 * (attempt + 1)))
                } else {
                    let taken = port
                    port = try LoopbackPorts.reserve()
                    LoopbackPorts.release(taken)
                }
            }
        }
        throw MemcachedUnavailable(description: "memcached could not listen on 127.0.0.1 (port \(port) and others taken): \(lastFailure)")
    }

    /// Kills memcached with SIGKILL (the test runner's children have SIGTERM blocked) and waits
    /// until it is dead, so its port is closed when this returns.
    ///
    /// It does not use `Process.waitUntilExit()`: that spins the calling thread until Foundation
    /// reaps the child, and with several of these tests on a two-core machine, spinning
    /// cooperative threads can starve the very work that reaps it.
    public func kill() {
        guard let process else { return }
        let pid = process.processIdentifier
        guard isAlive(pid) else { return }
        Glibc.kill(pid, SIGKILL)
        let deadline = ContinuousClock.now + .seconds(10)
        while isAlive(pid) && ContinuousClock.now < deadline { usleep(1000) }
    }

    deinit {
        kill()
        LoopbackPorts.release(port)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    private enum Launch {
        case ready
        case portTaken(String)
    }

    /// One attempt: runs memcached and waits until it answers or exits.
    private func launch() async throws -> Launch {
        var arguments = ["-l", "127.0.0.1", "-p", String(port), "-U", "0", "-m", "64"]
        // memcached refuses to run as root unless told which user to run as.
        if geteuid() == 0 { arguments += ["-u", "root"] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: MemcachedServer.binary)
        process.arguments = arguments
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let logStart = log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + MemcachedServer.startupTimeout
        // Checks once more after the deadline: on a busy machine the sleep itself can outlast it.
        while isAlive(pid) {
            if answeringPID(port: port) == Int(pid) { return .ready }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if !isAlive(pid) {
            let output = logText(from: logStart)
            if output.contains("Address already in use") { return .portTaken(output) }
            throw MemcachedUnavailable(description: "memcached exited at startup: \(output)")
        }
        kill()
        throw MemcachedUnavailable(description: "memcached did not answer on \(address) within \(MemcachedServer.startupTimeout): \(logText(from: logStart))")
    }

    private func logText(from offset: UInt64) -> String {
        serverLogText(atPath: logPath, from: offset)
    }
}

/// Runs `body` with a started memcached; kills it afterwards.
public func withMemcached(_ body: (MemcachedServer) async throws -> Void) async throws {
    let server = try MemcachedServer()
    defer { server.kill() }
    try await server.start()
    try await body(server)
}

/// Whether `pid` is a live process (not gone, not a zombie waiting to be reaped).
func isAlive(_ pid: pid_t) -> Bool {
    #if os(Linux)
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let nameEnd = stat.lastIndex(of: ")")
    else { return false }
    // The state letter follows the parenthesised command name.
    let state = stat[stat.index(after: nameEnd)...].drop(while: { $0 == " " }).first
    return state != "Z" && state != "X"
    #else
    return kill(pid, 0) == 0
    #endif
}

/// The pid reported by the memcached answering `stats` on the loopback `port` within 250 ms,
/// or nil when nothing answers like memcached.
private func answeringPID(port: Int) -> Int? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    // Short: this blocks a cooperative thread while it waits.
    var timeout = timeval(tv_sec: 0, tv_usec: 250_000)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("stats\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
    var reply: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while !reply.suffix(5).elementsEqual(Array("END\r\n".utf8)) && reply.count < 65_536 {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return nil }
        reply.append(contentsOf: chunk[0..<n])
    }
    for line in String(decoding: reply, as: UTF8.self).split(separator: "\r\n") where line.hasPrefix("STAT pid ") {
        return Int(line.dropFirst("STAT pid ".count))
    }
    return nil
}
