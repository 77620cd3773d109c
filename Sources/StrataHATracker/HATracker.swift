import Logging
import Metrics
import StrataModel
import StrataRing
import Synchronization

/// Deduplicates Prometheus HA pairs, as Mimir's distributor HA tracker does: per tenant and HA
/// cluster, samples of one elected replica are accepted and those of the other replicas dropped,
/// until the elected replica has sent nothing for the failover timeout.
///
/// One tracker serves every push of a distributor; distributors share the elections through the
/// KV store (`<keyPrefix><tenant>/<cluster>`, compare-and-swap). Each tracker watches the whole
/// prefix and answers most pushes from that cache; it goes to the store only to elect a replica of
/// a new cluster, to refresh the elected replica's `receivedAt` (at most once per update timeout
/// + jitter), and to fail over. `start()` before use, `stop()` when done.
public final class HATracker: Sendable {
    /// How often the cleanup looks for clusters that stopped sending (Mimir's 30 min, ±20 %).
    public static let cleanupPeriod: Duration = .seconds(30 * 60)
    /// The spread of the cleanup period, as a fraction of it, so distributors do not clean in step.
    public static let cleanupJitterFraction = 0.2
    /// A cluster silent this long is marked deleted; a marked one is deleted this long after.
    public static let deletionTimeout: Duration = .seconds(30 * 60)
    /// How long `start()` waits for the first full read of the tracker's keys.
    public static let initialSyncTimeout: Duration = .seconds(30)
    /// Pause before re-subscribing after the watch stream failed.
    static let rewatchDelay: Duration = .seconds(1)

    /// The configuration this tracker runs with.
    public let config: HATrackerConfig
    /// This tracker's fixed share of `updateTimeoutJitterMax`, in ±max.
    public let updateTimeoutJitter: Duration
    private let kv: any RingKV
    private let logger: Logger
    private let clock: @Sendable () -> Int64
    private let metrics: HATrackerMetrics
    private let updateTimeoutMilliseconds: Int64
    private let failoverTimeoutMilliseconds: Int64
    private let cache = Mutex(HAElectionCache())
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Creates a tracker on `kv` (its keys go under `config.keyPrefix`); validates `config`.
    ///
    /// `updateTimeoutJitter` fixes the jitter (tests; it must lie within ±`updateTimeoutJitterMax`);
    /// nil draws one at random as Mimir does. `clock` gives Unix milliseconds to the cleanup.
    public init(
        kv: any RingKV, config: HATrackerConfig, updateTimeoutJitter: Duration? = nil,
        logger: Logger = Logger(label: "strata.ha-tracker"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() }
    ) throws(HATrackerError) {
        try config.validate()
        let maxJitter = config.updateTimeoutJitterMax
        let jitter: Duration
        if let updateTimeoutJitter {
            guard updateTimeoutJitter >= .zero - maxJitter && updateTimeoutJitter <= maxJitter else {
                throw .invalidConfig("update timeout jitter \(updateTimeoutJitter) is outside ±\(maxJitter)")
            }
            jitter = updateTimeoutJitter
        } else {
            let bound = maxJitter.inMilliseconds
            jitter = bound > 0 ? .milliseconds(Int64.random(in: -bound..<bound)) : .zero
        }
        self.config = config
        self.updateTimeoutJitter = jitter
        self.kv = kv
        self.logger = logger
        self.clock = clock
        self.metrics = HATrackerMetrics(factory: metricsFactory)
        self.updateTimeoutMilliseconds = (config.updateTimeout + jitter).inMilliseconds
        self.failoverTimeoutMilliseconds = config.failoverTimeout.inMilliseconds
    }

    // MARK: - Lifecycle

    /// Starts following the KV store and the periodic cleanup, and waits until the current
    /// elections have been read (so the per-tenant cluster limit counts clusters other
    /// distributors track). Does nothing when the tracker is disabled.
    ///
    /// Throws `.kvUnavailable` (and stops again) when the store gave no full read within
    /// `initialSyncTimeout`.
    public func start() async throws(HATrackerError) {
        guard config.enabled else { return }
        let (synced, syncedContinuation) = AsyncStream<Void>.makeStream()
        let watch = Task { [self] in
            await follow { syncedContinuation.yield() }
        }
        let cleanup = Task { [self] in await cleanupLoop() }
        tasks.withLock { $0 += [watch, cleanup] }

        let arrived = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in synced { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: HATracker.initialSyncTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            syncedContinuation.finish()
            return first
        }
        guard arrived else {
            await stop()
            throw .kvUnavailable(
                key: kv.fullKey(config.keyPrefix),
                reason: "no complete read of the HA tracker keys within \(HATracker.initialSyncTimeout)")
        }
    }

