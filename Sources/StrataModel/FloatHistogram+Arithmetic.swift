/// Why two histograms cannot be combined.
public enum HistogramOperationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One histogram has exponential buckets, the other custom buckets (Prometheus: "vector
    /// contains a mix of histograms with exponential and custom buckets schemas").
    case mixedExponentialAndCustom
    /// Anything else Prometheus refuses to combine, e.g. a schema outside -4…8 and -53.
    case incompatibleSchema

    /// The reason in words.
    public var description: String {
        switch self {
        case .mixedExponentialAndCustom:
            return "cannot apply this operation on histograms with a mix of exponential and custom bucket schemas"
        case .incompatibleSchema:
            return "cannot apply this operation on histograms with incompatible schemas"
        }
    }
}

/// What an addition or subtraction had to do besides adding, for PromQL's annotations.
public struct HistogramCombineReport: Sendable, Equatable {
    /// One histogram said "counter reset", the other "no counter reset"; the result's hint
    /// became `unknown` (PromQL warns: "conflicting counter resets during histogram …").
    public var counterResetCollision: Bool
    /// The custom bounds differed and the result uses the bounds both have in common
    /// (PromQL informs: "mismatched custom buckets were reconciled during …").
    public var customBoundsReconciled: Bool

    /// Creates a report.
    public init(counterResetCollision: Bool = false, customBoundsReconciled: Bool = false) {
        self.counterResetCollision = counterResetCollision
        self.customBoundsReconciled = customBoundsReconciled
    }
}

extension FloatHistogram {
    /// Adds `other` (Prometheus `FloatHistogram.Add`): counts, sums, zero counts and buckets
    /// add up; the result has the lower of the two schemas; the wider zero bucket wins and the
    /// narrower side's buckets inside it are folded into it; buckets missing on this side are
    /// inserted. Custom-bucket histograms with equal bounds add bucket by bucket; with
    /// different bounds both are mapped onto the bounds they have in common, and the result
    /// is `true`. The counter-reset hint follows Prometheus (see `combine`).
    @discardableResult
    public mutating func add(_ other: FloatHistogram) throws(HistogramOperationError) -> Bool {
        try combine(other, subtracting: false).customBoundsReconciled
    }

    /// Subtracts `other`, otherwise exactly as `add` (Prometheus `FloatHistogram.Sub`). Buckets
    /// may become negative. Like Prometheus, this keeps the hint logic of `add`; the PromQL `-`
    /// operator sets the result's hint to `gauge` itself.
    @discardableResult
    public mutating func subtract(_ other: FloatHistogram) throws(HistogramOperationError) -> Bool {
        try combine(other, subtracting: true).customBoundsReconciled
    }

    /// `add` or `subtract` with everything PromQL needs for its annotations.
    ///
    /// The counter-reset hint of the result: equal hints stay; a gauge on either side makes a
    /// gauge; otherwise an unknown on either side makes unknown; "reset" against "not reset"
    /// makes unknown and is reported as a collision.
    public mutating func combine(_ other: FloatHistogram, subtracting: Bool) throws(HistogramOperationError) -> HistogramCombineReport {
        try checkCombinable(with: other)
        var report = HistogramCombineReport()
        report.counterResetCollision = adjustCounterResetHint(other.counterResetHint)
        if !usesCustomBuckets {
            let otherZeroCount = reconcileZeroBuckets(with: other)
            if subtracting { zeroCount -= otherZeroCount } else { zeroCount += otherZeroCount }
        }
        if subtracting {
            count -= other.count
            sum -= other.sum
        } else {
            count += other.count
            sum += other.sum
        }

        let mine = Self.indexedBuckets(positiveSpans, positiveBuckets)
        let theirs = Self.indexedBuckets(other.positiveSpans, other.positiveBuckets)
        if usesCustomBuckets {
            if Self.customBoundsMatch(customValues, other.customValues) {
                setPositive(Self.merged(mine, theirs, subtracting: subtracting, schema: schema, threshold: 0))
            } else {
                report.customBoundsReconciled = true
                let common = Self.commonBounds(customValues, other.customValues)
                setPositive(Self.mappedOntoCommonBounds(mine, customValues, theirs, other.customValues,
                                                        common: common, subtracting: subtracting))
                customValues = common
            }
            return report
        }

        var myPositive = mine, myNegative = Self.indexedBuckets(negativeSpans, negativeBuckets)
        var theirPositive = theirs, theirNegative = Self.indexedBuckets(other.negativeSpans, other.negativeBuckets)
        if other.schema < schema {
            myPositive = Self.reduced(myPositive, from: schema, to: other.schema)
            myNegative = Self.reduced(myNegative, from: schema, to: other.schema)
            schema = other.schema
        } else if other.schema > schema {
            theirPositive = Self.reduced(theirPositive, from: other.schema, to: schema)
            theirNegative = Self.reduced(theirNegative, from: other.schema, to: schema)
        }
        setPositive(Self.merged(myPositive, theirPositive, subtracting: subtracting, schema: schema, threshold: zeroThreshold))
        setNegative(Self.merged(myNegative, theirNegative, subtracting: subtracting, schema: schema, threshold: zeroThreshold))
        return report
    }

