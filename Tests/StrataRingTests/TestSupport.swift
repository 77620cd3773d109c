import Synchronization
import Foundation
@testable import StrataRing

/// A deterministic generator (SplitMix64) so token layouts in tests are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Builds a ring of `count` instances with random tokens; zones cycle through `zones`.
func makeRing(
    count: Int, tokensPerInstance: Int = TokenGenerator.defaultTokenCount, zones: [String] = [""],
    state: InstanceState = .active, heartbeat: Int64 = 1000, seed: UInt64 = 42
) throws -> RingDesc {
    var generator = SeededGenerator(seed: seed)
    var ring = RingDesc()
    for index in 0..<count {
        let tokens = try TokenGenerator.generate(count: tokensPerInstance, taken: ring.allTokens, using: &generator)
        ring.upsert(InstanceDesc(
            id: "instance-\(index)", address: "127.0.0.1:\(9000 + index)", zone: zones[index % zones.count],
            state: state, tokens: tokens, heartbeatTimestamp: heartbeat, registeredTimestamp: heartbeat))
    }
    return ring
}

/// A fresh temporary directory, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "strata-ring-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension Array where Element == UInt8 {
    func write(toFile path: String) throws {
        try Data(self).write(to: URL(fileURLWithPath: path))
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let description: String
}

/// Polls `condition` every 50 ms until it holds; throws naming `what` after `timeout`.
func eventually(
    _ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TimedOut(description: "timed out after \(timeout) waiting for: \(what)")
}

/// An instance with just an ID, for tests that only count instances.
func plainInstance(_ id: String, heartbeat: Int64 = 1000) -> InstanceDesc {
    InstanceDesc(id: id, address: "\(id):9095", state: .active, tokens: [], heartbeatTimestamp: heartbeat, registeredTimestamp: heartbeat)
}

/// A lock-protected value that escaping closures and tasks can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}
