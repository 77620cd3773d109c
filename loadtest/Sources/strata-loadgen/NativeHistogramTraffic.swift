import Foundation
import StrataModel

/// Native-histogram traffic (`-native-histogram-ratio`): a share of the fleet's series sends
/// integer-count native histograms instead of floats, shaped like a Prometheus client library's
/// request-duration histogram — a counter histogram whose bucket counts only grow between
/// scrapes (until a counter reset), with a fixed set of populated buckets laid out in a few spans.

/// Which remote-write protobuf message the requests carry (`-remote-write-version`).
enum RemoteWriteVersion: Int, Sendable, Equatable {
    /// `prometheus.WriteRequest` (remote write 1.0).
    case v1 = 1
    /// `io.prometheus.write.v2.Request` (remote write 2.0, what Prometheus 3 sends histograms with).
    case v2 = 2
}

/// The shape of the generated native histograms.
struct NativeHistogramShape: Sendable, Equatable {
    /// Share of the fleet's series that are native histograms, in [0, 1]; 0 = float-only traffic.
    var ratio = 0.0
    /// Exponential schema (-4…8); Prometheus client libraries default to 3 (bucket factor ≈ 1.09).
    var schema: Int32 = 3
    /// Populated positive buckets per histogram.
    var buckets = 20

    /// Largest `-native-histogram-buckets`: Prometheus's own default bucket limit is 160.
    static let maxBuckets = 160
    /// Prometheus's default zero threshold (2⁻¹²⁸), what client libraries send.
    static let zeroThreshold = 0x1p-128

    /// Whether series `hash` of the fleet is a histogram: a fixed draw per series from its label
    /// hash, so the same series are histograms whatever the seed, and about `ratio` of them are.
    func selects(seriesHash hash: UInt64) -> Bool {
        guard ratio > 0 else { return false }
        return Double(mix(hash ^ 0x6e61_7469_7665_6869) >> 11) * 0x1p-53 < ratio
    }

    /// The spans of `buckets` populated buckets starting at bucket index `first`: up to three
    /// spans (one per six buckets, as sparse observations leave gaps), separated by gaps of
    /// one or two empty buckets.
    static func spans(first: Int32, buckets: Int) -> [HistogramSpan] {
        let count = max(1, min(3, buckets / 6))
        var spans: [HistogramSpan] = []
        var left = buckets
        for i in 0..<count {
            let length = i == count - 1 ? left : buckets / count
            left -= length
            spans.append(HistogramSpan(offset: i == 0 ? first : Int32(1 + i % 2), length: UInt32(length)))
        }
        return spans
    }
}

/// The evolving state of one native-histogram series: absolute bucket counts that grow scrape
/// after scrape at a per-series rate, spread over the buckets in a bell shape.
struct HistogramSeriesState: Sendable {
    private var rng: SplitMix64
    let schema: Int32
    /// The bucket layout (fixed for the series' life, shared by every sample).
    let spans: [HistogramSpan]
    /// Each bucket's share of the observations (sums to ~1).
    private let weights: [Double]
    /// A typical observation of each bucket (the middle of its bounds), for the sum.
    private let midpoints: [Double]
    /// Observations per second.
    private let perSecond: Double
    /// Absolute counts of the populated buckets.
    private(set) var counts: [Int64]
    private(set) var zeroCount: UInt64
    private(set) var count: UInt64
    private(set) var sum: Double

    /// Share of observations that land in the zero bucket (exact zeros, e.g. cache hits).
    private static let zeroShare = 0.001

    /// The initial state: as if the process had been up for up to three days, every bucket
    /// populated.
    init(seriesHash: UInt64, seed: UInt64, shape: NativeHistogramShape) {
        rng = SplitMix64(seed: mix(seed ^ seriesHash ^ 0x6869_7374))
        schema = shape.schema
        let n = shape.buckets
        // Buckets per power of two: 2^schema. Observations center between ~1 ms and ~100 ms.
        let perOctave = Foundation.pow(2, Double(shape.schema))
        let centerLog2 = -10 + 6.6 * rng.unit()
        let first = Int32((centerLog2 * perOctave).rounded(.down)) - Int32(n / 2)
        spans = NativeHistogramShape.spans(first: first, buckets: n)
        let indexes = HistogramSpan.bucketIndexes(spans)
        midpoints = indexes.map { i in
            let upper = Foundation.exp2(Double(i) / perOctave)
            let lower = Foundation.exp2(Double(i - 1) / perOctave)
            return (upper + lower) / 2
        }
        let center = Double(n - 1) * (0.35 + 0.3 * rng.unit())
        let width = max(1, Double(n) / 4)
        let raw = (0..<n).map { b in Foundation.exp(-((Double(b) - center) / width) * ((Double(b) - center) / width)) + 0.002 }
        let total = raw.reduce(0, +)
        weights = raw.map { $0 / total }
        perSecond = 20 * Foundation.exp(2 * rng.unit() - 1)
        let observed = perSecond * rng.unit() * 3 * 86_400
        counts = weights.map { Int64(($0 * observed).rounded(.down)) + 1 }
        zeroCount = UInt64((observed * Self.zeroShare).rounded(.down))
        count = zeroCount + UInt64(counts.reduce(0, +))
        sum = zip(counts, midpoints).reduce(0) { $0 + Double($1.0) * $1.1 }
    }

    /// Advances to the next scrape, `interval` seconds later: the counts grow by about
    /// `perSecond × interval` observations (whole numbers, stochastically rounded per bucket),
    /// or first drop to zero with probability `resetProbability` (a process restart).
    mutating func advance(interval: Double, resetProbability: Double) {
        if resetProbability > 0 && rng.unit() < resetProbability {
            for i in counts.indices { counts[i] = 0 }
            zeroCount = 0
            count = 0
            sum = 0
        }
        let observations = perSecond * interval * (0.7 + 0.6 * rng.unit())
        var added: Int64 = 0
        var addedSum = 0.0
        for i in counts.indices {
            let inc = Int64((weights[i] * observations + rng.unit()).rounded(.down))
            counts[i] += inc
            added += inc
            addedSum += Double(inc) * midpoints[i]
        }
        let zeroInc = UInt64((observations * Self.zeroShare + rng.unit()).rounded(.down))
        zeroCount += zeroInc
        count += UInt64(added) + zeroInc
        sum += addedSum
    }

    /// The current value as a remote-write histogram: delta-encoded bucket counts, hint unknown
    /// (a sender does not know about resets; the receiver detects them).
    var histogram: Histogram {
        var deltas = [Int64](repeating: 0, count: counts.count)
        var previous: Int64 = 0
        for i in counts.indices {
            deltas[i] = counts[i] - previous
            previous = counts[i]
        }
        return Histogram(counterResetHint: .unknown, schema: schema, zeroThreshold: NativeHistogramShape.zeroThreshold,
                         zeroCount: zeroCount, count: count, sum: sum, positiveSpans: spans, positiveBuckets: deltas)
    }
}
