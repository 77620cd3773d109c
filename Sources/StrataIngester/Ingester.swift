import Glibc
import Logging
import Metrics
import StrataLimits
import StrataModel
import StrataTSDB
import Synchronization

/// The ingester role: one TSDB head (with its WAL) per tenant under `-blocks-storage.tsdb.dir`.
///
/// It is the in-process `IngesterClient` of `-target=all` and the `Queryable` over recent data.
/// A push is acknowledged only after the head has written its WAL records.
public final class Ingester: Sendable {
    /// Settings of the ingester.
    public struct Config: Sendable {
        /// Root directory; each tenant gets `<dir>/<tenant>/wal`.
        public var directory: String
        /// Head settings shared by every tenant.
        public var headOptions: HeadOptions
        /// Creates a config.
        public init(directory: String, headOptions: HeadOptions) {
            self.directory = directory
            self.headOptions = headOptions
        }
    }

    /// Lifecycle states, as Mimir's ingester reports them.
    public enum State: String, Sendable {
        case starting = "STARTING"
        case running = "ACTIVE"
        case stopping = "STOPPING"
        case stopped = "STOPPED"
    }

    let config: Config
    let overrides: Overrides
    /// This ingester's share of the cluster-wide series limits (nil: all of them).
    let seriesLimitShare: (@Sendable () -> Double)?
    let logger: Logger
    let metrics: IngesterMetrics
    let state = Mutex<State>(.starting)
    let heads = Mutex<[TenantID: Head]>([:])
    /// Where cut blocks are shipped; nil keeps everything in the head (no blocks are cut).
    let blockStorage: BlockStorage?
    /// Blocks cut and still on local disk, per tenant, sorted by minTime.
    let localBlocks = Mutex<[TenantID: [LocalBlock]]>([:])
    /// Serialises cutting, shipping and expiry between the periodic loop and flush requests.
    let maintenance = SerialQueue()

    /// Creates an ingester; call `open()` before pushing. With `blockStorage`, heads are cut into
    /// blocks that are shipped to its bucket; without, data stays in the heads.
    /// `seriesLimitShare` is the fraction of the tenant's series this ingester holds in a
    /// cluster (replication factor / ingesters, as Mimir): the per-tenant series limits are
    /// cluster-wide, so each ingester enforces that share of them. Nil: the whole limit.
    public init(config: Config, overrides: Overrides, blockStorage: BlockStorage? = nil, metricsFactory: any MetricsFactory, logger: Logger,
                seriesLimitShare: (@Sendable () -> Double)? = nil) {
        self.seriesLimitShare = seriesLimitShare
        self.config = config
        self.blockStorage = blockStorage
        self.overrides = overrides
        self.logger = logger
        self.metrics = IngesterMetrics(factory: metricsFactory)
    }

    /// The current lifecycle state.
    public var currentState: State { state.withLock { $0 } }

    /// Opens every tenant's head found on disk, replaying checkpoints and WALs, then accepts writes.
    public func open() async throws {
        try makeDirectory(config.directory)
        var tenants: [TenantID] = []
        for name in try listSubdirectories(config.directory) {
            do {
                tenants.append(try TenantID(validating: name))
            } catch {
                // Left by an older version that accepted the ID, or not Strata's: never deleted,
                // so its WAL stays for the operator to move.
                logger.warning("a directory in the TSDB dir is not a valid tenant ID; it is left alone", metadata: [
                    "dir": "\(config.directory)/\(name)", "err": "\(error)",
                ])
            }
        }
        let started = ContinuousClock.now
        let opened = try await withThrowingTaskGroup(of: (TenantID, Head, [LocalBlock]).self) { group in
            for tenant in tenants {
                group.addTask {
                    let blocks = self.blockStorage == nil ? [] : try self.openLocalBlocks(tenant: tenant, shipped: self.readShipperFile(tenant: tenant))
                    return (tenant, try self.openHead(tenant, blocks: blocks), blocks)
                }
            }
            var out: [TenantID: (Head, [LocalBlock])] = [:]
            for try await (tenant, head, blocks) in group { out[tenant] = (head, blocks) }
            return out
        }
        heads.withLock { $0.merge(opened.mapValues(\.0)) { a, _ in a } }
        localBlocks.withLock { $0.merge(opened.mapValues(\.1).filter { !$0.value.isEmpty }) { a, _ in a } }
        state.withLock { $0 = .running }
        logger.info("ingester is ready", metadata: [
            "tenants": "\(opened.count)",
            "replay_duration": "\(ContinuousClock.now - started)",
        ])
    }

    /// Checkpoints each tenant's WAL when its policy says so; the server calls this periodically.
    public func maintain() {
        for (tenant, head) in heads.withLock({ $0 }) {
            do {
                try head.checkpointIfNeeded()
            } catch {
                logger.error("WAL checkpoint failed", metadata: ["user": "\(tenant)", "err": "\(error)"])
            }
        }
    }

    /// Stops accepting writes and closes every WAL (flushed and fsynced).
    public func close() {
        state.withLock { $0 = .stopping }
        let all = heads.withLock { h -> [TenantID: Head] in
            let copy = h
            h.removeAll()
            return copy
        }
        for (tenant, head) in all {
            do {
                try head.close()
            } catch {
                logger.error("closing tenant TSDB failed", metadata: ["user": "\(tenant)", "err": "\(error)"])
            }
        }
        state.withLock { $0 = .stopped }
        logger.info("ingester stopped", metadata: ["tenants": "\(all.count)"])
    }

    /// The head of `tenant`, if it has one.
    func head(for tenant: TenantID) -> Head? {
        heads.withLock { $0[tenant] }
    }

    /// The head of `tenant`, created on its first push.
    func headCreatingIfNeeded(for tenant: TenantID) throws(IngesterError) -> Head {
        if let head = heads.withLock({ $0[tenant] }) { return head }
        // Opening creates directories and a WAL segment: do it outside the map's lock, then
        // keep whichever head won a race for the same tenant.
        let created: Head
        do { created = try openHead(tenant) } catch {
            throw .storage("cannot open the TSDB of tenant \(tenant): \(error)")
        }
        let (winner, lost) = heads.withLock { map -> (Head, Bool) in
            if let existing = map[tenant] { return (existing, true) }
            map[tenant] = created
            return (created, false)
        }
        if lost { try? created.close() }
        return winner
    }

    /// Opens a tenant's head. Samples older than the newest local block's end were cut already:
    /// the head drops them on replay and refuses them on append.
    private func openHead(_ tenant: TenantID, blocks: [LocalBlock] = []) throws -> Head {
        let dir = config.directory + "/" + tenant.rawValue
        try makeDirectory(dir)
        var tenantLogger = logger
        tenantLogger[metadataKey: "user"] = "\(tenant)"
        var options = config.headOptions
        if let newest = blocks.map(\.block.meta.maxTime).max() { options.minValidTime = max(options.minValidTime, newest) }
        return try Head(directory: dir, options: options, logger: tenantLogger)
    }
}

/// A filesystem error of the ingester, naming the path.
public struct IngesterFileError: Error, CustomStringConvertible {
    public let path: String
    public let operation: String
    public let code: Int32
    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

func makeDirectory(_ path: String) throws {
    var components: [Substring] = []
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        components.append(part)
        let prefix = (path.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
        if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
            throw IngesterFileError(path: prefix, operation: "mkdir", code: errno)
        }
    }
}

