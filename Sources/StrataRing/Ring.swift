import Logging
import Synchronization

/// A ring as a client sees it: watches the ring's KV key and keeps the latest `RingDesc` with its
/// lookup structure, so that replication-set lookups never touch the KV store.
///
/// Distributors use it to find the ingesters of a series, queriers to find whom to ask. Call
/// `start()` once; `stop()` ends the watch.
public final class Ring: Sendable {
    /// Pause before re-subscribing after the watch stream failed.
    static let rewatchDelay: Duration = .seconds(1)

    private struct Current {
        var desc = RingDesc()
        var lookup = RingLookup(ring: RingDesc())
        var updates = 0
    }

    /// The ring's KV key (e.g. `RingKey.ingester`).
    public let key: String
    /// Replication factor, heartbeat timeout and zone awareness used for lookups.
    public let config: RingConfig
    private let kv: any RingKV
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let current = Mutex(Current())
    private let watchTask = Mutex<Task<Void, Never>?>(nil)

    /// Creates a client for the ring under `key` in `kv`; `clock` gives Unix seconds.
    public init(
        kv: any RingKV, key: String, config: RingConfig = RingConfig(),
        logger: Logger = Logger(label: "strata.ring"), clock: @escaping @Sendable () -> Int64 = UnixClock.now
    ) {
        self.kv = kv
        self.key = key
        self.config = config
        self.logger = logger
        self.clock = clock
    }

    /// Starts following the KV key; a failed watch is re-established after a short pause.
    public func start() {
        let task = Task { [self] in
            while !Task.isCancelled {
                do {
                    for try await desc in kv.watch(key) { apply(desc ?? RingDesc()) }
                } catch {
                    if Task.isCancelled { return }
                    logger.error("ring watch failed", metadata: ["key": "\(key)", "error": "\(error)"])
                }
                try? await Task.sleep(for: Ring.rewatchDelay)
            }
        }
        watchTask.withLock { previous in
            previous?.cancel()
            previous = task
        }
    }

    /// Stops following the KV key and waits until the watch has ended.
    public func stop() async {
        let task = watchTask.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
        await task?.value
    }

    /// Replaces the ring state and rebuilds the lookup structure (once per change, not per lookup).
    func apply(_ desc: RingDesc) {
        let lookup = RingLookup(ring: desc)
        current.withLock { current in
            current.desc = desc
            current.lookup = lookup
            current.updates += 1
        }
    }

    /// The latest ring value seen.
    public var desc: RingDesc { current.withLock { $0.desc } }

    /// How many ring values have been applied so far (lets callers wait for the first one).
    public var updateCount: Int { current.withLock { $0.updates } }

    /// Every registered instance, sorted by ID.
    public var instances: [InstanceDesc] { current.withLock { $0.lookup.instances } }

    /// The instances healthy for `operation` now (state allows it and heartbeat is fresh).
    public func healthyInstances(for operation: RingOperation) -> [InstanceDesc] {
        let now = clock()
        return instances.filter { $0.isHealthy(for: operation, now: now, heartbeatTimeout: config.heartbeatTimeout) }
    }

    /// Whether the instance `id` is registered and healthy for `operation` now.
    public func isHealthy(instanceID id: String, for operation: RingOperation) -> Bool {
        guard let instance = current.withLock({ $0.desc.instances[id] }) else { return false }
        return instance.isHealthy(for: operation, now: clock(), heartbeatTimeout: config.heartbeatTimeout)
    }

    /// The instances that hold (write) or serve (read) the data of `key`.
    public func replicationSet(forKey key: UInt32, operation: RingOperation) throws(RingError) -> ReplicationSet {
        try snapshot().replicationSet(forKey: key, operation: operation)
    }

    /// The ring as it is now, for many lookups against one view (a push looks up every series):
    /// one lock and one clock reading instead of one per lookup.
    public func snapshot() -> RingSnapshot {
        RingSnapshot(lookup: current.withLock { $0.lookup }, config: config, now: clock())
    }

    /// Each instance's share (0…1) of the token space.
    public func ownership() -> [String: Double] {
        current.withLock { $0.lookup }.ownership()
    }

    /// Removes instance `id` from the ring in the KV store: what an operator does for an instance
    /// that died and will not come back. A live instance re-registers at its next heartbeat.
    public func forget(instanceID id: String) async throws {
        try await kv.cas(key) { ring in
            guard var ring, ring.instances[id] != nil else { return nil }
            ring.remove(id: id)
            return ring
        }
    }
}

/// One view of a ring, taken by `Ring.snapshot()`: lookups against it see the same instances
/// and the same "now" for health.
public struct RingSnapshot: Sendable {
    let lookup: RingLookup
    let config: RingConfig
    let now: Int64

    /// The instances that hold (write) or serve (read) the data of `key`.
    public func replicationSet(forKey key: UInt32, operation: RingOperation) throws(RingError) -> ReplicationSet {
        try lookup.replicationSet(forKey: key, operation: operation, config: config, now: now)
    }
}
