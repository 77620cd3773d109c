import StrataModel
import Testing

@Suite struct FloatHistogramKahanTests {
    /// Adds `histograms` the way `sum_over_time` does: Kahan additions, then the compensation.
    private func kahanSum(_ histograms: [FloatHistogram]) throws -> FloatHistogram {
        var sum = histograms[0]
        var compensation: FloatHistogram?
        for h in histograms.dropFirst() {
            compensation = try sum.kahanAdd(h, compensation: compensation).compensation
        }
        if let compensation { try sum.add(compensation) }
        return sum
    }

    /// From the PromQL corpus: sums 1, 1e100, 1, -1e100 add up to 2 only with compensation.
    @Test func recoversWhatPlainAdditionLoses() throws {
        let sums: [Double] = [1, 1e100, 1, -1e100]
        let histograms = sums.enumerated().map { i, s in FloatHistogram(schema: 0, count: Double(i + 1), sum: s) }
        let total = try kahanSum(histograms)
        #expect(total.sum == 2 && total.count == 10)
        var plain = histograms[0]
        for h in histograms.dropFirst() { try plain.add(h) }
        #expect(plain.sum == 0)
    }

    /// 2^53 + 1 + 1: plain addition stays at 2^53 in every bucket and the zero count.
    @Test func compensatesBucketsAndZeroCount() throws {
        let big = 9_007_199_254_740_992.0
        func h(_ v: Double) -> FloatHistogram {
            FloatHistogram(schema: 0, zeroThreshold: 0.001, zeroCount: v, count: v, sum: v,
                           positiveSpans: [fhSpan(0, 1)], positiveBuckets: [v], negativeSpans: [fhSpan(2, 1)], negativeBuckets: [v])
        }
        let total = try kahanSum([h(big), h(1), h(1)])
        #expect(total.positiveBuckets == [big + 2] && total.negativeBuckets == [big + 2])
        #expect(total.zeroCount == big + 2 && total.count == big + 2 && total.sum == big + 2)
        let custom = { (v: Double, bounds: [Double]) in
            FloatHistogram(schema: -53, count: v, sum: v, positiveSpans: [fhSpan(0, 1)], positiveBuckets: [v], customValues: bounds)
        }
        let matching = try kahanSum([custom(big, [5]), custom(1, [5]), custom(1, [5])])
        #expect(matching.positiveBuckets == [big + 2] && matching.customValues == [5])
        // The third one has other bounds: the running compensation survives the remapping.
        var sum = custom(big, [5])
        let first = try sum.kahanAdd(custom(1, [5]), compensation: nil)
        let second = try sum.kahanAdd(custom(1, [5, 10]), compensation: first.compensation)
        #expect(second.report.customBoundsReconciled)
        try sum.add(second.compensation)
        #expect(sum.positiveBuckets == [big + 2] && sum.customValues == [5])
    }

    /// Layout changes behave like `add`: the lower schema and the wider zero bucket win, and
    /// the compensation keeps the result's layout.
    @Test func layoutFollowsAdd() throws {
        let fine = FloatHistogram(schema: 1, zeroThreshold: 0.001, zeroCount: 1, count: 11, sum: 20,
                                  positiveSpans: [fhSpan(-1, 5)], positiveBuckets: [1, 1, 2, 3, 4])
        let coarse = FloatHistogram(counterResetHint: .notCounterReset, schema: 0, zeroThreshold: 0.5, zeroCount: 1,
                                    count: 31, sum: 40, positiveSpans: [fhSpan(0, 2)], positiveBuckets: [10, 20])
        var kahan = fine
        let (compensation, report) = try kahan.kahanAdd(coarse, compensation: nil)
        var plain = fine
        try plain.add(coarse)
        #expect(kahan == plain)
        #expect(!report.counterResetCollision && !report.customBoundsReconciled)
        #expect(compensation.positiveSpans == kahan.positiveSpans)
        #expect(compensation.positiveBuckets.count == kahan.positiveBuckets.count)
        #expect(compensation.schema == 0 && compensation.zeroThreshold == 0.5)
        #expect(compensation.counterResetHint == kahan.counterResetHint)
        #expect(throws: HistogramOperationError.mixedExponentialAndCustom) {
            try kahan.kahanAdd(FloatHistogram(schema: -53, customValues: [1]), compensation: compensation)
        }
    }

    @Test func overflow() {
        #expect(!FloatHistogram(count: 1).hasOverflow)
        #expect(FloatHistogram(count: .infinity).hasOverflow)
        #expect(FloatHistogram(positiveSpans: [fhSpan(0, 1)], positiveBuckets: [-.infinity]).hasOverflow)
    }
}
