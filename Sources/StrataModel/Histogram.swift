/// A run of consecutive buckets in a native histogram (Prometheus `histogram.Span`).
///
/// The first span's `offset` is the index of its first bucket; every later span's `offset` is the
/// gap (in buckets) since the end of the previous span. A zero-length span is legal and only
/// shifts the next one.
public struct HistogramSpan: Sendable, Hashable {
    /// Gap to the previous span (or the first bucket's index, for the first span).
    public var offset: Int32
    /// Number of consecutive buckets.
    public var length: UInt32

    /// Creates a span.
    public init(offset: Int32, length: UInt32) {
        self.offset = offset
        self.length = length
    }

    /// The absolute bucket indexes `spans` cover, in order.
    public static func bucketIndexes(_ spans: [HistogramSpan]) -> [Int32] {
        var out: [Int32] = []
        var next: Int64 = 0
        for (i, span) in spans.enumerated() {
            next = i == 0 ? Int64(span.offset) : next &+ Int64(span.offset)
            for _ in 0..<span.length {
                out.append(Int32(truncatingIfNeeded: next))
                next &+= 1
            }
        }
        return out
    }

    /// The number of buckets `spans` cover.
    public static func bucketCount(_ spans: [HistogramSpan]) -> Int {
        spans.reduce(0) { $0 + Int($1.length) }
    }
}

/// What a histogram sample says about a counter reset (Prometheus `histogram.CounterResetHint`,
/// same raw values).
public enum CounterResetHint: UInt8, Sendable {
    /// Nothing is known: a reader compares with the previous sample.
    case unknown = 0
    /// The histogram follows a counter reset.
    case counterReset = 1
    /// The histogram is known not to follow a counter reset.
    case notCounterReset = 2
    /// A gauge histogram: counts may go up and down, there are no counter resets.
    case gauge = 3
}

/// Schemas native histograms use, as Prometheus defines them.
public enum HistogramSchema {
    /// Custom bucket boundaries ("NHCB"): the bounds are in `customValues`, bucket `i` is
    /// `(customValues[i-1], customValues[i]]`, the last one is `(customValues.last, +Inf]`.
    public static let customBuckets: Int32 = -53
    /// Smallest exponential schema.
    public static let minExponential: Int32 = -4
    /// Largest exponential schema.
    public static let maxExponential: Int32 = 8

    /// True for the custom-buckets schema.
    @inlinable
    public static func isCustom(_ schema: Int32) -> Bool { schema == customBuckets }
}

/// A native histogram with integer counts (Prometheus `histogram.Histogram`).
///
/// Bucket counts are delta-encoded as Prometheus keeps them: each entry of `positiveBuckets` is
/// the difference to the previous bucket's count (the first one is absolute), in span order.
public struct Histogram: Sendable, Equatable {
    /// Counter-reset information carried with the sample.
    public var counterResetHint: CounterResetHint
    /// Bucket resolution: exponential schemas -4…8, or `HistogramSchema.customBuckets`.
    public var schema: Int32
    /// Width of the zero bucket `[-zeroThreshold, zeroThreshold]`.
    public var zeroThreshold: Double
    /// Observations in the zero bucket.
    public var zeroCount: UInt64
    /// Total number of observations.
    public var count: UInt64
    /// Sum of observations; the staleness marker makes the whole sample a stale marker.
    public var sum: Double
    /// Spans of the positive buckets.
    public var positiveSpans: [HistogramSpan]
    /// Delta-encoded positive bucket counts, one per bucket the spans cover.
    public var positiveBuckets: [Int64]
    /// Spans of the negative buckets (always empty for custom buckets).
    public var negativeSpans: [HistogramSpan]
    /// Delta-encoded negative bucket counts.
    public var negativeBuckets: [Int64]
    /// Upper bounds of the custom buckets (schema -53 only), ascending, without `+Inf`.
    public var customValues: [Double]

