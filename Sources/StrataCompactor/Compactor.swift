import Logging
import Metrics
import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore
import Synchronization

/// The compactor role: per tenant it merges the ingesters' blocks into one de-duplicated copy in
/// ever larger blocks, downsamples old data to 5m and 1h, applies retention and deletes replaced
/// blocks after `-compactor.deletion-delay`. A block it cannot read gets a no-compact mark and is
/// skipped; every other block and tenant goes on. See docs/compactor.md.
public final class Compactor: Sendable {
    /// Whether this instance compacts `tenant` (the compactor ring's owner of the tenant).
    public typealias TenantOwnership = @Sendable (TenantID) -> Bool

    let bucket: any Bucket
    let config: CompactorConfig
    let settings: @Sendable (TenantID) -> CompactorTenantSettings
    let ownsTenant: TenantOwnership
    let logger: Logger
    let metrics: CompactorMetrics
    let runs = SerialQueue()
    /// Unix seconds; tests move time.
    let clock: @Sendable () -> Int64
    /// (pending delete requests, block) pairs found unaffected, so a block is read once per set
    /// of pending requests rather than once per run.
    let deleteChecks = Mutex<Set<String>>([])

    /// Creates a compactor over `bucket`.
    public init(bucket: any Bucket, config: CompactorConfig, settings: @escaping @Sendable (TenantID) -> CompactorTenantSettings,
                ownsTenant: @escaping TenantOwnership = { _ in true }, metricsFactory: any MetricsFactory = MetricsSystem.factory,
                logger: Logger, clock: @escaping @Sendable () -> Int64 = { WallClock.nowMilliseconds() / 1000 }) {
        self.bucket = bucket
        self.config = config
        self.settings = settings
        self.ownsTenant = ownsTenant
        self.logger = logger
        metrics = CompactorMetrics(factory: metricsFactory)
        self.clock = clock
    }

    /// Runs compactions every `compactionInterval` (the first at once) until cancelled.
    public func run() async {
        while !Task.isCancelled {
            _ = await runOnce()
            do { try await Task.sleep(for: config.compactionInterval) } catch { return }
        }
    }

    /// One compaction run over every tenant this instance owns. Runs never overlap: a call made
    /// during a run starts after it.
    @discardableResult
    public func runOnce() async -> CompactionRunReport {
        await runs.run { [self] in await runAllTenants() }
    }

    private func runAllTenants() async -> CompactionRunReport {
        metrics.runStarted()
        var report = CompactionRunReport()
        let tenants: [TenantID]
        do {
            tenants = try await BucketTenants.list(bucket: bucket)
        } catch {
            logger.error("listing tenants failed; compaction run skipped", metadata: ["err": "\(error)"])
            report.failures["*"] = "\(error)"
            metrics.runFinished(failed: true)
            return report
        }
        let owned = tenants.filter { ownsTenant($0) }
        let results = await BoundedConcurrency.map(owned, limit: max(1, config.tenantConcurrency)) { [self] tenant in
            (tenant, await compactTenant(tenant))
        }
        for (tenant, result) in results {
            report.tenants[tenant] = result
            if let failure = result.failure { report.failures[tenant.rawValue] = failure }
        }
        metrics.runFinished(failed: !report.failures.isEmpty)
        return report
    }

