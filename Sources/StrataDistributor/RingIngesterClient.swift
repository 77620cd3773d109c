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
        let plan = try makePlan(tenant: tenant, batch: batch)
        if plan.targets.isEmpty { return IngestResult() }

        let (stream, continuation) = AsyncStream<(Int, Result<IngestResult, IngesterError>)>.makeStream()
        for (slot, target) in plan.targets.enumerated() {
            let client = clients(target.instance)
            let sub = batch.keeping(series: target.series)
            let counters = counters(for: target.instance.id)
            // Unstructured on purpose: a replica still writing when the quorum is reached must
            // get its copy, so it is not cancelled when this call returns.
            Task {
                counters.appends.increment()
                let result: Result<IngestResult, IngesterError>
                do throws(IngesterError) {
                    result = .success(try await client.push(tenant: tenant, batch: sub))
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
                if let failedSeries = tracker.failed(slot: slot) {
                    continuation.finish()
                    throw .unavailable(
                        "series \(batch.labels(of: failedSeries)) could not reach a quorum of ingesters: "
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

    /// Looks up each series' replication set and groups the series by ingester.
    private func makePlan(tenant: TenantID, batch: SeriesBatch) throws(IngesterError) -> PushPlan {
        var plan = PushPlan()
        plan.required.reserveCapacity(batch.series.count)
        plan.allowedFailures.reserveCapacity(batch.series.count)
        var slotByInstance: [String: Int] = [:]
        let ring = self.ring.snapshot()
        for index in batch.series.indices {
            let token = SeriesToken.token(tenant: tenant, batch: batch, series: index)
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
                if let slot = slotByInstance[instance.id] {
                    plan.targets[slot].series.append(index)
                } else {
                    slotByInstance[instance.id] = plan.targets.count
                    plan.targets.append(PushPlan.Target(instance: instance, series: [index]))
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
    }

    var targets: [Target] = []
    /// Per series: successful writes needed.
    var required: [Int32] = []
    /// Per series: failed writes tolerated.
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
        for index in plan.targets[slot].series {
            successes[index] += 1
            if successes[index] == plan.required[index] { seriesWithoutQuorum -= 1 }
        }
        appended += result.appendedSamples
        appendedHistograms += result.appendedHistograms
        for (id, count) in result.rejectedSamples { rejected[id, default: 0] += count }
        if firstError == nil { firstError = result.firstError }
        coveredSeries += plan.targets[slot].series.count
    }

    /// Records a failed replica; returns a series that can no longer reach its quorum, if any.
    mutating func failed(slot: Int) -> Int? {
        var lost: Int?
        for index in plan.targets[slot].series {
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
                                  appendedHistograms: Int((Double(appendedHistograms) * scale).rounded()), firstError: firstError)
        for (id, count) in rejected where count > 0 {
            result.rejectedSamples[id] = max(1, Int((Double(count) * scale).rounded(.up)))
        }
        return result
    }
}