    /// The histogram with every count, the sum and the zero count multiplied by `factor`
    /// (Prometheus `Mul`); a negative factor makes it a gauge.
    public func multiplied(by factor: Double) -> FloatHistogram {
        var h = self
        h.zeroCount *= factor
        h.count *= factor
        h.sum *= factor
        for i in h.positiveBuckets.indices { h.positiveBuckets[i] *= factor }
        for i in h.negativeBuckets.indices { h.negativeBuckets[i] *= factor }
        if factor < 0 { h.counterResetHint = .gauge }
        return h
    }

    /// The histogram divided by `divisor` (Prometheus `Div`). Dividing by zero turns count,
    /// sum and zero count into ±Inf/NaN and drops every bucket, as Prometheus does; a negative
    /// divisor makes it a gauge.
    public func divided(by divisor: Double) -> FloatHistogram {
        var h = self
        h.zeroCount /= divisor
        h.count /= divisor
        h.sum /= divisor
        if divisor == 0 {
            h.positiveSpans = []
            h.positiveBuckets = []
            h.negativeSpans = []
            h.negativeBuckets = []
            return h
        }
        for i in h.positiveBuckets.indices { h.positiveBuckets[i] /= divisor }
        for i in h.negativeBuckets.indices { h.negativeBuckets[i] /= divisor }
        if divisor < 0 { h.counterResetHint = .gauge }
        return h
    }

    // MARK: - Helpers shared by the arithmetic

    /// Throws unless `self` and `other` can be added: both exponential (with schemas Prometheus
    /// accepts) or both custom.
    func checkCombinable(with other: FloatHistogram) throws(HistogramOperationError) {
        if usesCustomBuckets != other.usesCustomBuckets { throw .mixedExponentialAndCustom }
        if !usesCustomBuckets && !(Self.isExponential(schema) && Self.isExponential(other.schema)) {
            throw .incompatibleSchema
        }
    }

    /// True for the exponential schemas -4…8.
    static func isExponential(_ schema: Int32) -> Bool {
        schema >= HistogramSchema.minExponential && schema <= HistogramSchema.maxExponential
    }

