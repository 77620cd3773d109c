extension FloatHistogram {
    /// True when this histogram, following `previous`, means the counter was reset (Prometheus
    /// `DetectReset`).
    ///
    /// A hint of "reset" or "not reset" is believed without looking. Otherwise (unknown, and
    /// gauge, which PromQL treats as a counter here) it is a reset when the count went down, a
    /// populated bucket of `previous` is missing or smaller, the zero count shrank, the
    /// resolution went up, or the zero bucket got narrower or now ends inside a populated
    /// bucket of `previous`. A lower resolution or a wider zero bucket alone is no reset:
    /// `previous` is compared as if it had this histogram's schema and zero bucket. Custom
    /// buckets with different bounds are compared on the bounds both have.
    public func detectReset(previous: FloatHistogram) -> Bool {
        switch counterResetHint {
        case .counterReset: return true
        case .notCounterReset: return false
        case .unknown, .gauge: break
        }
        if count < previous.count { return true }
        if usesCustomBuckets {
            if !previous.usesCustomBuckets { return true }
            if !Self.customBoundsMatch(customValues, previous.customValues) {
                return resetAcrossDifferentCustomBounds(previous: previous)
            }
        }
        if schema > previous.schema { return true }
        if zeroThreshold < previous.zeroThreshold { return true }
        let (previousZeroCount, threshold) = previous.zeroCountForLargerThreshold(zeroThreshold)
        if threshold != zeroThreshold { return true }
        if zeroCount < previousZeroCount { return true }
        if Self.bucketsDecreased(current: comparableBuckets(positiveSpans, positiveBuckets, of: self),
                                 previous: comparableBuckets(previous.positiveSpans, previous.positiveBuckets, of: previous)) {
            return true
        }
        return Self.bucketsDecreased(current: comparableBuckets(negativeSpans, negativeBuckets, of: self),
                                     previous: comparableBuckets(previous.negativeSpans, previous.negativeBuckets, of: previous))
    }

    /// The buckets of one side of `h` in this histogram's schema, without the ones inside this
    /// histogram's zero bucket (those are part of the zero count comparison).
    private func comparableBuckets(_ spans: [HistogramSpan], _ counts: [Double], of h: FloatHistogram) -> [IndexedBucket] {
        var buckets = Self.reduced(Self.indexedBuckets(spans, counts), from: h.schema, to: schema)
        if !usesCustomBuckets {
            let firstOutside = buckets.firstIndex { HistogramBounds.exponential($0.index, schema: schema) > zeroThreshold }
            buckets.removeFirst(firstOutside ?? buckets.count)
        }
        return buckets
    }

    /// True when a bucket of `previous` is populated but missing in `current`, or larger there.
    private static func bucketsDecreased(current: [IndexedBucket], previous: [IndexedBucket]) -> Bool {
        var i = 0
        for p in previous {
            while i < current.count && current[i].index < p.index { i += 1 }
            if i < current.count && current[i].index == p.index {
                if current[i].count < p.count { return true }
            } else if p.count != 0 {
                return true
            }
        }
        return false
    }

    /// The reset check for custom buckets with different bounds: at every bound both have
    /// (and `+Inf`), the observations up to it that were not yet compared must not have
    /// decreased (Prometheus `detectResetWithMismatchedCustomBounds`).
    private func resetAcrossDifferentCustomBounds(previous: FloatHistogram) -> Bool {
        let current = positiveBucketList()
        let earlier = previous.positiveBucketList()
        var currentNext = 0, earlierNext = 0
        var i = 0, j = 0
        while i <= customValues.count && j <= previous.customValues.count {
            let currentBound = i < customValues.count ? customValues[i] : .infinity
            let previousBound = j < previous.customValues.count ? previous.customValues[j] : .infinity
            if currentBound == previousBound {
                var currentSum = 0.0
                while currentNext < current.count && current[currentNext].upper <= currentBound {
                    currentSum += current[currentNext].count
                    currentNext += 1
                }
                var previousSum = 0.0
                while earlierNext < earlier.count && earlier[earlierNext].upper <= currentBound {
                    previousSum += earlier[earlierNext].count
                    earlierNext += 1
                }
                if currentSum < previousSum { return true }
                i += 1
                j += 1
            } else if currentBound < previousBound {
                i += 1
            } else {
                j += 1
            }
        }
        return false
    }
}