    /// Stops the watch and the cleanup and waits for both to end.
    public func stop() async {
        let running = tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
    }

    // MARK: - Deciding pushes

    /// Decides whether a push from `replica` of HA cluster `cluster` of `tenant`, received at
    /// `now` (Unix ms), is kept. `maxClusters` is the tenant's `ha_max_clusters` (0: no limit).
    ///
    /// Throws `.replicasNotMatch` when another replica is elected (drop the samples, answer 202),
    /// `.tooManyClusters` when `cluster` is new and the tenant is at its limit (400), and
    /// `.kvUnavailable` / `.corruptValue` when the store was needed and failed (5xx). A push
    /// without both labels (empty `cluster` or `replica`) is not an HA push: it is accepted
    /// untouched, and so is everything while the tracker is disabled.
    public func checkReplica(
        tenant: TenantID, cluster: String, replica: String, now: Int64, maxClusters: Int
    ) async throws(HATrackerError) -> HADecision {
        guard config.enabled, !cluster.isEmpty, !replica.isEmpty else { return .accepted }
        let key = ClusterKey(tenant: tenant, cluster: cluster)
        let local = cache.withLock { cache in
            cache.decideLocally(
                key, replica: replica, now: now, updateTimeout: updateTimeoutMilliseconds,
                failoverTimeout: failoverTimeoutMilliseconds, maxClusters: maxClusters)
        }
        switch local {
        case .accept:
            return .accepted
        case .refuse(let elected):
            throw .replicasNotMatch(replica: replica, elected: elected)
        case .tooManyClusters(let limit):
            throw .tooManyClusters(limit: limit)
        case .consult:
            return try await consultStore(key, replica: replica, now: now)
        case .refresh(let cached):
            defer { cache.withLock { $0.finishRefresh(key) } }
            do {
                return try await consultStore(key, replica: replica, now: now)
            } catch .kvUnavailable(let storeKey, let reason) where now - cached.receivedAt < failoverTimeoutMilliseconds {
                // No distributor can have failed over yet (the stored receivedAt is at least the
                // cached one), so the elected replica stays accepted while the store is away.
                logger.warning("HA tracker could not refresh the elected replica; accepting it until the failover timeout", metadata: [
                    "key": "\(storeKey)", "replica": "\(replica)", "error": "\(reason)",
                ])
                return .accepted
            }
        }
    }

    /// Runs the election rule against the store in a compare-and-swap and caches what it saw.
    private func consultStore(_ key: ClusterKey, replica: String, now: Int64) async throws(HATrackerError) -> HADecision {
        let storeKey = key.storeKey(prefix: config.keyPrefix)
        let fullKey = kv.fullKey(storeKey)
        let updateTimeout = updateTimeoutMilliseconds
        let failoverTimeout = failoverTimeoutMilliseconds
        var outcome = HAElection.Outcome.accepted
        var resulting: ReplicaDesc?
        metrics.casCall(key)
        let stored: KVValue?
        do {
            stored = try await kv.casBytes(storeKey) { bytes in
                let current = try bytes.map { bytes throws(HATrackerError) in try ReplicaDescCodec.decode(bytes, key: fullKey) }
                let step = HAElection.decide(
                    current: current, replica: replica, now: now, updateTimeout: updateTimeout, failoverTimeout: failoverTimeout)
                outcome = step.outcome
                resulting = step.write ?? current
                return try step.write.map { desc throws(HATrackerError) in try ReplicaDescCodec.encode(desc, key: fullKey) }
            }
        } catch let error as HATrackerError {
            throw error
        } catch {
            throw .kvUnavailable(key: fullKey, reason: "\(error)")
        }
        if let stored, let resulting {
            observe(key, desc: resulting, version: stored.version)
        }
        switch outcome {
        case .accepted:
            return .accepted
        case .elected(let previous):
            logger.info("HA tracker elected a replica", metadata: [
                "user": "\(key.tenant)", "cluster": "\(key.cluster)", "replica": "\(replica)",
                "previous": "\(previous ?? "none")",
            ])
            return .elected(previous: previous)
        case .refused(let elected):
            throw .replicasNotMatch(replica: replica, elected: elected)
        }
    }

