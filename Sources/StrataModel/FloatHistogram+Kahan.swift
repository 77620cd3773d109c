/// A bucket with the compensation term Kahan summation carries for it.
struct CompensatedBucket: Sendable, Equatable {
    var index: Int32
    var value: Double
    var compensation: Double
}

extension FloatHistogram {
    /// Adds `other` with Kahan-Neumaier compensation in every count, the sum, the zero count
    /// and every bucket (Prometheus `KahanAdd`, which `sum`, `avg`, `sum_over_time` and
    /// `avg_over_time` use for histograms).
    ///
    /// `compensation` is the running compensation returned by the previous call for this same
    /// running sum (`nil` on the first call); the returned one has the result's layout, bucket
    /// for bucket, and goes into the next call. When the fold is done, add it once with the
    /// plain `add` (`try sum.add(compensation)`). Layout rules, errors, the counter-reset hint
    /// and the report are those of `add`.
    public mutating func kahanAdd(_ other: FloatHistogram, compensation: FloatHistogram?)
        throws(HistogramOperationError) -> (compensation: FloatHistogram, report: HistogramCombineReport) {
        try checkCombinable(with: other)
        var report = HistogramCombineReport()
        report.counterResetCollision = adjustCounterResetHint(other.counterResetHint)
        // A fresh compensation takes the already adjusted hint; a running one keeps its own, so
        // the final `add` of the compensation does not disturb the result's hint.
        var c = FloatHistogram(counterResetHint: compensation?.counterResetHint ?? counterResetHint)
        var cZeroCount = compensation?.zeroCount ?? 0
        (count, c.count) = KahanSum.inc(other.count, count, compensation?.count ?? 0)
        (sum, c.sum) = KahanSum.inc(other.sum, sum, compensation?.sum ?? 0)

        var mine = Self.compensatedBuckets(positiveSpans, positiveBuckets, compensation?.positiveBuckets ?? [])
        let theirs = Self.compensatedBuckets(other.positiveSpans, other.positiveBuckets, [])
        if usesCustomBuckets {
            if Self.customBoundsMatch(customValues, other.customValues) {
                mine = Self.kahanMerged(mine, theirs) { _ in false }
            } else {
                report.customBoundsReconciled = true
                let common = Self.commonBounds(customValues, other.customValues)
                mine = Self.kahanMappedOntoCommonBounds(mine, customValues, theirs, other.customValues, common: common)
                customValues = common
            }
            c.schema = schema
            c.customValues = customValues
            (positiveSpans, positiveBuckets, c.positiveBuckets) = Self.compensatedLayout(mine)
            c.positiveSpans = positiveSpans
            return (c, report)
        }

        var myNegative = Self.compensatedBuckets(negativeSpans, negativeBuckets, compensation?.negativeBuckets ?? [])
        let otherZeroCount = kahanReconcileZeroBuckets(with: other, compensation: &cZeroCount,
                                                       positive: &mine, negative: &myNegative)
        (zeroCount, cZeroCount) = KahanSum.inc(otherZeroCount, zeroCount, cZeroCount)

        let target = min(schema, other.schema)
        mine = Self.kahanReduced(mine, from: schema, to: target)
        myNegative = Self.kahanReduced(myNegative, from: schema, to: target)
        let theirPositive = Self.kahanReduced(theirs, from: other.schema, to: target)
        let theirNegative = Self.kahanReduced(Self.compensatedBuckets(other.negativeSpans, other.negativeBuckets, []),
                                              from: other.schema, to: target)
        schema = target
        let threshold = zeroThreshold
        let insideZeroBucket: (Int32) -> Bool = { HistogramBounds.exponential($0, schema: target) <= threshold }
        (positiveSpans, positiveBuckets, c.positiveBuckets) =
            Self.compensatedLayout(Self.kahanMerged(mine, theirPositive, skipping: insideZeroBucket))
        (negativeSpans, negativeBuckets, c.negativeBuckets) =
            Self.compensatedLayout(Self.kahanMerged(myNegative, theirNegative, skipping: insideZeroBucket))
        c.schema = schema
        c.zeroThreshold = zeroThreshold
        c.zeroCount = cZeroCount
        c.positiveSpans = positiveSpans
        c.negativeSpans = negativeSpans
        return (c, report)
    }

