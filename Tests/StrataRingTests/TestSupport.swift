import StrataTestSupport
import Synchronization
import Foundation
@testable import StrataRing

/// Builds a ring of `count` instances with random tokens; zones cycle through `zones`.
func makeRing(
    count: Int, tokensPerInstance: Int = TokenGenerator.defaultTokenCount, zones: [String] = [""],
    state: InstanceState = .active, heartbeat: Int64 = 1000, seed: UInt64 = 42
) throws -> RingDesc {
    var generator = SeededRandom(seed: seed)
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