    /// Creates a histogram.
    public init(counterResetHint: CounterResetHint = .unknown, schema: Int32 = 0, zeroThreshold: Double = 0,
                zeroCount: UInt64 = 0, count: UInt64 = 0, sum: Double = 0,
                positiveSpans: [HistogramSpan] = [], positiveBuckets: [Int64] = [],
                negativeSpans: [HistogramSpan] = [], negativeBuckets: [Int64] = [],
                customValues: [Double] = []) {
        self.counterResetHint = counterResetHint
        self.schema = schema
        self.zeroThreshold = zeroThreshold
        self.zeroCount = zeroCount
        self.count = count
        self.sum = sum
        self.positiveSpans = positiveSpans
        self.positiveBuckets = positiveBuckets
        self.negativeSpans = negativeSpans
        self.negativeBuckets = negativeBuckets
        self.customValues = customValues
    }

    /// A staleness marker as Prometheus stores it: only the sum, the marker NaN.
    public static var staleMarker: Histogram { Histogram(sum: StaleNaN.value) }

    /// True when the sample is a staleness marker.
    @inlinable
    public var isStale: Bool { StaleNaN.isStale(sum) }

    /// Bitwise equality (the sum compared by its bits), so NaN sums and stale markers equal themselves.
    public func isIdentical(to other: Histogram) -> Bool {
        var a = self, b = other
        guard a.sum.bitPattern == b.sum.bitPattern, a.zeroThreshold.bitPattern == b.zeroThreshold.bitPattern else { return false }
        a.sum = 0; b.sum = 0
        a.zeroThreshold = 0; b.zeroThreshold = 0
        return a == b
    }

    /// The absolute counts of delta-encoded buckets.
    public static func absolute(_ deltas: [Int64]) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(deltas.count)
        var current: Int64 = 0
        for d in deltas {
            current &+= d
            out.append(current)
        }
        return out
    }

    /// The delta encoding of absolute bucket counts.
    public static func deltas(_ absolute: [Int64]) -> [Int64] {
        var out: [Int64] = []
        out.reserveCapacity(absolute.count)
        var previous: Int64 = 0
        for v in absolute {
            out.append(v &- previous)
            previous = v
        }
        return out
    }

    /// The histogram with float counts, as Prometheus's `ToFloat`.
    public func toFloat() -> FloatHistogram {
        FloatHistogram(counterResetHint: counterResetHint, schema: schema, zeroThreshold: zeroThreshold,
                       zeroCount: Double(zeroCount), count: Double(count), sum: sum,
                       positiveSpans: positiveSpans, positiveBuckets: Self.absolute(positiveBuckets).map(Double.init),
                       negativeSpans: negativeSpans, negativeBuckets: Self.absolute(negativeBuckets).map(Double.init),
                       customValues: customValues)
    }
}

/// A native histogram with float counts (Prometheus `histogram.FloatHistogram`), e.g. the result
/// of a rate or a sample whose counts were scaled. Bucket counts are absolute, not delta-encoded.
public struct FloatHistogram: Sendable, Equatable {
    /// Counter-reset information carried with the sample.
    public var counterResetHint: CounterResetHint
    /// Bucket resolution: exponential schemas -4…8, or `HistogramSchema.customBuckets`.
    public var schema: Int32
    /// Width of the zero bucket `[-zeroThreshold, zeroThreshold]`.
    public var zeroThreshold: Double
    /// Observations in the zero bucket.
    public var zeroCount: Double
    /// Total number of observations.
    public var count: Double
    /// Sum of observations; the staleness marker makes the whole sample a stale marker.
    public var sum: Double
    /// Spans of the positive buckets.
    public var positiveSpans: [HistogramSpan]
    /// Absolute positive bucket counts, one per bucket the spans cover.
    public var positiveBuckets: [Double]
    /// Spans of the negative buckets.
    public var negativeSpans: [HistogramSpan]
    /// Absolute negative bucket counts.
    public var negativeBuckets: [Double]
    /// Upper bounds of the custom buckets (schema -53 only), ascending, without `+Inf`.
    public var customValues: [Double]