    /// Compacts one tenant until nothing is left to do now; never throws: what failed is in the
    /// report (and logged), so the other tenants go on.
    func compactTenant(_ tenant: TenantID) async -> TenantCompactionReport {
        var report = TenantCompactionReport()
        let log = logger.with(tenant)
        do throws(CompactionError) {
            // A tenant marked for deletion only has its blocks deleted.
            if try await deleteMarkedTenant(tenant, report: &report) { return report }
            var index = try await refreshIndex(tenant)
            if try await applyDeleteRequests(tenant, index: index, report: &report) > 0 {
                index = try await refreshIndex(tenant)
            }
            let now = clock()
            if try await deleteExpiredMarkedBlocks(tenant, index: index, now: now, report: &report) > 0 {
                index = try await refreshIndex(tenant)
            }
            _ = try await deletePartialBlocks(tenant, now: now, report: &report)
            if try await applyRetention(tenant, index: index, now: now, report: &report) > 0 {
                index = try await refreshIndex(tenant)
            }
            let planner = config.planner(shards: settings(tenant).shards)
            // Read once; blocks quarantined below are added as they are marked.
            var noCompact = try await noCompactMarks(tenant)
            // Every job shrinks the set of inputs, so the loop ends; the bound is a safety net.
            for _ in 0..<Self.maxRoundsPerRun {
                let marked = Set(index.blockDeletionMarks.map(\.id))
                let candidates = index.blocks.filter { !marked.contains($0.id) && !noCompact.contains($0.id) }
                let jobs = planner.plan(blocks: candidates, now: clock())
                if jobs.isEmpty { break }
                let outcomes = await BoundedConcurrency.map(jobs, limit: max(1, config.compactionConcurrency)) { [self] job in
                    await runJob(job, tenant: tenant)
                }
                var progressed = false
                for (job, outcome) in zip(jobs, outcomes) {
                    switch outcome {
                    case .success(let written):
                        progressed = true
                        report.jobs += 1
                        report.blocksWritten += written.count
                        if job.replacesInputs { report.blocksMarkedForDeletion += job.blocks.count }
                    case .failure(.sourceBlock(let block, let reason)):
                        try await quarantine(tenant, block: block, reason: reason)
                        noCompact.insert(block)
                        report.blocksMarkedNoCompact += 1
                        progressed = true
                        log.error("block cannot be compacted; marked no-compact and skipped", metadata: ["block": "\(block)", "err": "\(reason)", "job": "\(job)"])
                    case .failure(let error):
                        throw error
                    }
                }
                index = try await refreshIndex(tenant)
                if !progressed { break }
            }
            publishLag(tenant, index: index, noCompact: noCompact)
        } catch {
            report.failure = error.description
            metrics.tenantFailed(tenant)
            log.error("compaction of tenant failed; retried at the next interval", metadata: ["err": "\(error)"])
        }
        return report
    }

    /// Upper bound on plan-and-run rounds of one tenant in one run.
    static let maxRoundsPerRun = 1000

    /// Rebuilds the tenant's bucket index from the bucket and writes it.
    func refreshIndex(_ tenant: TenantID) async throws(CompactionError) -> BucketIndex {
        let old: BucketIndex?
        do {
            old = try await BucketIndex.read(bucket: bucket, tenant: tenant)
        } catch {
            old = nil
        }
        do {
            let index = try await BucketIndex.update(bucket: bucket, tenant: tenant, old: old, now: clock(), logger: logger)
            try await index.write(bucket: bucket, tenant: tenant)
            metrics.publishBlocks(tenant, count: index.blocks.count)
            return index
        } catch {
            throw .bucketIndex(tenant: tenant, reason: "\(error)")
        }
    }

    func noCompactMarks(_ tenant: TenantID) async throws(CompactionError) -> Set<String> {
        do {
            return try await NoCompactMarker.markedBlocks(bucket: bucket, tenant: tenant)
        } catch {
            throw .bucket(operation: "list", key: "\(tenant.rawValue)/\(BucketIndex.markersDirectory)/", reason: "\(error)")
        }
    }

    func quarantine(_ tenant: TenantID, block: String, reason: String) async throws(CompactionError) {
        do {
            try await NoCompactMarker.mark(bucket: bucket, tenant: tenant, block: block, time: clock(),
                                           reason: NoCompactMarker.compactionFailedReason, details: reason)
        } catch {
            throw .bucket(operation: "put", key: NoCompactMarker.globalKey(tenant: tenant, block: block), reason: "\(error)")
        }
        metrics.blocksMarkedNoCompact(tenant, count: 1)
    }
}

extension Logger {
    /// This logger with the tenant as `user` metadata, Mimir's key.
    func with(_ tenant: TenantID) -> Logger {
        var copy = self
        copy[metadataKey: "user"] = "\(tenant)"
        return copy
    }
}

/// What one compaction run did, per tenant.
public struct CompactionRunReport: Sendable {
    /// Per owned tenant.
    public var tenants: [TenantID: TenantCompactionReport] = [:]
    /// Failures by tenant (`*` for the run as a whole).
    public var failures: [String: String] = [:]
}

/// What a run did to one tenant.
public struct TenantCompactionReport: Sendable, Equatable {
    /// Compaction and downsampling jobs completed.
    public var jobs = 0
    /// Blocks uploaded.
    public var blocksWritten = 0
    /// Blocks marked for deletion (replaced or past retention).
    public var blocksMarkedForDeletion = 0
    /// Blocks marked no-compact.
    public var blocksMarkedNoCompact = 0
    /// Blocks deleted from the bucket after the deletion delay.
    public var blocksDeleted = 0
    /// Partial uploads deleted after the partial-block deletion delay.
    public var partialBlocksDeleted = 0
    /// Why the tenant's run stopped early, if it did.
    public var failure: String?
}