    /// True when a count, the sum, a bucket or a custom bound is infinite, e.g. after adding
    /// up enough huge histograms (Prometheus `HasOverflow`; `avg` then switches to an
    /// incremental mean).
    public var hasOverflow: Bool {
        zeroCount.isInfinite || count.isInfinite || sum.isInfinite
            || positiveBuckets.contains { $0.isInfinite } || negativeBuckets.contains { $0.isInfinite }
            || customValues.contains { $0.isInfinite }
    }

    // MARK: - Helpers

    /// One side's buckets with their compensation, which shares the side's layout (missing
    /// compensation terms count as 0).
    static func compensatedBuckets(_ spans: [HistogramSpan], _ counts: [Double], _ compensations: [Double]) -> [CompensatedBucket] {
        var padded = compensations
        if padded.count > counts.count { padded.removeLast(padded.count - counts.count) }
        if padded.count < counts.count { padded.append(contentsOf: repeatElement(0, count: counts.count - padded.count)) }
        // The same spans order and merge both arrays the same way.
        let values = indexedBuckets(spans, counts)
        let terms = indexedBuckets(spans, padded)
        return zip(values, terms).map { CompensatedBucket(index: $0.index, value: $0.count, compensation: $1.count) }
    }

    /// Spans, counts and compensation terms for ascending `buckets`.
    static func compensatedLayout(_ buckets: [CompensatedBucket]) -> ([HistogramSpan], [Double], [Double]) {
        let (spans, values) = spansAndCounts(buckets.map { IndexedBucket(index: $0.index, count: $0.value) })
        return (spans, values, buckets.map(\.compensation))
    }

