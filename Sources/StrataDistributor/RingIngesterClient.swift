import Logging
import Metrics
import StrataIngester
import StrataModel
import StrataRing
import Synchronization

/// The distributor's write path in a cluster: each series goes to the ingesters that own its
/// token on the ingester ring, and the push succeeds once a quorum of them has written it.
///
/// As Mimir: with replication factor 3, a series is acknowledged when 2 of its 3 ingesters have
/// appended it to their WAL, so one ingester per series may be down or slow. Pushes to all
/// ingesters start at once; the call returns as soon as every series has its quorum, and the
/// pushes still in flight finish in the background, so the slowest replica does not add to the
/// client's latency while it still receives its copy.
///
/// Exemplars travel with their series' samples, to the same replicas. Each metadata entry goes
/// to the replication set of its metric family name's token (`SeriesToken.metadataToken`), as
/// Mimir shards metadata by metric name, and counts toward the push's quorum like a series.
///
/// `-target=all` does not use this type: its single ingester is called directly.
public final class RingIngesterClient: IngesterClient {
    /// Creates (or reuses) the client for one ingester instance.
    public typealias ClientFactory = @Sendable (InstanceDesc) -> any IngesterClient

    private let ring: Ring
    private let clients: ClientFactory
    private let logger: Logger
    private let factory: any MetricsFactory
    private let perIngester = Mutex<[String: IngesterCounters]>([:])

    private struct IngesterCounters {
        let appends: Counter
        let failures: Counter
    }

    /// Creates the client over `ring` (the ingester ring, already started), reaching each
    /// ingester through `clients`.
    public init(ring: Ring, clients: @escaping ClientFactory, metricsFactory: any MetricsFactory,
                logger: Logger = Logger(label: "strata.distributor.ring")) {
        self.ring = ring
        self.clients = clients
        self.factory = metricsFactory
        self.logger = logger
    }

    /// Writes every series of `batch` to its replication set; see the type's documentation.
    public func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        try await push(tenant: tenant, batch: batch, extras: BatchExtras())
    }

    /// True: exemplars and metadata reach the ingesters when their clients carry them.
    public var carriesExtras: Bool { true }

    /// Writes every series of `batch` with its exemplars to its replication set, and each
    /// metadata entry to its metric name's; see the type's documentation.
    public func push(tenant: TenantID, batch: SeriesBatch, extras: BatchExtras) async throws(IngesterError) -> IngestResult {
        let plan = try makePlan(tenant: tenant, batch: batch, metadata: extras.metadata)
        if plan.targets.isEmpty { return IngestResult() }

        let (stream, continuation) = AsyncStream<(Int, Result<IngestResult, IngesterError>)>.makeStream()
        for (slot, target) in plan.targets.enumerated() {
            let client = clients(target.instance)
            let sub = batch.keeping(series: target.series)
            let subExtras = Self.extras(extras, for: target)
            let counters = counters(for: target.instance.id)
            // Unstructured on purpose: a replica still writing when the quorum is reached must
            // get its copy, so it is not cancelled when this call returns.
            Task {
                counters.appends.increment()
                let result: Result<IngestResult, IngesterError>
                do throws(IngesterError) {
                    result = .success(subExtras.isEmpty ? try await client.push(tenant: tenant, batch: sub)
                                                        : try await client.push(tenant: tenant, batch: sub, extras: subExtras))
                } catch {
                    counters.failures.increment()
                    result = .failure(error)
                }
                continuation.yield((slot, result))
            }
        }

        var tracker = QuorumTracker(plan: plan)
        var answered = 0
        for await (slot, result) in stream {
            answered += 1
            switch result {
            case .success(let ingested):
                tracker.succeeded(slot: slot, result: ingested)
            case .failure(let error):
                let target = plan.targets[slot].instance
                logger.warning("push to ingester failed", metadata: [
                    "user": "\(tenant)", "ingester": "\(target.id)", "addr": "\(target.address)", "err": "\(error)",
                ])
                if let failedItem = tracker.failed(slot: slot) {
                    continuation.finish()
                    let what = failedItem < batch.series.count
                        ? "series \(batch.labels(of: failedItem))"
                        : "metadata of metric \(extras.metadata[failedItem - batch.series.count].metricFamilyName)"
                    throw .unavailable(
                        "\(what) could not reach a quorum of ingesters: "
                            + "ingester \(target.id) (\(target.address)) failed: \(error)")
                }
            }
            if tracker.allSeriesHaveQuorum || answered == plan.targets.count {
                continuation.finish()
                break
            }
        }
        return tracker.combinedResult(seriesCount: batch.series.count)
    }

    /// The extras of one ingester's sub-batch: the exemplars of its series, re-indexed as in
    /// `batch.keeping(series: target.series)`, and its metadata entries.
    static func extras(_ extras: BatchExtras, for target: PushPlan.Target) -> BatchExtras {
        guard !extras.isEmpty else { return extras }
        var out = BatchExtras(metadata: target.metadata.map { extras.metadata[$0] })
        if !extras.exemplars.isEmpty {
            for (subIndex, index) in target.series.enumerated() {
                if let exemplars = extras.exemplars[index] { out.exemplars[subIndex] = exemplars }
            }
        }
        return out
    }

    /// Looks up each series' and each metadata entry's replication set and groups them by
    /// ingester. Quorum items are the series, then the metadata entries.
    private func makePlan(tenant: TenantID, batch: SeriesBatch, metadata: [MetricMetadata]) throws(IngesterError) -> PushPlan {
        var plan = PushPlan()
        plan.seriesCount = batch.series.count
        plan.required.reserveCapacity(batch.series.count + metadata.count)
        plan.allowedFailures.reserveCapacity(batch.series.count + metadata.count)
        var slotByInstance: [String: Int] = [:]
        let ring = self.ring.snapshot()
        for index in 0..<(batch.series.count + metadata.count) {
            let token = index < batch.series.count
                ? SeriesToken.token(tenant: tenant, batch: batch, series: index)
                : SeriesToken.metadataToken(tenant: tenant, metricFamilyName: metadata[index - batch.series.count].metricFamilyName)
            let set: ReplicationSet
            do {
                set = try ring.replicationSet(forKey: token, operation: .write)
            } catch {
                throw .unavailable("no ingesters to write to: \(error)")
            }
            // Zone-aware sets hold one instance per zone, so an unavailable zone is one failure.
            let tolerated = max(set.maxErrors, set.maxUnavailableZones)
            plan.required.append(Int32(set.instances.count - tolerated))
            plan.allowedFailures.append(Int32(tolerated))
            for instance in set.instances {
                let slot: Int
                if let known = slotByInstance[instance.id] {
                    slot = known
                } else {
                    slot = plan.targets.count
                    slotByInstance[instance.id] = slot
                    plan.targets.append(PushPlan.Target(instance: instance, series: []))
                }
                if index < batch.series.count {
                    plan.targets[slot].series.append(index)
                } else {
                    plan.targets[slot].metadata.append(index - batch.series.count)
                }
            }
        }
        return plan
    }

    private func counters(for ingester: String) -> IngesterCounters {
        perIngester.withLock { cache in
            if let hit = cache[ingester] { return hit }
            let dims = [("ingester", ingester)]
            let made = IngesterCounters(
                appends: Counter(label: "strata_distributor_ingester_appends_total", dimensions: dims, factory: factory),
                failures: Counter(label: "strata_distributor_ingester_append_failures_total", dimensions: dims, factory: factory))
            cache[ingester] = made
            return made
        }
    }
}

