import AsyncHTTPClient
import Foundation
import StrataModel
import StrataTestSupport

/// Runs the real `strata admin …` binary as a subprocess, the way an operator or a script does.
struct AdminCLI {
    /// What one invocation printed and returned.
    struct Run: CustomStringConvertible {
        let arguments: [String]
        let status: Int32
        let stdout: String
        let stderr: String

        var description: String {
            "strata admin \(arguments.joined(separator: " ")) → exit \(status)\nstdout:\n\(stdout.prefix(4000))\nstderr:\n\(stderr.prefix(4000))"
        }

        /// stdout parsed as JSON.
        func json() throws -> Any {
            try JSONSerialization.jsonObject(with: Data(stdout.utf8), options: [.fragmentsAllowed])
        }

        /// stdout's JSON as an object.
        func object() throws -> [String: Any] {
            guard let o = try json() as? [String: Any] else { throw HarnessError("not a JSON object: \(self)") }
            return o
        }
    }

    /// The server's base URL, passed as `--address`.
    let address: String

    /// Runs `strata admin <arguments> --address <address>` (plus `--tenant` when given) and
    /// waits at most `timeout` for it.
    func run(_ arguments: [String], tenant: String? = nil, environment: [String: String] = [:],
             timeout: Duration = .seconds(120)) async throws -> Run {
        var args = arguments + ["--address", address]
        if let tenant { args += ["--tenant", tenant] }
        return try await Self.runRaw(args, environment: environment, timeout: timeout)
    }

    /// Runs `strata admin <arguments>` exactly as given.
    static func runRaw(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> Run {
        let base = NSTemporaryDirectory() + "strata-admin-\(UUID().uuidString)"
        let outPath = base + ".out", errPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try strataBinary())
        process.arguments = ["admin"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["STRATA_ADDRESS"] = nil
        env["STRATA_TENANT"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                process.waitUntilExit()
                throw HarnessError("strata admin \(arguments.joined(separator: " ")) did not finish within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Run(arguments: arguments, status: process.terminationStatus,
                   stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
    }
}

/// Blocks written by `promtool tsdb create-blocks-from openmetrics` for backfill tests.
struct PromtoolBlocks {
    /// The directory holding one directory per block.
    let directory: URL
    /// Every sample written, by series.
    let samples: [Labels: [Sample]]
    /// First and last sample time, ms.
    let start: Int64
    let end: Int64

    /// The block directories.
    var blockDirectories: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.count == 26 }.sorted()
            .map { directory.appendingPathComponent($0).path }
    }

    /// `hours` of one-minute samples of `series` series per metric for `metrics`, ending
    /// `endingHoursAgo` hours ago (older than the queriers' `-querier.query-store-after`, so the
    /// store-gateway serves them).
    static func make(in work: URL, metrics: [String], series: Int, hours: Int64, endingHoursAgo: Int64 = 30) throws -> PromtoolBlocks {
        try Promtool.require()
        let minute: Int64 = 60_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let end = (now - endingHoursAgo * 3_600_000) / minute * minute
        let start = end - hours * 3_600_000
        var text = ""
        var expected: [Labels: [Sample]] = [:]
        for t in stride(from: start, through: end, by: Int(minute)) {
            for (m, metric) in metrics.enumerated() {
                for i in 0..<series {
                    let v = m % 2 == 0 ? Double((t - start) / minute * Int64(i + 1)) : 0.5 * Double(i) + Double((t / minute) % 13)
                    text += "\(metric){instance=\"i\(i)\",job=\"backfill\"} \(v) \(t / 1000)\n"
                    expected[Labels(["__name__": metric, "instance": "i\(i)", "job": "backfill"]), default: []]
                        .append(Sample(timestamp: t, value: v))
                }
            }
        }
        text += "# EOF\n"
        let input = work.appendingPathComponent("input-\(UUID().uuidString.prefix(8)).om")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("blocks-\(UUID().uuidString.prefix(8))")
        try Promtool.run(["tsdb", "create-blocks-from", "openmetrics", input.path, out.path])
        return PromtoolBlocks(directory: out, samples: expected, start: start, end: end)
    }
}
