import AsyncHTTPClient
import Foundation
import StrataTestSupport
import NIOCore

/// A real Prometheus (Debian's `prometheus` package) started on loopback with a temp TSDB.
final class PrometheusProcess: @unchecked Sendable {
    let port: Int
    let directory: URL
    private let process: Process
    private let logFile: URL
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Finds the binary: `PROMETHEUS_BINARY`, then `/usr/bin/prometheus`, then `$PATH`.
    static func binary() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["PROMETHEUS_BINARY"] { candidates.append(env) }
        candidates.append("/usr/bin/prometheus")
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/prometheus")
        }
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw HarnessError("Prometheus is not installed: this test needs a real Prometheus. Install it with `apt-get install prometheus` (scripts/setup.sh does) or set PROMETHEUS_BINARY.")
    }

    /// Starts Prometheus with `configYAML`, which may use `{{PORT}}` for its own port;
    /// `extraArguments` go after the standard flags (e.g. `--web.enable-remote-write-receiver`).
    init(directory: URL, extraArguments: [String] = [], configYAML: (Int) -> String) throws {
        port = try freePort()
        self.directory = directory
        let configFile = directory.appendingPathComponent("prometheus.yml")
        try configYAML(port).write(to: configFile, atomically: true, encoding: .utf8)
        logFile = directory.appendingPathComponent("prometheus.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.binary())
        process.arguments = [
            "--config.file=\(configFile.path)",
            "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
            "--web.listen-address=127.0.0.1:\(port)",
            "--log.level=info",
        ] + extraArguments
        let handle = try FileHandle(forWritingTo: logFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    func waitUntilReady(client: HTTPClient) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if !process.isRunning { throw HarnessError("prometheus exited early; log:\n\(log())") }
            if let r = try? await client.execute(HTTPClientRequest(url: baseURL + "/-/ready"), timeout: .seconds(2)), r.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("prometheus not ready after 60s; log:\n\(log())")
    }

    /// Runs an instant query and returns `data.result` as JSON objects.
    func query(client: HTTPClient, _ expr: String, time: Double? = nil) async throws -> [[String: Any]] {
        var components = URLComponents(string: baseURL + "/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: expr)] + (time.map { [URLQueryItem(name: "time", value: String($0))] } ?? [])
        // URLComponents leaves "+" alone, which a Go server reads as a space.
        let encoded = components?.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        components?.percentEncodedQuery = encoded
        guard let url = components?.url?.absoluteString else { throw HarnessError("bad query URL for \(expr)") }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 256 << 20)
        guard response.status == .ok,
              let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]] else {
            throw HarnessError("prometheus query \(expr) failed: \(response.status) \(String(buffer: body))")
        }
        return result
    }

    /// The value of a single-sample instant query, or nil when the result is empty.
    func scalar(client: HTTPClient, _ expr: String) async throws -> Double? {
        let result = try await query(client: client, expr)
        guard let first = result.first, let value = first["value"] as? [Any], let text = value.last as? String else { return nil }
        return Double(text)
    }

    func terminate() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
    }

    func log() -> String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(no log)" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