/// Which ingester gets which series, and how many answers each series needs.
struct PushPlan {
    struct Target {
        var instance: InstanceDesc
        var series: [Int]
        /// Indices of the metadata entries this ingester gets.
        var metadata: [Int] = []

        /// Its quorum items: the series, then the metadata entries after `seriesCount`.
        func items(seriesCount: Int) -> [Int] {
            metadata.isEmpty ? series : series + metadata.map { $0 + seriesCount }
        }
    }

    var targets: [Target] = []
    /// Series in the batch: quorum items from here on are metadata entries.
    var seriesCount = 0
    /// Per quorum item (series, then metadata entry): successful writes needed.
    var required: [Int32] = []
    /// Per quorum item: failed writes tolerated.
    var allowedFailures: [Int32] = []
}

/// Counts, per series, the replicas that wrote it and the ones that failed.
struct QuorumTracker {
    private let plan: PushPlan
    private var successes: [Int32]
    private var failures: [Int32]
    private var seriesWithoutQuorum: Int
    private var appended = 0
    private var appendedHistograms = 0
    private var appendedExemplars = 0
    private var rejected: [ErrorID: Int] = [:]
    private var firstError: IngestRejection?
    /// Series × replica answers summed into `appended` and `rejected`.
    private var coveredSeries = 0

    init(plan: PushPlan) {
        self.plan = plan
        successes = Array(repeating: 0, count: plan.required.count)
        failures = Array(repeating: 0, count: plan.required.count)
        seriesWithoutQuorum = plan.required.count
    }

    var allSeriesHaveQuorum: Bool { seriesWithoutQuorum == 0 }

    mutating func succeeded(slot: Int, result: IngestResult) {
        for index in plan.targets[slot].items(seriesCount: plan.seriesCount) {
            successes[index] += 1
            if successes[index] == plan.required[index] { seriesWithoutQuorum -= 1 }
        }
        appended += result.appendedSamples
        appendedHistograms += result.appendedHistograms
        appendedExemplars += result.appendedExemplars
        for (id, count) in result.rejectedSamples { rejected[id, default: 0] += count }
        if firstError == nil { firstError = result.firstError }
        coveredSeries += plan.targets[slot].series.count
    }

    /// Records a failed replica; returns a quorum item (series, or `seriesCount` + metadata
    /// entry) that can no longer reach its quorum, if any.
    mutating func failed(slot: Int) -> Int? {
        var lost: Int?
        for index in plan.targets[slot].items(seriesCount: plan.seriesCount) {
            failures[index] += 1
            if failures[index] > plan.allowedFailures[index] && lost == nil { lost = index }
        }
        return lost
    }

    /// One result as one ingester would report it: each replica counts the same samples, so the
    /// sums are scaled down by the replicas that answered (rounding refusals up, so that a refusal
    /// by any replica still reaches the client).
    func combinedResult(seriesCount: Int) -> IngestResult {
        guard coveredSeries > 0 else { return IngestResult() }
        let scale = Double(seriesCount) / Double(coveredSeries)
        var result = IngestResult(appendedSamples: Int((Double(appended) * scale).rounded()),
                                  appendedHistograms: Int((Double(appendedHistograms) * scale).rounded()), firstError: firstError,
                                  appendedExemplars: Int((Double(appendedExemplars) * scale).rounded()))
        for (id, count) in rejected where count > 0 {
            result.rejectedSamples[id] = max(1, Int((Double(count) * scale).rounded(.up)))
        }
        return result
    }
}