    /// Creates a float histogram.
    public init(counterResetHint: CounterResetHint = .unknown, schema: Int32 = 0, zeroThreshold: Double = 0,
                zeroCount: Double = 0, count: Double = 0, sum: Double = 0,
                positiveSpans: [HistogramSpan] = [], positiveBuckets: [Double] = [],
                negativeSpans: [HistogramSpan] = [], negativeBuckets: [Double] = [],
                customValues: [Double] = []) {
        self.counterResetHint = counterResetHint
        self.schema = schema
        self.zeroThreshold = zeroThreshold
        self.zeroCount = zeroCount
        self.count = count
        self.sum = sum
        self.positiveSpans = positiveSpans
        self.positiveBuckets = positiveBuckets
        self.negativeSpans = negativeSpans
        self.negativeBuckets = negativeBuckets
        self.customValues = customValues
    }

    /// A staleness marker as Prometheus stores it: only the sum, the marker NaN.
    public static var staleMarker: FloatHistogram { FloatHistogram(sum: StaleNaN.value) }

    /// True when the sample is a staleness marker.
    @inlinable
    public var isStale: Bool { StaleNaN.isStale(sum) }

    /// Bitwise equality of every float field, so NaNs and stale markers equal themselves.
    public func isIdentical(to other: FloatHistogram) -> Bool {
        func same(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
        }
        return counterResetHint == other.counterResetHint && schema == other.schema
            && zeroThreshold.bitPattern == other.zeroThreshold.bitPattern
            && zeroCount.bitPattern == other.zeroCount.bitPattern && count.bitPattern == other.count.bitPattern
            && sum.bitPattern == other.sum.bitPattern
            && positiveSpans == other.positiveSpans && negativeSpans == other.negativeSpans
            && same(positiveBuckets, other.positiveBuckets) && same(negativeBuckets, other.negativeBuckets)
            && same(customValues, other.customValues)
    }
}

/// One histogram sample: a timestamp in ms and an integer-count histogram.
public struct HistogramSample: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The histogram.
    public var histogram: Histogram

    /// Creates a sample.
    public init(timestamp: Int64, histogram: Histogram) {
        self.timestamp = timestamp
        self.histogram = histogram
    }
}

/// One float-histogram sample: a timestamp in ms and a float-count histogram.
public struct FloatHistogramSample: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The histogram.
    public var histogram: FloatHistogram

    /// Creates a sample.
    public init(timestamp: Int64, histogram: FloatHistogram) {
        self.timestamp = timestamp
        self.histogram = histogram
    }
}

/// A native histogram value as remote write carries it: integer counts (Prometheus's
/// `Histogram`) or float counts (`FloatHistogram`). The head keeps each kind in its own chunk
/// encoding, so the distinction travels from the wire to storage.
public enum HistogramValue: Sendable, Equatable {
    /// Integer counts, stored in histogram chunks.
    case integer(Histogram)
    /// Float counts, stored in float-histogram chunks.
    case float(FloatHistogram)

    /// The value with float counts (what PromQL computes with).
    public func toFloat() -> FloatHistogram {
        switch self {
        case .integer(let h): return h.toFloat()
        case .float(let h): return h
        }
    }

    /// True when the sample is a staleness marker.
    public var isStale: Bool {
        switch self {
        case .integer(let h): return h.isStale
        case .float(let h): return h.isStale
        }
    }
}

/// One native histogram sample of either kind, as a write request carries it.
public struct HistogramPoint: Sendable, Equatable {
    /// Milliseconds since the Unix epoch.
    public var timestamp: Int64
    /// The histogram.
    public var value: HistogramValue

    /// Creates a sample.
    public init(timestamp: Int64, value: HistogramValue) {
        self.timestamp = timestamp
        self.value = value
    }
}
