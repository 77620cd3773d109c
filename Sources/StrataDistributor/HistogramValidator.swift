import StrataLimits
import StrataModel
import StrataWire

/// Validation of one native histogram sample in the distributor, as Prometheus's
/// `ValidateHistogram` / `ValidateFloatHistogram` and Mimir's `validateSampleHistogram`:
///
/// 1. the schema is exponential (−4…8) or custom buckets (−53);
/// 2. the structure is sound: spans cover exactly the buckets sent, spans after the first do
///    not go backwards, no bucket, zero-bucket or total count is negative, an integer
///    histogram's count agrees with its buckets (Prometheus: equal, or at least as large when
///    the sum is NaN), custom bounds are finite and strictly ascending and the spans stay
///    inside them, custom-bucket histograms have no negative or zero buckets, exponential ones
///    no custom bounds;
/// 3. `max_native_histogram_buckets`: over it, the resolution is lowered one schema at a time
///    until the histogram fits (`reduce_native_histogram_over_max_buckets`, the default), and
///    the sample is refused when even schema −4 is over; with reduction off it is refused.
///
/// Stale markers skip 1–3: they carry no buckets and Prometheus stores them as they are.
/// Span lengths and offsets come from the sender, so every sum is done in 64 bits and no
/// bucket layout is expanded before the lengths are known to agree with the counts.
struct HistogramValidator {
    /// 0 = unlimited.
    let maxBuckets: Int
    let reduceOverMax: Bool

    /// What becomes of one sample.
    enum Verdict {
        /// Stored as sent.
        case keep
        /// Stored at a lower resolution, to fit the bucket limit.
        case reduced(HistogramPoint)
        /// Refused.
        case refused(ValidationError)
    }

    init(limits: Limits) {
        maxBuckets = limits.maxNativeHistogramBuckets
        reduceOverMax = limits.reduceNativeHistogramOverMaxBuckets
    }

    /// nil when the sample is stored as sent, the sample at a lower resolution when it had to
    /// be reduced, or why it is refused. `series` renders the series for a message; it is only
    /// called on a refusal.
    func validate(_ point: HistogramPoint, series: () -> String) -> Verdict {
        if point.value.isStale { return .keep }
        let schema = Self.schema(point.value)
        let custom = HistogramSchema.isCustom(schema)
        guard custom || (HistogramSchema.minExponential...HistogramSchema.maxExponential).contains(schema) else {
            return .refused(.invalidNativeHistogramSchema(schema: schema, timestamp: point.timestamp, series: series()))
        }
        if let problem = Self.structuralProblem(point.value) {
            return .refused(.nativeHistogramInvalid(problem: problem, timestamp: point.timestamp, series: series()))
        }
        guard maxBuckets > 0 else { return .keep }
        var value = point.value
        var buckets = Self.bucketCount(value)
        if buckets <= maxBuckets { return .keep }
        guard reduceOverMax else {
            return .refused(.maxNativeHistogramBuckets(timestamp: point.timestamp, series: series(), buckets: buckets, limit: maxBuckets))
        }
        while buckets > maxBuckets {
            let current = Self.schema(value)
            guard !HistogramSchema.isCustom(current), current > HistogramSchema.minExponential else {
                return .refused(.notReducibleNativeHistogram(timestamp: point.timestamp, series: series(),
                                                            buckets: buckets, limit: maxBuckets))
            }
            value = HistogramResolution.reduced(value, to: current - 1)
            buckets = Self.bucketCount(value)
        }
        return .reduced(HistogramPoint(timestamp: point.timestamp, value: value))
    }

    static func schema(_ value: HistogramValue) -> Int32 {
        switch value {
        case .integer(let h): return h.schema
        case .float(let h): return h.schema
        }
    }

    /// Positive + negative buckets, Mimir's measure for the limit.
    static func bucketCount(_ value: HistogramValue) -> Int {
        switch value {
        case .integer(let h): return h.positiveBuckets.count + h.negativeBuckets.count
        case .float(let h): return h.positiveBuckets.count + h.negativeBuckets.count
        }
    }

    // MARK: - Structure

