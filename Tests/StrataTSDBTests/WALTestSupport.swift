import Foundation
import StrataTSDB
import Logging
import Testing

/// Seeded SplitMix64, so a failing WAL/record test reproduces.
struct WALTestRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}

/// A fresh temporary directory, removed when the test's closure returns.
func withWALTestDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let path = NSTemporaryDirectory() + "strata-wal-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

/// A logger that drops everything (repairs log warnings on purpose in these tests).
let walTestLogger = Logger(label: "strata.wal.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Every record of a WAL directory, replayed.
func replayAll(_ dir: String, from: Int = 0, through: Int? = nil, repair: Bool = true) throws -> (records: [[UInt8]], stats: WALReplayStats) {
    var out: [[UInt8]] = []
    let stats = try WALReader.replay(directory: dir, from: from, through: through, repair: repair, logger: walTestLogger) { out.append(Array($0)) }
    return (out, stats)
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
}

func truncateFile(_ path: String, to size: Int) {
    _ = truncate(path, off_t(size))
}

func modifyFile(_ path: String, _ change: (inout [UInt8]) -> Void) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    change(&bytes)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Checks two record lists are equal, reporting the first difference instead of both lists.
func expectSameRecords(_ actual: [[UInt8]], _ expected: [[UInt8]], sourceLocation: SourceLocation = #_sourceLocation) {
    if let i = (0..<min(actual.count, expected.count)).first(where: { actual[$0] != expected[$0] }) {
        Issue.record("record \(i) differs: \(actual[i].count) bytes, expected \(expected[i].count)", sourceLocation: sourceLocation)
    } else if actual.count != expected.count {
        Issue.record("\(actual.count) records, expected \(expected.count)", sourceLocation: sourceLocation)
    }
}
