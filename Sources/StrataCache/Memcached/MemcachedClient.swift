import Foundation
import Logging
import Metrics
import NIOCore
import NIOPosix
import StrataModel

/// Strata's own memcached client: the text protocol over SwiftNIO, a small pipelined connection
/// pool per server, keys spread over the servers by jump consistent hash, and every operation
/// bounded by `MemcachedConfig.timeout`.
///
/// It takes memcached keys as they are (at most 250 bytes, no spaces or control characters);
/// `MemcachedCache` is the layer that turns arbitrary cache keys into such keys. Failures never
/// escape as crashes: lookups report them as misses, the other operations throw `MemcachedError`.
public final class MemcachedClient: Sendable {
    /// The settings the client was built with.
    public let config: MemcachedConfig

    private let pools: [MemcachedServerPool]
    private let group: any EventLoopGroup
    private let ownsEventLoopGroup: Bool
    private let timeout: TimeAmount
    private let logger: Logger
    private let metrics: MemcachedClientMetrics

    /// A client for the servers in `config`, which is validated first.
    ///
    /// Connections run on `eventLoopGroup` (the process-wide `MultiThreadedEventLoopGroup.singleton`
    /// when nil). With `ownsEventLoopGroup`, `shutdown()` also shuts the group down, for a caller
    /// that made a group just for this client. `name` labels the metrics, as Mimir's `name`
    /// label does (`index-cache`, `chunks-cache`, `frontend-cache`).
    public init(
        config: MemcachedConfig,
        eventLoopGroup: (any EventLoopGroup)? = nil,
        ownsEventLoopGroup: Bool = false,
        name: String = "memcached",
        logger: Logger = Logger(label: "strata.memcached"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(MemcachedError) {
        try config.validate()
        let addresses = try config.parsedAddresses()
        let group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        self.config = config
        self.group = group
        self.ownsEventLoopGroup = ownsEventLoopGroup
        self.timeout = TimeAmount(config.timeout)
        self.logger = logger
        self.metrics = MemcachedClientMetrics(name: name, factory: metricsFactory)
        // A reply's data block may be a little over maxItemSize when another client wrote it.
        let maxValueSize = config.maxItemSize + 1024
        self.pools = addresses.map {
            MemcachedServerPool(address: $0, size: config.maxIdleConnections, maxValueSize: maxValueSize, group: group, logger: logger)
        }
    }

    /// The values stored under `keys`, from whichever servers answer in time. Keys that are
    /// absent, invalid, or on a server that failed or timed out are simply missing from the
    /// result; each server's keys go out in batches of `maxGetMultiBatchSize`, in parallel.
    public func get(_ keys: [String]) async -> [String: [UInt8]] {
        var byServer: [[String]] = Array(repeating: [], count: pools.count)
        var seen = Set<String>()
        for key in keys where seen.insert(key).inserted {
            if let problem = memcachedKeyProblem(key) {
                metrics.skipped(operation: "getmulti")
                logger.debug("memcached get skipped", metadata: ["reason": "\(problem)"])
                continue
            }
            byServer[server(for: key)].append(key)
        }
        let batchSize = config.maxGetMultiBatchSize
        var batches: [(pool: Int, keys: [String])] = []
        for (pool, serverKeys) in byServer.enumerated() where !serverKeys.isEmpty {
            if batchSize <= 0 || serverKeys.count <= batchSize {
                batches.append((pool, serverKeys))
                continue
            }
            var start = 0
            while start < serverKeys.count {
                let end = min(start + batchSize, serverKeys.count)
                batches.append((pool, Array(serverKeys[start..<end])))
                start = end
            }
        }
        guard !batches.isEmpty else { return [:] }
        let deadline = NIODeadline.now() + timeout
        if batches.count == 1 {
            return await getBatch(batches[0].keys, pool: batches[0].pool, deadline: deadline)
        }
        let concurrency = config.maxGetMultiConcurrency
        return await withTaskGroup(of: [String: [UInt8]].self) { group in
            var found: [String: [UInt8]] = [:]
            var next = 0
            while next < batches.count && next < concurrency {
                let batch = batches[next]
                group.addTask { await self.getBatch(batch.keys, pool: batch.pool, deadline: deadline) }
                next += 1
            }
            while let values = await group.next() {
                found.merge(values) { _, new in new }
                if next < batches.count {
                    let batch = batches[next]
                    group.addTask { await self.getBatch(batch.keys, pool: batch.pool, deadline: deadline) }
                    next += 1
                }
            }
            return found
        }
    }

    /// Stores `value` under `key` for `ttl` (zero or less: until memcached evicts it), waiting
    /// for `STORED`.
    ///
    /// memcached reads an exptime over 30 days as a Unix time, so such a ttl is sent as one
    /// (which relies on the server's clock roughly agreeing with ours); a ttl under a second is
    /// rounded up to one, since 0 would mean "never expire".
    public func set(_ key: String, _ value: [UInt8], ttl: Duration) async throws(MemcachedError) {
        if let problem = memcachedKeyProblem(key) {
            metrics.skipped(operation: "set")
            throw .invalidKey(problem)
        }
        guard value.count <= config.maxItemSize else {
            metrics.skipped(operation: "set")
            throw .itemTooLarge(size: value.count, limit: config.maxItemSize)
        }
        _ = try await run(.set(key: key, value: value, exptime: Self.exptime(for: ttl)), key: key)
    }

    /// Deletes `key`; true when it was there.
    @discardableResult
    public func delete(_ key: String) async throws(MemcachedError) -> Bool {
        if let problem = memcachedKeyProblem(key) { throw .invalidKey(problem) }
        guard case .deleted(let existed) = try await run(.delete(key), key: key) else {
            throw .malformedReply("unexpected result for delete")
        }
        return existed
    }

    /// Each server's version (or why it did not answer in time), by address as configured: the
    /// health check of a cache that must not fail queries when it is down.
    public func versions() async -> [String: Result<String, MemcachedError>] {
        let deadline = NIODeadline.now() + timeout
        return await withTaskGroup(of: (String, Result<String, MemcachedError>).self) { group in
            for (i, pool) in pools.enumerated() {
                let address = config.addresses[i]
                group.addTask {
                    do throws(MemcachedError) {
                        guard case .version(let version) = try await self.execute(.version, on: pool, deadline: deadline) else {
                            return (address, .failure(.malformedReply("unexpected result for version")))
                        }
                        return (address, .success(version))
                    } catch {
                        return (address, .failure(error))
                    }
                }
            }
            var results: [String: Result<String, MemcachedError>] = [:]
            for await (address, result) in group { results[address] = result }
            return results
        }
    }

    /// Closes every connection and, when the client owns it, shuts the event loop group down.
    /// Operations after this fail with `MemcachedError.shutDown` (lookups miss).
    public func shutdown() async {
        for pool in pools { await pool.shutdown() }
        guard ownsEventLoopGroup else { return }
        do {
            try await group.shutdownGracefully()
        } catch {
            logger.warning("memcached event loop group did not shut down cleanly", metadata: ["error": "\(error)"])
        }
    }

    /// The index of the server that owns `key`: jump consistent hash of the key's xxHash64, so
    /// every client agrees without coordination and a new server takes keys only from the others.
    func server(for key: String) -> Int {
        guard pools.count > 1 else { return 0 }
        var hasher = LabelsHasher()
        hasher.add(key)
        return jumpConsistentHash(hasher.finish(), buckets: pools.count)
    }

    private func getBatch(_ keys: [String], pool: Int, deadline: NIODeadline) async -> [String: [UInt8]] {
        do throws(MemcachedError) {
            guard case .values(let values) = try await execute(.get(keys), on: pools[pool], deadline: deadline) else {
                return [:]
            }
            return values
        } catch {
            return [:]
        }
    }

    private func run(_ command: MemcachedCommand, key: String) async throws(MemcachedError) -> MemcachedResult {
        try await execute(command, on: pools[server(for: key)], deadline: NIODeadline.now() + timeout)
    }

    private func execute(_ command: MemcachedCommand, on pool: MemcachedServerPool, deadline: NIODeadline) async throws(MemcachedError) -> MemcachedResult {
        metrics.operation(command.operation)
        do {
            return try await pool.execute(command, deadline: deadline)
        } catch {
            metrics.failed(operation: command.operation, reason: error.reason)
            // Debug, not warning: a dead cache server fails every request, and the failure
            // counter is where an operator looks.
            logger.debug("memcached operation failed", metadata: [
                "operation": "\(command.operation)", "address": "\(pool.address)", "error": "\(error)",
            ])
            throw error
        }
    }

    /// memcached's exptime for `ttl`: seconds (rounded up) up to 30 days, a Unix time beyond.
    static func exptime(for ttl: Duration, now: Date = Date()) -> Int {
        guard ttl > .zero else { return 0 }
        let (seconds, attoseconds) = ttl.components
        let maxRelative: Int64 = 30 * 24 * 3600
        let rounded = attoseconds > 0 ? seconds + 1 : seconds
        if rounded <= maxRelative { return Int(rounded) }
        // memcached's exptime is a 32-bit time; cap rather than wrap.
        let absolute = Int64(now.timeIntervalSince1970) + min(rounded, Int64(Int32.max))
        return Int(min(absolute, Int64(Int32.max)))
    }
}

/// Lamping and Veach's jump consistent hash: the bucket in `0..<buckets` for `key`.
func jumpConsistentHash(_ key: UInt64, buckets: Int) -> Int {
    var key = key
    var b: Int64 = -1
    var j: Int64 = 0
    while j < Int64(buckets) {
        b = j
        key = key &* 2_862_933_555_777_941_757 &+ 1
        // (b + 1) * 2^31 / (top 31 bits + 1) stays far below 2^63 for any bucket count we use.
        j = Int64(Double(b + 1) * (Double(UInt64(1) << 31) / Double((key >> 33) + 1)))
    }
    return Int(max(b, 0))
}

/// The client's counters, made once so that an operation only increments.
struct MemcachedClientMetrics: Sendable {
    private let operations: [String: Counter]
    private let failures: [String: Counter]
    private let skips: [String: Counter]

    static let operationNames = ["getmulti", "set", "delete", "version"]
    static let reasons = ["timeout", "connect", "malformed", "server-error", "bad-request", "shutdown"]

    init(name: String, factory: any MetricsFactory) {
        var operations: [String: Counter] = [:]
        var failures: [String: Counter] = [:]
        var skips: [String: Counter] = [:]
        for op in Self.operationNames {
            operations[op] = Counter(label: "strata_memcached_operations_total", dimensions: [("name", name), ("operation", op)], factory: factory)
            skips[op] = Counter(label: "strata_memcached_operation_skipped_total", dimensions: [("name", name), ("operation", op)], factory: factory)
            for reason in Self.reasons {
                failures[op + "/" + reason] = Counter(
                    label: "strata_memcached_operation_failures_total",
                    dimensions: [("name", name), ("operation", op), ("reason", reason)], factory: factory)
            }
        }
        self.operations = operations
        self.failures = failures
        self.skips = skips
    }

    func operation(_ op: String) { operations[op]?.increment() }
    func failed(operation op: String, reason: String) { failures[op + "/" + reason]?.increment() }
    func skipped(operation op: String) { skips[op]?.increment() }
}
