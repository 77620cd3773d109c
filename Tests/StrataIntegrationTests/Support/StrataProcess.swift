import AsyncHTTPClient
import Foundation
import StrataTestSupport
import NIOCore
import StrataModel
import StrataWire

/// Errors of the integration-test harness, with what to do about them.
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Locates the `strata` executable built next to the test bundle (`swift build --build-tests`
/// puts both in the same folder), or `STRATA_BINARY`.
func strataBinary() throws -> String {
    try builtExecutable("strata", environment: "STRATA_BINARY")
}

/// Locates the `strata-loadgen` executable built next to the test bundle, or `STRATA_LOADGEN_BINARY`.
func loadgenBinary() throws -> String {
    try builtExecutable("strata-loadgen", environment: "STRATA_LOADGEN_BINARY")
}

/// An executable product of this package, found next to the test runner.
func builtExecutable(_ name: String, environment: String) throws -> String {
    if let env = ProcessInfo.processInfo.environment[environment], FileManager.default.isExecutableFile(atPath: env) {
        return env
    }
    var candidates: [URL] = []
    let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = runner.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent(name))
        dir = dir.deletingLastPathComponent()
    }
    for bundle in Bundle.allBundles {
        candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
    }
    for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) {
        return c.path
    }
    throw HarnessError("cannot find the \(name) executable next to the test runner (\(runner.path)); build it with `swift build --build-tests` or set \(environment)")
}

/// A fresh temporary directory, removed by the caller.
func makeTempDirectory(_ prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A `strata` server started as a child process on loopback.
final class StrataProcess: @unchecked Sendable {
    let port: Int
    let dataDirectory: URL
    let logFile: URL
    private let process: Process
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts strata with `-target=all` on a free port with its TSDB under `dataDirectory`.
    convenience init(dataDirectory: URL, port: Int? = nil, extraArguments: [String] = []) throws {
        let port = try port ?? freePort()
        try self.init(port: port, dataDirectory: dataDirectory, arguments: [
            "-target=all",
            "-server.http-listen-address=127.0.0.1",
            "-server.http-listen-port=\(port)",
            "-blocks-storage.tsdb.dir=\(dataDirectory.appendingPathComponent("tsdb").path)",
            "-blocks-storage.filesystem.dir=\(dataDirectory.appendingPathComponent("blocks").path)",
            "-blocks-storage.bucket-store.sync-dir=\(dataDirectory.appendingPathComponent("tsdb-sync").path)",
            "-log.level=info",
        ] + extraArguments)
    }

    /// Starts strata with exactly `arguments`; `port` is its HTTP port, its log goes under
    /// `dataDirectory`.
    init(port: Int, dataDirectory: URL, arguments: [String]) throws {
        self.port = port
        self.dataDirectory = dataDirectory
        logFile = dataDirectory.appendingPathComponent("strata-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try strataBinary())
        process.arguments = arguments
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// Polls `/ready` until it answers 200; fails with the server's log when it doesn't.
    func waitUntilReady(client: HTTPClient, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning {
                throw HarnessError("strata exited with status \(process.terminationStatus) before becoming ready; log:\n\(log())")
            }
            if let response = try? await client.execute(HTTPClientRequest(url: baseURL + "/ready"), timeout: .seconds(2)),
               response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("strata did not become ready within \(timeout); log:\n\(log())")
    }

    /// SIGKILL: no chance to flush anything.
    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait for a graceful exit; returns the exit status.
    @discardableResult
    func terminate() -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        return process.terminationStatus
    }

    /// SIGTERM, then waits for the graceful exit without holding a thread of the shared pool
    /// (a flush on shutdown can take seconds); returns the exit status.
    func terminateGracefully() async -> Int32 {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        }
        return process.terminationStatus
    }

    var isRunning: Bool { process.isRunning }

    func log() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)"
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