    /// `a` with `b` added by Kahan summation: where both have a bucket, `b`'s value and then
    /// (if any) its compensation are added to `a`'s; buckets only `b` has are taken over with
    /// their compensation, except those `skip` rejects.
    static func kahanMerged(_ a: [CompensatedBucket], _ b: [CompensatedBucket],
                            skipping skip: (Int32) -> Bool) -> [CompensatedBucket] {
        var out: [CompensatedBucket] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i].index < b[j].index) {
                out.append(a[i])
                i += 1
                continue
            }
            let entry = b[j]
            j += 1
            if skip(entry.index) { continue }
            if i < a.count && a[i].index == entry.index {
                var merged = a[i]
                i += 1
                (merged.value, merged.compensation) = KahanSum.inc(entry.value, merged.value, merged.compensation)
                if entry.compensation != 0 {
                    (merged.value, merged.compensation) = KahanSum.inc(entry.compensation, merged.value, merged.compensation)
                }
                out.append(merged)
            } else {
                out.append(entry)
            }
        }
        return out
    }

    /// `buckets` in the coarser `targetSchema`: the first bucket landing in a target bucket
    /// seeds it, every further one is added with compensation.
    static func kahanReduced(_ buckets: [CompensatedBucket], from originSchema: Int32, to targetSchema: Int32) -> [CompensatedBucket] {
        guard originSchema > targetSchema else { return buckets }
        var out: [CompensatedBucket] = []
        out.reserveCapacity(buckets.count)
        for b in buckets {
            let target = targetIndex(b.index, from: originSchema, to: targetSchema)
            if var last = out.last, last.index == target {
                (last.value, last.compensation) = KahanSum.inc(b.value, last.value, last.compensation)
                (last.value, last.compensation) = KahanSum.inc(b.compensation, last.value, last.compensation)
                out[out.count - 1] = last
            } else {
                out.append(CompensatedBucket(index: target, value: b.value, compensation: b.compensation))
            }
        }
        return out
    }

    /// `mappedOntoCommonBounds` with compensation: `a`'s values and compensation terms and
    /// `b`'s values are summed into the common buckets by Kahan summation; empty results are
    /// left out with their compensation.
    static func kahanMappedOntoCommonBounds(_ a: [CompensatedBucket], _ boundsA: [Double],
                                            _ b: [CompensatedBucket], _ boundsB: [Double],
                                            common: [Double]) -> [CompensatedBucket] {
        var values = [Double](repeating: 0, count: common.count + 1)
        var terms = [Double](repeating: 0, count: common.count + 1)
        func map(_ buckets: [CompensatedBucket], _ bounds: [Double]) {
            var commonIndex = 0
            for bucket in buckets {
                var slot = values.count - 1
                if Int(bucket.index) < bounds.count {
                    let bound = bounds[max(0, Int(bucket.index))]
                    while commonIndex < common.count {
                        if common[commonIndex] >= bound {
                            slot = commonIndex
                            break
                        }
                        commonIndex += 1
                    }
                }
                (values[slot], terms[slot]) = KahanSum.inc(bucket.value, values[slot], terms[slot])
                if bucket.compensation != 0 {
                    (values[slot], terms[slot]) = KahanSum.inc(bucket.compensation, values[slot], terms[slot])
                }
            }
        }
        map(a, boundsA)
        map(b, boundsB)
        var out: [CompensatedBucket] = []
        for i in values.indices where values[i] != 0 {
            out.append(CompensatedBucket(index: Int32(truncatingIfNeeded: i), value: values[i], compensation: terms[i]))
        }
        return out
    }

    /// `reconcileZeroBuckets` for the running sum of `kahanAdd`: when this side's zero bucket
    /// widens, the buckets it swallows go into the zero count with their compensation, and
    /// every bucket left empty is dropped (the compaction of `add`). Returns the zero count
    /// `other` would have.
    mutating func kahanReconcileZeroBuckets(with other: FloatHistogram, compensation cZeroCount: inout Double,
                                            positive: inout [CompensatedBucket],
                                            negative: inout [CompensatedBucket]) -> Double {
        var otherZeroCount = other.zeroCount
        var otherThreshold = other.zeroThreshold
        var rounds = positive.count + negative.count + other.positiveBuckets.count + other.negativeBuckets.count + 2
        while otherThreshold != zeroThreshold && rounds > 0 {
            rounds -= 1
            if zeroThreshold > otherThreshold {
                (otherZeroCount, otherThreshold) = other.zeroCountForLargerThreshold(zeroThreshold)
            }
            if otherThreshold > zeroThreshold {
                let s = schema
                let lower: (CompensatedBucket) -> Double = { HistogramBounds.exponential($0.index &- 1, schema: s) }
                let upper: (CompensatedBucket) -> Double = { HistogramBounds.exponential($0.index, schema: s) }
                var threshold = otherThreshold
                var c = cZeroCount
                var restarts = negative.count + 1
                var total = zeroCount
                outer: while true {
                    total = zeroCount
                    for b in positive {
                        if lower(b) >= threshold { break }
                        (total, c) = KahanSum.inc(b.value, total, c)
                        (total, c) = KahanSum.inc(b.compensation, total, c)
                        if upper(b) > threshold {
                            if b.value != 0 { threshold = upper(b) }
                            break
                        }
                    }
                    for b in negative {
                        if -lower(b) <= -threshold { break }
                        (total, c) = KahanSum.inc(b.value, total, c)
                        (total, c) = KahanSum.inc(b.compensation, total, c)
                        if -upper(b) < -threshold {
                            if b.value != 0 && restarts > 0 {
                                // The positive side has to be redone with the larger threshold;
                                // like Prometheus, the compensation gathered so far stays.
                                threshold = upper(b)
                                restarts -= 1
                                continue outer
                            }
                            break
                        }
                    }
                    break
                }
                zeroCount = total
                cZeroCount = c
                zeroThreshold = threshold
                positive.removeAll { lower($0) < threshold || $0.value == 0 }
                negative.removeAll { lower($0) < threshold || $0.value == 0 }
            }
        }
        return otherZeroCount
    }
}