    /// Prometheus `CustomBucketBoundsMatch`: same number of bounds, each equal.
    static func customBoundsMatch(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0 == $1 }
    }

    /// Applies the counter-reset hint rules of `combine`; true on a reset/not-reset collision.
    mutating func adjustCounterResetHint(_ other: CounterResetHint) -> Bool {
        if other == counterResetHint || counterResetHint == .gauge { return false }
        if other == .gauge {
            counterResetHint = .gauge
            return false
        }
        if counterResetHint == .unknown { return false }
        counterResetHint = .unknown
        return other != .unknown
    }

    mutating func setPositive(_ buckets: [IndexedBucket]) {
        (positiveSpans, positiveBuckets) = Self.spansAndCounts(buckets)
    }

    mutating func setNegative(_ buckets: [IndexedBucket]) {
        (negativeSpans, negativeBuckets) = Self.spansAndCounts(buckets)
    }

    /// `a` with `b` added (or subtracted) bucket by bucket; buckets only `b` has are inserted.
    /// For exponential schemas, `b`'s buckets whose upper bound is within `threshold` are left
    /// out, since the zero bucket already holds them.
    static func merged(_ a: [IndexedBucket], _ b: [IndexedBucket], subtracting: Bool,
                       schema: Int32, threshold: Double) -> [IndexedBucket] {
        let exponential = !HistogramSchema.isCustom(schema)
        var out: [IndexedBucket] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j >= b.count || (i < a.count && a[i].index < b[j].index) {
                out.append(a[i])
                i += 1
                continue
            }
            var entry = b[j]
            j += 1
            if exponential && HistogramBounds.exponential(entry.index, schema: schema) <= threshold {
                continue
            }
            if subtracting { entry.count = -entry.count }
            if i < a.count && a[i].index == entry.index {
                entry.count = a[i].count + entry.count
                i += 1
            }
            out.append(entry)
        }
        return out
    }

    /// The index in `targetSchema` of bucket `index` of `originSchema` (≥ `targetSchema`).
    static func targetIndex(_ index: Int32, from originSchema: Int32, to targetSchema: Int32) -> Int32 {
        let shift = Int64(originSchema) - Int64(targetSchema)
        return Int32(truncatingIfNeeded: ((Int64(index) - 1) >> shift) + 1)
    }

    /// `buckets` merged into the coarser `targetSchema`: counts of buckets that land in the
    /// same target bucket add up (Prometheus `reduceResolution`).
    static func reduced(_ buckets: [IndexedBucket], from originSchema: Int32, to targetSchema: Int32) -> [IndexedBucket] {
        guard originSchema > targetSchema else { return buckets }
        var out: [IndexedBucket] = []
        out.reserveCapacity(buckets.count)
        for b in buckets {
            let target = targetIndex(b.index, from: originSchema, to: targetSchema)
            if let last = out.last, last.index == target {
                out[out.count - 1].count += b.count
            } else {
                out.append(IndexedBucket(index: target, count: b.count))
            }
        }
        return out
    }

    /// The bounds both ascending lists share (Prometheus `intersectCustomBucketBounds`).
    static func commonBounds(_ a: [Double], _ b: [Double]) -> [Double] {
        var out: [Double] = []
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] {
                out.append(a[i])
                i += 1
                j += 1
            } else if a[i] < b[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return out
    }

    /// Both custom-bucket layouts mapped onto `common` (a subset of both bound lists) and
    /// added or subtracted; each source bucket goes to the first common bucket whose upper
    /// bound is at least its own, the rest to `+Inf`. Empty results are left out, as
    /// Prometheus's `addCustomBucketsWithMismatches` does.
    static func mappedOntoCommonBounds(_ a: [IndexedBucket], _ boundsA: [Double],
                                       _ b: [IndexedBucket], _ boundsB: [Double],
                                       common: [Double], subtracting: Bool) -> [IndexedBucket] {
        var target = [Double](repeating: 0, count: common.count + 1)
        func map(_ buckets: [IndexedBucket], _ bounds: [Double], negate: Bool) {
            var commonIndex = 0
            for bucket in buckets {
                var slot = target.count - 1
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
                if negate { target[slot] -= bucket.count } else { target[slot] += bucket.count }
            }
        }
        map(a, boundsA, negate: false)
        map(b, boundsB, negate: subtracting)
        var out: [IndexedBucket] = []
        for (i, c) in target.enumerated() where c != 0 {
            out.append(IndexedBucket(index: Int32(truncatingIfNeeded: i), count: c))
        }
        return out
    }

    /// Widens the zero buckets of `self` and (virtually) of `other` until both have the same
    /// threshold, one not inside a populated bucket of either (Prometheus
    /// `reconcileZeroBuckets`). `self` changes; for `other`, the zero count it would have is
    /// returned.
    mutating func reconcileZeroBuckets(with other: FloatHistogram) -> Double {
        var otherZeroCount = other.zeroCount
        var otherThreshold = other.zeroThreshold
        // Each round moves a threshold past at least one populated bucket, so this many rounds
        // always suffice; the bound only matters for NaN thresholds, which never converge.
        var rounds = positiveBuckets.count + negativeBuckets.count + other.positiveBuckets.count
            + other.negativeBuckets.count + 2
        while otherThreshold != zeroThreshold && rounds > 0 {
            rounds -= 1
            if zeroThreshold > otherThreshold {
                (otherZeroCount, otherThreshold) = other.zeroCountForLargerThreshold(zeroThreshold)
            }
            if otherThreshold > zeroThreshold {
                (zeroCount, zeroThreshold) = zeroCountForLargerThreshold(otherThreshold)
                trimBucketsInZeroBucket()
            }
        }
        return otherZeroCount
    }

    /// The zero count this histogram would have with the zero threshold widened to `larger`
    /// (≥ the current one), and the threshold actually needed: if `larger` falls inside a
    /// populated bucket, the threshold moves up to that bucket's far boundary and the bucket
    /// joins the zero bucket (Prometheus `zeroCountForLargerThreshold`).
    func zeroCountForLargerThreshold(_ larger: Double) -> (count: Double, threshold: Double) {
        if larger == zeroThreshold || usesCustomBuckets { return (zeroCount, larger) }
        var threshold = larger
        let positive = positiveBucketList()
        let negative = negativeBucketList()
        var restarts = negative.count + 1
        while true {
            var total = zeroCount
            for b in positive {
                if b.lower >= threshold { break }
                total += b.count
                if b.upper > threshold {
                    if b.count != 0 { threshold = b.upper }
                    break
                }
            }
            var restart = false
            for b in negative {
                if b.upper <= -threshold { break }
                total += b.count
                if b.lower < -threshold {
                    if b.count != 0 {
                        // The positive side has to be redone with the larger threshold.
                        threshold = -b.lower
                        restart = true
                    }
                    break
                }
            }
            if restart && restarts > 0 {
                restarts -= 1
                continue
            }
            return (total, threshold)
        }
    }

    /// Empties the buckets inside the (just widened) zero bucket, whose counts the zero count
    /// already holds, and compacts the histogram (Prometheus `trimBucketsInZeroBucket`).
    mutating func trimBucketsInZeroBucket() {
        var positive = Self.indexedBuckets(positiveSpans, positiveBuckets)
        for i in positive.indices {
            let lower = HistogramBounds.exponential(positive[i].index &- 1, schema: schema)
            if lower >= zeroThreshold { break }
            positive[i].count = 0
        }
        var negative = Self.indexedBuckets(negativeSpans, negativeBuckets)
        for i in negative.indices {
            let upper = -HistogramBounds.exponential(negative[i].index &- 1, schema: schema)
            if upper <= -zeroThreshold { break }
            negative[i].count = 0
        }
        setPositive(positive)
        setNegative(negative)
        self = compacted(maxEmptyBuckets: 0)
    }
}