    // MARK: - What the caller counts

    /// Counts samples dropped because their replica was not elected
    /// (`strata_distributor_deduped_samples_total{user, cluster}`).
    public func recordDeduplicated(tenant: TenantID, cluster: String, samples: Int) {
        metrics.deduplicated(ClusterKey(tenant: tenant, cluster: cluster), samples: samples)
    }

    /// Counts samples of a deduplicating tenant that carried not both HA labels and were kept as
    /// they are (`strata_distributor_non_ha_samples_received_total{user}`).
    public func recordNonHASamples(tenant: TenantID, samples: Int) {
        metrics.nonHA(tenant, samples: samples)
    }

    // MARK: - Inspection

    /// The elected replica of `cluster` as this distributor knows it (nil: not tracked).
    public func electedReplica(tenant: TenantID, cluster: String) -> ReplicaDesc? {
        cache.withLock { $0.entry(ClusterKey(tenant: tenant, cluster: cluster))?.live }
    }

    /// The tracked clusters of `tenant` and their elected replicas.
    public func clusters(tenant: TenantID) -> [String: ReplicaDesc] {
        cache.withLock { cache in
            (cache.entries[tenant] ?? [:]).compactMapValues(\.live)
        }
    }

    // MARK: - Following the store

    /// Applies the KV watch until cancelled, re-subscribing after failures; `synced` is called
    /// after every full read.
    private func follow(synced: @Sendable () -> Void) async {
        while !Task.isCancelled {
            do {
                for try await event in kv.watchPrefix(config.keyPrefix) {
                    apply(event)
                    if case .snapshot = event { synced() }
                }
            } catch {
                if Task.isCancelled { return }
                logger.error("HA tracker watch failed", metadata: ["prefix": "\(kv.fullKey(config.keyPrefix))", "error": "\(error)"])
            }
            try? await Task.sleep(for: HATracker.rewatchDelay)
        }
    }

    private func apply(_ event: KVPrefixEvent) {
        switch event {
        case .snapshot(let values, let revision):
            var parsed: [ClusterKey: (desc: ReplicaDesc?, version: Int64)] = [:]
            for (storeKey, value) in values {
                guard let key = clusterKey(storeKey) else { continue }
                parsed[key] = (decodeWatched(storeKey, value.bytes), value.version)
            }
            cache.withLock { cache in
                for (key, change) in cache.applySnapshot(parsed, revision: revision) { record(key, change) }
            }
        case .put(let storeKey, let value):
            guard let key = clusterKey(storeKey) else { return }
            let desc = decodeWatched(storeKey, value.bytes)
            cache.withLock { cache in record(key, cache.apply(key, desc: desc, version: value.version)) }
        case .delete(let storeKey, let version):
            guard let key = clusterKey(storeKey) else { return }
            cache.withLock { cache in record(key, cache.apply(key, desc: nil, version: version)) }
        }
    }

    /// Caches a value this tracker read or wrote itself.
    private func observe(_ key: ClusterKey, desc: ReplicaDesc, version: Int64) {
        cache.withLock { cache in record(key, cache.apply(key, desc: desc, version: version)) }
    }

    /// Updates the metrics for a cache change (called under the cache lock, so in store order).
    private func record(_ key: ClusterKey, _ change: HAElectionCache.Change) {
        switch change {
        case .none:
            break
        case .updated(let desc, let replicaChanged):
            metrics.observed(key, desc: desc, replicaChanged: replicaChanged)
            if replicaChanged {
                logger.info("HA tracker: elected replica changed", metadata: [
                    "user": "\(key.tenant)", "cluster": "\(key.cluster)", "replica": "\(desc.replica)",
                ])
            }
        case .removed:
            metrics.forget(key)
        }
    }

    /// The cluster a store key names, or nil (with a log line) for keys that are not the tracker's.
    private func clusterKey(_ storeKey: String) -> ClusterKey? {
        guard storeKey.hasPrefix(config.keyPrefix),
              let key = ClusterKey(keyWithoutPrefix: storeKey.dropFirst(config.keyPrefix.count))
        else {
            logger.debug("HA tracker ignores a key that is not <tenant>/<cluster>", metadata: ["key": "\(storeKey)"])
            return nil
        }
        return key
    }

