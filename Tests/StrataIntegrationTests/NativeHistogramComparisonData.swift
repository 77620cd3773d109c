import StrataModel
import StrataTestSupport

/// Two hours of native histograms, generated deterministically, for comparing Strata's
/// histogram queries with a real Prometheus's.
///
/// Samples sit at `7 s + 15 s·k` past `baseSeconds` (never on a window boundary of the queries,
/// which run at 30 s past the minute). The series cover what a histogram query meets:
///
/// - `rpc_duration_seconds{job="api",instance="a"}`: integer counter, schema 0, a zero bucket and
///   six positive buckets, a counter reset half-way;
/// - `rpc_duration_seconds{job="api",instance="b"}`: integer counter, schema 3 (so `sum by (job)`
///   adds two schemas and must reduce the resolution);
/// - `rpc_duration_seconds{job="worker",instance="c"}`: float counter, schema 1, negative and
///   positive buckets, a 0.001 zero threshold;
/// - `queue_depth{job="api"}`: gauge float histogram whose counts go up and down.
struct NativeHistogramComparisonData {
    static let scrapes = 480
    static let intervalMs: Int64 = 15_000

    let baseSeconds: Int64

    func timestampMs(_ k: Int) -> Int64 { (baseSeconds + 7) * 1000 + Int64(k) * Self.intervalMs }

    /// Every series with all its samples.
    var series: [HistogramTestSeries] {
        [
            HistogramTestSeries(labels: [("__name__", "rpc_duration_seconds"), ("instance", "a"), ("job", "api")],
                                histograms: (0..<Self.scrapes).map { seriesA($0) }),
            HistogramTestSeries(labels: [("__name__", "rpc_duration_seconds"), ("instance", "b"), ("job", "api")],
                                histograms: (0..<Self.scrapes).map { seriesB($0) }),
            HistogramTestSeries(labels: [("__name__", "rpc_duration_seconds"), ("instance", "c"), ("job", "worker")],
                                histograms: (0..<Self.scrapes).map { seriesC($0) }),
            HistogramTestSeries(labels: [("__name__", "queue_depth"), ("job", "api")],
                                histograms: (0..<Self.scrapes).map { queueDepth($0) }),
        ]
    }

    /// The samples with timestamps in `[fromMs, toMs)`.
    func slice(fromMs: Int64, toMs: Int64) -> [HistogramTestSeries] {
        series.map { s in
            var copy = s
            copy.histograms = s.histograms.filter { $0.timestamp >= fromMs && $0.timestamp < toMs }
            return copy
        }.filter { !$0.histograms.isEmpty }
    }

    var sampleCount: Int { series.reduce(0) { $0 + $1.histograms.count } }

    /// Integer counter, schema 0, buckets −2…3; restarts (counter reset) at scrape 240. Every
    /// counter starts far from zero, as in `ComparisonDataSet`.
    func seriesA(_ k: Int) -> HistogramPoint {
        let n = UInt64(k < 240 ? 300 + k : 20 + (k - 240))
        let weights: [UInt64] = [1, 3, 5, 4, 2, 1]
        let counts = weights.map { Int64(n * $0) }
        let zero = n / 4
        return HistogramPoint(timestamp: timestampMs(k), value: .integer(Histogram(
            schema: 0, zeroThreshold: 0x1p-128, zeroCount: zero, count: zero + UInt64(counts.reduce(0, +)),
            sum: Double(n) * 1.7 + Double(k % 5) * 0.01,
            positiveSpans: [HistogramSpan(offset: -2, length: 6)], positiveBuckets: Histogram.deltas(counts))))
    }

    /// Integer counter, schema 3, eight buckets from index 0 (bounds 1…2) with a gap.
    func seriesB(_ k: Int) -> HistogramPoint {
        let n = Int64(500 + 2 * k)
        let first = [n, n / 2, 3 * n, n / 3]
        let second = [n / 5, 2 * n, n / 7]
        let counts = first + second
        return HistogramPoint(timestamp: timestampMs(k), value: .integer(Histogram(
            schema: 3, zeroThreshold: 0x1p-128, zeroCount: 0, count: UInt64(counts.reduce(0, +)),
            sum: Double(n) * 10.25,
            positiveSpans: [HistogramSpan(offset: 0, length: 4), HistogramSpan(offset: 2, length: 3)],
            positiveBuckets: Histogram.deltas(counts))))
    }

    /// Float counter, schema 1, negative and positive buckets, zero threshold 0.001.
    func seriesC(_ k: Int) -> HistogramPoint {
        let x = 1000 + Double(k) * 2.5
        let positive = [x * 0.5, x, x * 0.25]
        let negative = [x * 0.125, x * 0.75]
        let zero = x * 0.1
        return HistogramPoint(timestamp: timestampMs(k), value: .float(FloatHistogram(
            schema: 1, zeroThreshold: 0.001, zeroCount: zero, count: zero + positive.reduce(0, +) + negative.reduce(0, +),
            sum: x * 0.375,
            positiveSpans: [HistogramSpan(offset: -1, length: 3)], positiveBuckets: positive,
            negativeSpans: [HistogramSpan(offset: 1, length: 2)], negativeBuckets: negative)))
    }

    /// Gauge float histogram: counts go up and down.
    func queueDepth(_ k: Int) -> HistogramPoint {
        let buckets = [Double(k % 7) + 0.5, Double(12 - k % 5), Double(k % 3) * 2, 1]
        return HistogramPoint(timestamp: timestampMs(k), value: .float(FloatHistogram(
            counterResetHint: .gauge, schema: 0, zeroThreshold: 0x1p-128, zeroCount: 2, count: buckets.reduce(2, +),
            sum: Double(k % 11) * 3.5 + 1,
            positiveSpans: [HistogramSpan(offset: 0, length: 4)], positiveBuckets: buckets)))
    }
}