    /// What is wrong with the histogram's layout or counts, in Prometheus's words, or nil.
    static func structuralProblem(_ value: HistogramValue) -> String? {
        switch value {
        case .integer(let h):
            if let p = layoutProblem(schema: h.schema, zeroThreshold: h.zeroThreshold, zeroCountIsZero: h.zeroCount == 0,
                                     positiveSpans: h.positiveSpans, positiveBuckets: h.positiveBuckets.count,
                                     negativeSpans: h.negativeSpans, negativeBuckets: h.negativeBuckets.count,
                                     customValues: h.customValues) {
                return p
            }
            var total = h.zeroCount
            for (side, deltas) in [("negative", h.negativeBuckets), ("positive", h.positiveBuckets)] {
                var current: Int64 = 0
                for (i, delta) in deltas.enumerated() {
                    let (next, overflow) = current.addingReportingOverflow(delta)
                    if overflow { return "\(side) bucket number \(i + 1) overflows a 64-bit count" }
                    current = next
                    if current < 0 {
                        return "\(side) bucket number \(i + 1) has observation count of \(current): histogram has a bucket whose observation count is negative"
                    }
                    let (sum, sumOverflow) = total.addingReportingOverflow(UInt64(current))
                    if sumOverflow { return "the bucket counts add up to more than a 64-bit count" }
                    total = sum
                }
            }
            if h.sum.isNaN {
                if total > h.count {
                    return "\(total) observations found in buckets, but the Count field is \(h.count): histogram's observation count should be at least the number of observations found in the buckets"
                }
            } else if total != h.count {
                return "\(total) observations found in buckets, but the Count field is \(h.count): histogram's observation count should equal the number of observations found in the buckets (in absence of NaN)"
            }
            return nil
        case .float(let h):
            if let p = layoutProblem(schema: h.schema, zeroThreshold: h.zeroThreshold, zeroCountIsZero: h.zeroCount == 0,
                                     positiveSpans: h.positiveSpans, positiveBuckets: h.positiveBuckets.count,
                                     negativeSpans: h.negativeSpans, negativeBuckets: h.negativeBuckets.count,
                                     customValues: h.customValues) {
                return p
            }
            for (side, counts) in [("negative", h.negativeBuckets), ("positive", h.positiveBuckets)] {
                if let i = counts.firstIndex(where: { $0 < 0 }) {
                    return "\(side) bucket number \(i + 1) has observation count of \(counts[i]): histogram has a bucket whose observation count is negative"
                }
            }
            if h.zeroCount < 0 { return "the zero bucket has observation count of \(h.zeroCount): histogram has a bucket whose observation count is negative" }
            if h.count < 0 { return "the Count field is \(h.count): histogram's observation count must not be negative" }
            // Prometheus does not compare a float histogram's count with its buckets: rounding
            // would refuse valid ones.
            return nil
        }
    }

    /// Checks shared by both kinds: spans against bucket counts, and the custom-buckets rules.
    static func layoutProblem(schema: Int32, zeroThreshold: Double, zeroCountIsZero: Bool,
                              positiveSpans: [HistogramSpan], positiveBuckets: Int,
                              negativeSpans: [HistogramSpan], negativeBuckets: Int, customValues: [Double]) -> String? {
        if HistogramSchema.isCustom(schema) {
            if !negativeSpans.isEmpty { return "custom buckets: must have zero negative spans" }
            if negativeBuckets != 0 { return "custom buckets: must have zero negative buckets" }
            if zeroThreshold != 0 { return "custom buckets: must have zero threshold of 0" }
            if !zeroCountIsZero { return "custom buckets: must have zero count of 0" }
        } else if !customValues.isEmpty {
            return "histogram with exponential schema must not have custom bounds"
        }
        if let p = spansProblem("negative", negativeSpans, negativeBuckets) { return p }
        if let p = spansProblem("positive", positiveSpans, positiveBuckets) { return p }
        guard HistogramSchema.isCustom(schema) else { return nil }
        var previous = -Double.infinity
        for (i, bound) in customValues.enumerated() {
            if !bound.isFinite {
                return "custom buckets: bound number \(i + 1) is \(bound); custom bounds must be finite (+Inf is implicit)"
            }
            if i > 0 && bound <= previous {
                return "custom buckets: previous bound is \(previous) and current is \(bound); custom bounds must be strictly increasing"
            }
            previous = bound
        }
        // Bucket i is (bound[i-1], bound[i]]; index len(bounds) is the +Inf bucket.
        if let first = positiveSpans.first, first.offset < 0 {
            return "custom buckets: span number 1 with offset \(first.offset): custom bucket spans must not start below index 0"
        }
        var end: Int64 = 0
        for (i, span) in positiveSpans.enumerated() {
            end += Int64(span.offset) + Int64(span.length)
            if span.length > 0 && end - 1 > Int64(customValues.count) {
                return "custom buckets: span number \(i + 1) reaches bucket index \(end - 1), but there are only \(customValues.count) custom bounds (index \(customValues.count) is +Inf)"
            }
        }
        return nil
    }

    /// Spans after the first must not have negative offsets, and they must cover exactly the
    /// buckets sent.
    static func spansProblem(_ side: String, _ spans: [HistogramSpan], _ buckets: Int) -> String? {
        var covered: Int64 = 0
        for (i, span) in spans.enumerated() {
            if i > 0 && span.offset < 0 {
                return "\(side) side: span number \(i + 1) with offset \(span.offset): histogram has a span whose offset is negative"
            }
            covered += Int64(span.length)
        }
        if covered != Int64(buckets) {
            return "\(side) side: spans need \(covered) buckets, have \(buckets) buckets: histogram spans specify different number of buckets than provided"
        }
        return nil
    }
}
