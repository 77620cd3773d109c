import Foundation

/// Runs command-line tools the tests check Strata against (promtool, gzip, …).
public enum ExternalTool {
    /// A tool that exited non-zero, with its output.
    public struct Failure: Error, CustomStringConvertible {
        /// What ran and what it printed.
        public let description: String
    }

    /// Runs `executable` with `args` and returns its stdout; throws with its output when it exits
    /// non-zero. Output goes through files so that a large dump cannot block on a full pipe.
    @discardableResult
    public static func run(_ executable: String, _ args: [String]) throws -> String {
        let outPath = NSTemporaryDirectory() + "strata-tool-\(UUID().uuidString).out"
        let errPath = outPath + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outPath)
            try? FileManager.default.removeItem(atPath: errPath)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        guard p.terminationStatus == 0 else {
            throw Failure(description: "\(executable) \(args.joined(separator: " ")) exited \(p.terminationStatus)\nstdout: \(out.prefix(2000))\nstderr: \(err.prefix(2000))")
        }
        return out
    }
}