    /// Decodes a watched value; an unreadable one counts as absent (the next push for the cluster
    /// reads it again and reports it to the client and the operator).
    private func decodeWatched(_ storeKey: String, _ bytes: [UInt8]) -> ReplicaDesc? {
        do {
            return try ReplicaDescCodec.decode(bytes, key: kv.fullKey(storeKey))
        } catch {
            logger.error("HA tracker: unreadable value in the KV store", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: - Cleanup

    /// What one cleanup pass did.
    public struct CleanupSummary: Sendable, Hashable {
        /// Clusters silent for `deletionTimeout`, now marked deleted.
        public var marked = 0
        /// Clusters marked deleted more than `deletionTimeout` ago, now removed from the store.
        public var deleted = 0
        /// Marks or deletions that failed (retried at the next pass).
        public var failed = 0
    }

    /// One cleanup pass at `now` (Unix ms), as Mimir's: a cluster whose elected replica has sent
    /// nothing for `deletionTimeout` is marked deleted (it stops counting towards the tenant's
    /// limit; a later push elects again), and a marked one is removed from the store after another
    /// `deletionTimeout`.
    @discardableResult
    public func cleanupOldReplicas(now: Int64) async -> CleanupSummary {
        let timeout = HATracker.deletionTimeout.inMilliseconds
        var summary = CleanupSummary()
        for (key, desc) in cache.withLock({ $0.described }) {
            let storeKey = key.storeKey(prefix: config.keyPrefix)
            if desc.isMarkedDeleted {
                guard now - desc.deletedAt > timeout else { continue }
                // Blind delete, as Mimir: should a push re-elect in between, distributors see the
                // delete and the next push elects again.
                do {
                    try await kv.delete(storeKey)
                    summary.deleted += 1
                    metrics.deleted.increment()
                    logger.info("HA tracker cleanup deleted a cluster", metadata: ["key": "\(kv.fullKey(storeKey))"])
                } catch {
                    summary.failed += 1
                    metrics.deletionFailed.increment()
                    logger.warning("HA tracker cleanup could not delete", metadata: ["key": "\(kv.fullKey(storeKey))", "error": "\(error)"])
                }
            } else if now - desc.receivedAt > timeout {
                do {
                    if try await markDeleted(key, storeKey: storeKey, now: now, timeout: timeout) {
                        summary.marked += 1
                        metrics.markedForDeletion.increment()
                        logger.info("HA tracker cleanup marked a silent cluster deleted", metadata: ["key": "\(kv.fullKey(storeKey))"])
                    }
                } catch {
                    summary.failed += 1
                    metrics.deletionFailed.increment()
                    logger.warning("HA tracker cleanup could not mark", metadata: ["key": "\(kv.fullKey(storeKey))", "error": "\(error)"])
                }
            }
        }
        return summary
    }

    /// Marks `key` deleted if the store still says it is silent; returns whether it wrote.
    private func markDeleted(_ key: ClusterKey, storeKey: String, now: Int64, timeout: Int64) async throws -> Bool {
        let fullKey = kv.fullKey(storeKey)
        var written: ReplicaDesc?
        let stored = try await kv.casBytes(storeKey) { bytes in
            written = nil
            guard let bytes else { return nil }
            var desc = try ReplicaDescCodec.decode(bytes, key: fullKey)
            guard !desc.isMarkedDeleted, now - desc.receivedAt > timeout else { return nil }
            desc.deletedAt = now
            written = desc
            return try ReplicaDescCodec.encode(desc, key: fullKey)
        }
        guard let written, let stored else { return false }
        observe(key, desc: written, version: stored.version)
        return true
    }

    private func cleanupLoop() async {
        while !Task.isCancelled {
            let base = Double(HATracker.cleanupPeriod.inMilliseconds)
            let spread = base * HATracker.cleanupJitterFraction
            let period = Duration.milliseconds(Int64(base + Double.random(in: -spread...spread)))
            do {
                try await Task.sleep(for: period)
            } catch {
                return
            }
            metrics.cleanupRuns.increment()
            await cleanupOldReplicas(now: clock())
        }
    }
}
