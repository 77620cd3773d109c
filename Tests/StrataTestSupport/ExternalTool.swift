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

/// Deterministic PRNG (SplitMix64) so generated test data is reproducible.
public struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    /// Starts the sequence at `seed`.
    public init(seed: UInt64) { state = seed }
    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
