import Foundation
import StrataModel
import StrataPromQL

/// Turns the native histograms of a query API answer (`ComparisonAnswer.HistogramJSON`, from
/// `"histogram": [t, {…}]` of vector samples and `"histograms": [[t, {…}], …]` of matrix
/// series) back into the engine's value type, for the HTTP conformance backend.
///
/// The JSON lists buckets by boundaries, without schema or spans, so the histogram is rebuilt:
/// a bucket `[-x, x]` is the zero bucket; buckets whose bounds are consecutive powers of
/// `2^(2^-s)` give schema `s` and their indexes; anything else is read as custom buckets whose
/// bounds are the listed buckets' bounds (an empty custom bucket is not in the JSON; its bounds
/// show only where they bound a listed bucket).
enum ConformanceHTTPHistograms {
    /// The histogram `json` describes.
    static func histogram(_ json: ComparisonAnswer.HistogramJSON) -> FloatHistogram {
        var h = FloatHistogram(count: json.count, sum: json.sum)
        let buckets = json.buckets
        var rest: [(rule: Int, lower: Double, upper: Double, count: Double)] = []
        for b in buckets {
            if b.rule == 3 && b.lower == -b.upper {
                h.zeroThreshold = b.upper
                h.zeroCount = b.count
            } else {
                rest.append(b)
            }
        }
        if let schema = exponentialSchema(rest) {
            h.schema = schema
            var positive: [Int32: Double] = [:], negative: [Int32: Double] = [:]
            let scale = pow(2, Double(schema))
            for b in rest {
                if b.upper > 0 {
                    positive[Int32((log2(b.upper) * scale).rounded())] = b.count
                } else {
                    negative[Int32((log2(-b.lower) * scale).rounded())] = b.count
                }
            }
            (h.positiveSpans, h.positiveBuckets) = spans(positive)
            (h.negativeSpans, h.negativeBuckets) = spans(negative)
        } else {
            h.schema = HistogramSchema.customBuckets
            // Both bounds of every listed bucket are custom bounds: an empty bucket before a
            // listed one shows only as the listed one's lower bound.
            var bounds: [Double] = []
            for b in rest { for v in [b.lower, b.upper] where v.isFinite && !bounds.contains(v) { bounds.append(v) } }
            bounds.sort()
            h.customValues = bounds
            var positive: [Int32: Double] = [:]
            for b in rest {
                let index = b.upper.isFinite ? (bounds.firstIndex(of: b.upper) ?? bounds.count) : bounds.count
                positive[Int32(index)] = b.count
            }
            (h.positiveSpans, h.positiveBuckets) = spans(positive)
        }
        return h
    }

    /// The schema all `buckets` fit (each spanning one step of `2^(2^-schema)`), or nil.
    private static func exponentialSchema(_ buckets: [(rule: Int, lower: Double, upper: Double, count: Double)]) -> Int32? {
        var schema: Int32? = nil
        for b in buckets {
            let lo = abs(b.lower), hi = abs(b.upper)
            guard lo > 0, hi > 0, lo.isFinite, hi.isFinite else { return nil }
            let ratio = max(lo, hi) / min(lo, hi)
            let s = Int32((-log2(log2(ratio))).rounded())
            guard s >= HistogramSchema.minExponential, s <= HistogramSchema.maxExponential,
                  abs(pow(2, pow(2, -Double(s))) - ratio) <= 1e-9 * ratio else { return nil }
            if let known = schema, known != s { return nil }
            schema = s
        }
        return schema ?? 0
    }

    private static func spans(_ buckets: [Int32: Double]) -> ([HistogramSpan], [Double]) {
        var spans: [HistogramSpan] = []
        var counts: [Double] = []
        var previous: Int32? = nil
        for index in buckets.keys.sorted() {
            if let p = previous, index == p + 1 {
                spans[spans.count - 1].length += 1
            } else {
                spans.append(HistogramSpan(offset: previous.map { index - $0 - 1 } ?? index, length: 1))
            }
            counts.append(buckets[index] ?? 0)
            previous = index
        }
        return (spans, counts)
    }
}
