import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StrataObjstore

/// A `moto_server` (PyPI `moto[server]`) on a free loopback port, for tests against a real
/// S3 API. Started per test and terminated by `stop()`.
public final class MotoServer: @unchecked Sendable {
    // @unchecked: `process` is only touched by start/stop, which one test calls in sequence.
    /// The loopback port moto listens on.
    public let port: Int
    private let process: Process

    public enum StartError: Error, CustomStringConvertible {
        case notInstalled
        case notReady(String)
        public var description: String {
            switch self {
            case .notInstalled:
                return "moto_server not found in PATH; install it with `pip install 'moto[server]'` (the S3 tests need a real S3 API)"
            case .notReady(let why):
                return "moto_server did not start: \(why)"
            }
        }
    }

    private init(port: Int, process: Process) {
        self.port = port
        self.process = process
    }

    /// Finds `moto_server` in PATH, starts it, waits until it accepts connections.
    public static func start() async throws -> MotoServer {
        guard let executable = findInPath("moto_server") else { throw StartError.notInstalled }
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let server = MotoServer(port: port, process: process)
        for _ in 0..<300 {
            if !process.isRunning { throw StartError.notReady("exited with status \(process.terminationStatus)") }
            if canConnect(port: port) { return server }
            try await Task.sleep(for: .milliseconds(100))
        }
        server.stop()
        throw StartError.notReady("port \(port) not accepting connections after 30s")
    }

    /// Kills the server. SIGKILL, not SIGTERM: children of the test runner inherit a signal
    /// mask with SIGTERM blocked, and moto keeps nothing worth a clean shutdown.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// A config for `bucket` on this server, path style over plain HTTP.
    public func config(bucket: String, port overridePort: Int? = nil) -> S3Config {
        var c = S3Config()
        c.endpoint = "127.0.0.1:\(overridePort ?? port)"
        c.bucketName = bucket
        c.region = "us-east-1"
        c.accessKeyID = "AKIAIOSFODNN7EXAMPLE"
        c.secretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        c.insecure = true
        c.bucketLookupType = .path
        c.partSize = 5 * 1024 * 1024
        c.minBackoff = .milliseconds(5)
        c.maxBackoff = .milliseconds(50)
        c.requestTimeout = .seconds(30)
        return c
    }

    /// The executable `name` in PATH, if any.
    public static func findInPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Why no free port could be found.
public struct FreePortError: Error, CustomStringConvertible {
    /// The failing call and its errno.
    public let description: String

    /// An error saying which call failed.
    public init(description: String) { self.description = description }
}

/// A port the kernel says is free right now on 127.0.0.1 (bind to 0, read it back, close).
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw FreePortError(description: "socket() failed: errno \(errno)") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = 0
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
    }
    guard bound == 0 else { throw FreePortError(description: "bind() failed: errno \(errno)") }
    let named = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
    }
    guard named == 0 else { throw FreePortError(description: "getsockname() failed: errno \(errno)") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Whether something accepts TCP connections on the loopback `port`.
public func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Runs `body` with a fresh moto server and a created bucket, stopping everything afterwards.
public func withMotoBucket(
    bucket: String = "strata-test",
    configure: (inout S3Config) -> Void = { _ in },
    _ body: (S3Bucket, MotoServer) async throws -> Void
) async throws {
    let moto = try await MotoServer.start()
    defer { moto.stop() }
    var config = moto.config(bucket: bucket)
    configure(&config)
    let s3 = try S3Bucket(config: config)
    do {
        try await s3.createBucket()
        try await body(s3, moto)
    } catch {
        await s3.shutdown()
        throw error
    }
    await s3.shutdown()
}
