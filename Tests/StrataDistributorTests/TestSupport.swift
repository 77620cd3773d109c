import Metrics
import Logging
import StrataDistributor
import StrataIngester
import StrataLimits
import StrataModel
import Synchronization

/// An in-memory ingester: records every push, answers with a scripted result or error.
final class FakeIngester: IngesterClient {
    enum Behaviour: Sendable {
        /// Appends everything.
        case acceptAll
        /// Appends all but `rejected` samples, refused for `id` with `message`.
        case reject(id: ErrorID, count: Int, message: String)
        /// Throws.
        case fail(IngesterError)
    }

    private let pushes = Mutex<[(TenantID, SeriesBatch)]>([])
    private let behaviour: Mutex<Behaviour>

    init(_ behaviour: Behaviour = .acceptAll) {
        self.behaviour = Mutex(behaviour)
    }

    var received: [(tenant: TenantID, batch: SeriesBatch)] { pushes.withLock { $0.map { ($0.0, $0.1) } } }

    /// The metric names of every series received, in order.
    var receivedMetricNames: [String] {
        received.flatMap { push in push.batch.series.indices.map { push.batch.labels(of: $0).metricName ?? "" } }
    }

    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        pushes.withLock { $0.append((tenant, batch)) }
        switch behaviour.withLock({ $0 }) {
        case .acceptAll:
            return IngestResult(appendedSamples: batch.sampleCount + batch.histogramSampleCount,
                                appendedHistograms: batch.histogramSampleCount)
        case .reject(let id, let count, let message):
            // Refusals count against the floats first, so the histograms appended are exact.
            return IngestResult(appendedSamples: batch.sampleCount + batch.histogramSampleCount - count,
                                appendedHistograms: batch.histogramSampleCount - max(0, count - batch.sampleCount),
                                rejectedSamples: [id: count],
                                firstError: IngestRejection(id: id, message: message))
        case .fail(let error):
            throw error
        }
    }
}

/// A metrics factory that keeps every counter's value, keyed by `name{dim="v",…}` with
/// dimensions in the order given.
final class RecordingMetrics: MetricsFactory {
    final class CounterBox: CounterHandler {
        let value = Atomic<Int64>(0)
        func increment(by amount: Int64) { value.add(amount, ordering: .relaxed) }
        func reset() { value.store(0, ordering: .relaxed) }
    }

    private let counters = Mutex<[String: CounterBox]>([:])
    private let made = Atomic<Int>(0)

    static func key(_ label: String, _ dimensions: [(String, String)]) -> String {
        label + "{" + dimensions.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
    }

    /// The counter's value, 0 if it was never created.
    func value(_ label: String, _ dimensions: [(String, String)]) -> Int64 {
        counters.withLock { $0[Self.key(label, dimensions)] }?.value.load(ordering: .relaxed) ?? 0
    }

    /// How many times a counter handler was requested from the factory.
    var handlersMade: Int { made.load(ordering: .relaxed) }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        made.add(1, ordering: .relaxed)
        return counters.withLock { all in
            let key = Self.key(label, dimensions)
            if let box = all[key] { return box }
            let box = CounterBox()
            all[key] = box
            return box
        }
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        NOOPMetricsHandler.instance.makeTimer(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

/// A fixed wall clock for grace-period checks.
let testNow: Int64 = 1_700_000_000_000

/// Builds a batch from (labels in sender order, sample timestamps).
func makeBatch(_ series: [([(String, String)], [Int64])], exemplars: [UInt32] = [], metadata: Int = 0) -> SeriesBatch {
    var batch = SeriesBatch()
    for (i, (labels, timestamps)) in series.enumerated() {
        // Not through `append(labels:)`: that sorts and de-duplicates, and these tests need to
        // send exactly what a misbehaving client would.
        let labelStart = UInt32(batch.labels.count)
        for (name, value) in labels {
            let nameOffset = UInt32(batch.buffer.count)
            batch.buffer.append(contentsOf: name.utf8)
            let valueOffset = UInt32(batch.buffer.count)
            batch.buffer.append(contentsOf: value.utf8)
            batch.labels.append(.init(nameOffset: nameOffset, nameLength: UInt32(name.utf8.count),
                                      valueOffset: valueOffset, valueLength: UInt32(value.utf8.count)))
        }
        let sampleStart = UInt32(batch.samples.count)
        batch.samples.append(contentsOf: timestamps.map { Sample(timestamp: $0, value: Double($0)) })
        batch.series.append(.init(labelStart: labelStart, labelCount: UInt32(labels.count), sampleStart: sampleStart,
                                  sampleCount: UInt32(timestamps.count), exemplarCount: i < exemplars.count ? exemplars[i] : 0))
    }
    batch.metadataCount = metadata
    return batch
}

/// A valid series `name{job="x"}` with `count` samples at `testNow`.
func validSeries(_ name: String, count: Int = 1) -> ([(String, String)], [Int64]) {
    ([("__name__", name), ("job", "x")], (0..<count).map { testNow - Int64($0) })
}

/// A distributor wired to fakes.
struct Harness {
    let distributor: Distributor
    let ingester: FakeIngester
    let metrics: RecordingMetrics
    let overrides: Overrides

    init(limits: Limits = Limits(), ingester: FakeIngester = FakeIngester(),
         clock: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        let overrides = Overrides(defaults: limits)
        let metrics = RecordingMetrics()
        self.overrides = overrides
        self.ingester = ingester
        self.metrics = metrics
        distributor = Distributor(overrides: overrides, ingester: ingester, metricsFactory: metrics,
                                  logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
                                  now: { testNow },
                                  rateLimiter: IngestionRateLimiter(overrides: overrides, now: clock))
    }

    /// Pushes and returns the error, failing the test if there was none.
    func pushExpectingError(_ batch: SeriesBatch, tenant: TenantID = .anonymous) async -> PushError? {
        do {
            _ = try await distributor.push(tenant: tenant, batch: batch)
            return nil
        } catch {
            return error
        }
    }
}
