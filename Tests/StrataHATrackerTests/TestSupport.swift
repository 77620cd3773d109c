import StrataTestSupport
import Metrics
import StrataModel
import StrataRing
import Synchronization
@testable import StrataHATracker

/// A lock-protected value that escaping closures and tasks can share.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result {
        mutex.withLock { body(&$0) }
    }
}


/// The KV store failed on purpose (a `CountingKV` with `failing` set).
struct InjectedKVFailure: Error, CustomStringConvertible {
    var description: String { "injected KV failure" }
}

/// Wraps a store, counting compare-and-swaps (the tracker's only writes) and failing on demand.
final class CountingKV: RingKV {
    let inner: any RingKV
    private let state = Mutex((casCalls: 0, failing: false))

    init(_ inner: any RingKV) { self.inner = inner }

    var casCalls: Int { state.withLock { $0.casCalls } }

    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    func get(_ key: String) async throws -> (value: [UInt8], version: Int64)? {
        try await inner.get(key)
    }

    @discardableResult
    func casBytes(_ key: String, update: ([UInt8]?) throws -> [UInt8]?) async throws -> KVValue? {
        let failing = state.withLock { state in
            state.casCalls += 1
            return state.failing
        }
        if failing { throw InjectedKVFailure() }
        return try await inner.casBytes(key, update: update)
    }

    func watchBytes(_ key: String) -> AsyncThrowingStream<[UInt8]?, any Error> { inner.watchBytes(key) }

    func watchPrefix(_ prefix: String) -> AsyncThrowingStream<KVPrefixEvent, any Error> { inner.watchPrefix(prefix) }

    func delete(_ key: String) async throws { try await inner.delete(key) }

    func fullKey(_ key: String) -> String { inner.fullKey(key) }
}

/// A metrics backend that keeps the latest value of every counter and gauge, by label and dimensions.
final class RecordingMetrics: MetricsFactory, Sendable {
    private let values = Mutex<[String: Double]>([:])

    static func name(_ label: String, _ dimensions: [(String, String)]) -> String {
        guard !dimensions.isEmpty else { return label }
        return label + "{" + dimensions.sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: ",") + "}"
    }

    /// The value of `label` with `dimensions`, nil when never recorded or destroyed.
    func value(_ label: String, _ dimensions: [(String, String)] = []) -> Double? {
        values.withLock { $0[Self.name(label, dimensions)] }
    }

    fileprivate func add(_ name: String, _ amount: Double) { values.withLock { $0[name, default: 0] += amount } }
    fileprivate func set(_ name: String, _ value: Double) { values.withLock { $0[name] = value } }
    fileprivate func remove(_ name: String) { _ = values.withLock { $0.removeValue(forKey: name) } }

    final class Handler: CounterHandler, FloatingPointCounterHandler, RecorderHandler, MeterHandler, TimerHandler, Sendable {
        let name: String
        let owner: RecordingMetrics

        init(_ name: String, _ owner: RecordingMetrics) {
            self.name = name
            self.owner = owner
        }

        func increment(by amount: Int64) { owner.add(name, Double(amount)) }
        func increment(by amount: Double) { owner.add(name, amount) }
        func decrement(by amount: Double) { owner.add(name, -amount) }
        func reset() { owner.set(name, 0) }
        func record(_ value: Int64) { owner.set(name, Double(value)) }
        func record(_ value: Double) { owner.set(name, value) }
        func set(_ value: Int64) { owner.set(name, Double(value)) }
        func set(_ value: Double) { owner.set(name, value) }
        func recordNanoseconds(_ duration: Int64) { owner.set(name, Double(duration)) }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { Handler(Self.name(label, dimensions), self) }
    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        Handler(Self.name(label, dimensions), self)
    }
    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler { Handler(Self.name(label, dimensions), self) }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        Handler(Self.name(label, dimensions), self)
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { Handler(Self.name(label, dimensions), self) }
    func destroyCounter(_ handler: any CounterHandler) { forget(handler) }
    func destroyMeter(_ handler: any MeterHandler) { forget(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { forget(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { forget(handler) }
    func destroyTimer(_ handler: any TimerHandler) { forget(handler) }

    private func forget(_ handler: AnyObject) {
        if let handler = handler as? Handler { remove(handler.name) }
    }
}

/// Tenant IDs for tests (validated: a typo fails the test rather than trapping).
func tenant(_ name: String) throws -> TenantID {
    try TenantID(validating: name)
}

/// An enabled configuration with Mimir's default timeouts.
let enabledConfig = HATrackerConfig(enabled: true)

/// Milliseconds of a test clock: t0 plus `seconds`.
let t0: Int64 = 1_700_000_000_000

func at(_ seconds: Double) -> Int64 { t0 + Int64(seconds * 1000) }

/// The stored description under `<prefix><tenant>/<cluster>` of `kv`.
func storedDesc(_ kv: any RingKV, _ tenant: TenantID, _ cluster: String, prefix: String = HATrackerConfig.defaultKeyPrefix) async throws -> ReplicaDesc? {
    let key = prefix + tenant.rawValue + "/" + cluster
    guard let stored = try await kv.get(key) else { return nil }
    return try ReplicaDescCodec.decode(stored.value, key: key)
}
