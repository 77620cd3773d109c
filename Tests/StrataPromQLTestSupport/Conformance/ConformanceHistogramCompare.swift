import StrataModel

/// Compares histograms as upstream's `compareNativeHistogram` does on `Compact(0)`ed operands:
/// same schema, custom bounds (for custom buckets) and zero threshold, counts, sum and every
/// non-empty bucket almost equal (`ConformanceComparison.almostEqual`), empty buckets ignored;
/// the counter-reset hint only when the expected description wrote one.
enum ConformanceHistogramCompare {
    /// Compare only what the query API's JSON shows of a histogram (set by a backend whose
    /// answers come from it): count, sum and the non-empty buckets with their boundaries. The
    /// JSON has no schema, spans, counter-reset hint or empty custom buckets, so a histogram read
    /// back from it cannot be compared on those.
    @TaskLocal static var jsonView = false

    /// Nil when `actual` matches `expected`, else what differs.
    static func difference(_ expected: ConformanceHistogram, _ actual: FloatHistogram) -> String? {
        if jsonView { return jsonDifference(expected.h, actual) }
        let e = expected.h
        let eq = ConformanceComparison.almostEqual
        if e.schema != actual.schema { return "schema \(e.schema) ≠ \(actual.schema)" }
        if !eq(e.count, actual.count, ConformanceComparison.epsilon) { return "count differs" }
        if !eq(e.sum, actual.sum, ConformanceComparison.epsilon) { return "sum differs" }
        if HistogramSchema.isCustom(e.schema) {
            let same = e.customValues.count == actual.customValues.count
                && zip(e.customValues, actual.customValues).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
            if !same { return "custom bounds differ" }
        }
        if e.zeroThreshold != actual.zeroThreshold { return "zero threshold differs" }
        if !eq(e.zeroCount, actual.zeroCount, ConformanceComparison.epsilon) { return "zero bucket count differs" }
        if let why = bucketDifference(nonEmpty(e.positiveSpans, e.positiveBuckets), nonEmpty(actual.positiveSpans, actual.positiveBuckets)) {
            return "positive buckets: \(why)"
        }
        if let why = bucketDifference(nonEmpty(e.negativeSpans, e.negativeBuckets), nonEmpty(actual.negativeSpans, actual.negativeBuckets)) {
            return "negative buckets: \(why)"
        }
        if expected.hintSet && e.counterResetHint != actual.counterResetHint {
            return "counter reset hint \(e.counterResetHint) ≠ \(actual.counterResetHint)"
        }
        return nil
    }

    /// The comparison of `jsonView`: count, sum, and every non-empty bucket's boundaries,
    /// their inclusiveness and its count, in the API's order.
    static func jsonDifference(_ e: FloatHistogram, _ actual: FloatHistogram) -> String? {
        let eq = ConformanceComparison.almostEqual
        if !eq(e.count, actual.count, ConformanceComparison.epsilon) { return "count differs" }
        if !eq(e.sum, actual.sum, ConformanceComparison.epsilon) { return "sum differs" }
        let x = e.allBuckets().filter { $0.count != 0 }, y = actual.allBuckets().filter { $0.count != 0 }
        if x.count != y.count { return "\(x.count) non-empty buckets ≠ \(y.count)" }
        for (a, b) in zip(x, y) {
            let same = eq(a.lower, b.lower, ConformanceComparison.epsilon) && eq(a.upper, b.upper, ConformanceComparison.epsilon)
                && a.lowerInclusive == b.lowerInclusive && a.upperInclusive == b.upperInclusive
            if !same { return "bucket (\(a.lower), \(a.upper)] ≠ (\(b.lower), \(b.upper)]" }
            if !eq(a.count, b.count, ConformanceComparison.epsilon) { return "bucket (\(a.lower), \(a.upper)]: \(a.count) ≠ \(b.count)" }
        }
        return nil
    }

    /// The buckets with a non-zero count, by absolute index, ascending.
    static func nonEmpty(_ spans: [HistogramSpan], _ counts: [Double]) -> [(index: Int32, count: Double)] {
        var out: [(index: Int32, count: Double)] = []
        for (i, index) in HistogramSpan.bucketIndexes(spans).enumerated() where i < counts.count && counts[i] != 0 {
            out.append((index, counts[i]))
        }
        return out
    }

    private static func bucketDifference(_ e: [(index: Int32, count: Double)], _ a: [(index: Int32, count: Double)]) -> String? {
        if e.count != a.count { return "\(e.count) non-empty ≠ \(a.count) non-empty" }
        for (x, y) in zip(e, a) {
            if x.index != y.index { return "bucket index \(x.index) ≠ \(y.index)" }
            if !ConformanceComparison.almostEqual(x.count, y.count) { return "bucket \(x.index): \(x.count) ≠ \(y.count)" }
        }
        return nil
    }
}

/// Histograms in the script notation, for failure messages.
enum ConformanceHistogramFormat {
    static func describe(_ h: FloatHistogram) -> String {
        var parts = ["schema:\(h.schema)", "count:\(ConformanceFormat.float(h.count))", "sum:\(ConformanceFormat.float(h.sum))"]
        if h.zeroCount != 0 || h.zeroThreshold != 0 {
            parts.append("z_bucket:\(ConformanceFormat.float(h.zeroCount))")
            parts.append("z_bucket_w:\(ConformanceFormat.float(h.zeroThreshold))")
        }
        if !h.customValues.isEmpty { parts.append("custom_values:[\(h.customValues.map(ConformanceFormat.float).joined(separator: " "))]") }
        func list(_ spans: [HistogramSpan], _ counts: [Double]) -> String {
            let idx = HistogramSpan.bucketIndexes(spans)
            return "[" + zip(idx, counts).map { "\($0):\(ConformanceFormat.float($1))" }.joined(separator: " ") + "]"
        }
        if !h.positiveBuckets.isEmpty { parts.append("buckets:\(list(h.positiveSpans, h.positiveBuckets))") }
        if !h.negativeBuckets.isEmpty { parts.append("n_buckets:\(list(h.negativeSpans, h.negativeBuckets))") }
        if h.counterResetHint != .unknown { parts.append("counter_reset_hint:\(h.counterResetHint)") }
        return "{{" + parts.joined(separator: " ") + "}}"
    }
}
