import Logging
import Synchronization

/// Keeps one instance registered in a ring: registers it with its tokens, moves it between states
/// when told, heartbeats periodically, and leaves (or stays, `LEAVING`) on stop.
///
/// Every change is a compare-and-swap of the whole ring in the KV store, so instances joining at
/// the same time never overwrite each other. If an operator forgets a live instance, its next
/// heartbeat registers it again, as in Mimir.
public final class RingLifecycler: Sendable {
    private struct State {
        /// What this instance wants the ring to say about it (timestamp refreshed on write).
        var instance: InstanceDesc?
        var heartbeatTask: Task<Void, Never>?
    }

    /// The instance configuration.
    public let config: LifecyclerConfig
    private let kv: any RingKV
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let state = Mutex(State())

    /// Creates a lifecycler for `config.instanceID` in the ring stored in `kv`.
    public init(
        kv: any RingKV, config: LifecyclerConfig, logger: Logger = Logger(label: "strata.ring.lifecycler"),
        clock: @escaping @Sendable () -> Int64 = UnixClock.now
    ) {
        self.kv = kv
        self.config = config
        self.logger = logger
        self.clock = clock
    }

    /// This instance's tokens (empty before `start()`).
    public var tokens: [UInt32] { state.withLock { $0.instance?.tokens ?? [] } }

    /// This instance's state as last written (nil before `start()`).
    public var currentState: InstanceState? { state.withLock { $0.instance?.state } }

    /// Registers the instance as `JOINING` and starts heartbeating.
    ///
    /// Tokens come from the tokens file if it exists, else from the instance's own entry left in
    /// the ring, else they are generated (unique across the ring); missing ones are topped up to
    /// `numTokens`. The tokens file is (re)written afterwards.
    public func start() async throws {
        var fileTokens: [UInt32]?
        if let path = config.tokensFilePath { fileTokens = try TokensFile.load(path: path) }
        let config = config
        let now = clock()
        var registered: InstanceDesc?
        try await kv.cas(config.ringKey) { current in
            var ring = current ?? RingDesc()
            let previous = ring.instances[config.instanceID]
            var tokens = fileTokens ?? previous?.tokens ?? []
            if tokens.count < config.numTokens {
                var taken = ring.allTokens
                taken.subtract(previous?.tokens ?? [])
                taken.formUnion(tokens)
                tokens += try TokenGenerator.generate(count: config.numTokens - tokens.count, taken: taken)
            }
            let instance = InstanceDesc(
                id: config.instanceID, address: config.address, zone: config.zone, state: .joining,
                tokens: tokens, heartbeatTimestamp: now,
                registeredTimestamp: previous?.registeredTimestamp ?? now)
            ring.upsert(instance)
            registered = instance
            return ring
        }
        guard let registered else { return }
        if let path = config.tokensFilePath { try TokensFile.store(registered.tokens, path: path) }
        state.withLock { $0.instance = registered }
        logger.info("registered in ring", metadata: [
            "ring": "\(config.ringKey)", "instance": "\(config.instanceID)", "tokens": "\(registered.tokens.count)",
        ])
        startHeartbeating()
    }

    /// Moves the instance to `newState` (e.g. `JOINING` → `ACTIVE` once it is ready for traffic).
    /// Throws `RingError.notRegistered` before `start()`.
    public func changeState(to newState: InstanceState) async throws {
        let registered = state.withLock { state in
            state.instance?.state = newState
            return state.instance != nil
        }
        guard registered else { throw RingError.notRegistered(instanceID: config.instanceID, ringKey: config.ringKey) }
        try await heartbeat()
    }

    /// Writes the instance's entry with a fresh heartbeat timestamp, re-adding it if it was forgotten.
    /// Throws `RingError.notRegistered` before `start()`.
    public func heartbeat() async throws {
        guard var instance = state.withLock({ $0.instance }) else {
            throw RingError.notRegistered(instanceID: config.instanceID, ringKey: config.ringKey)
        }
        instance.heartbeatTimestamp = clock()
        let entry = instance
        try await kv.cas(config.ringKey) { current in
            var ring = current ?? RingDesc()
            ring.upsert(entry)
            return ring
        }
    }

    /// Stops heartbeating, marks the instance `LEAVING` and, with `unregisterOnShutdown`, removes it.
    public func stop() async throws {
        let task = state.withLock { state in
            defer { state.heartbeatTask = nil }
            return state.heartbeatTask
        }
        task?.cancel()
        await task?.value
        guard state.withLock({ $0.instance }) != nil else { return }
        try await changeState(to: .leaving)
        if config.unregisterOnShutdown {
            let id = config.instanceID
            try await kv.cas(config.ringKey) { current in
                guard var ring = current, ring.instances[id] != nil else { return nil }
                ring.remove(id: id)
                return ring
            }
            logger.info("unregistered from ring", metadata: ["ring": "\(config.ringKey)", "instance": "\(id)"])
        }
        state.withLock { $0.instance = nil }
    }

    /// Removes another instance (one that died) from the ring, as the `/ring` page's Forget does.
    public func forget(instanceID id: String) async throws {
        try await kv.cas(config.ringKey) { current in
            guard var ring = current, ring.instances[id] != nil else { return nil }
            ring.remove(id: id)
            return ring
        }
    }

    private func startHeartbeating() {
        let period = config.heartbeatPeriod
        let task = Task { [self] in
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: period)
                } catch {
                    return
                }
                do {
                    try await heartbeat()
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("ring heartbeat failed", metadata: [
                        "ring": "\(config.ringKey)", "instance": "\(config.instanceID)", "error": "\(error)",
                    ])
                }
            }
        }
        state.withLock { state in
            state.heartbeatTask?.cancel()
            state.heartbeatTask = task
        }
    }
}
