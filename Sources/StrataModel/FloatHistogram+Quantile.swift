#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How NaN observations affected a `histogram_quantile` result. A histogram that observed NaN
/// has a NaN sum and a count larger than its buckets hold; Prometheus ranks those observations
/// above everything else and says so in an info annotation.
public enum HistogramQuantileNaNEffect: Sendable, Equatable {
    /// No NaN observations, or none that mattered.
    case none
    /// The quantile falls among the NaN observations, so the result is NaN ("input to
    /// histogram_quantile has NaN observations, result is NaN").
    case resultIsNaN
    /// The quantile falls into a bucket, but NaN observations push it up ("… result is skewed
    /// higher").
    case resultSkewedHigher
}

extension FloatHistogram {
    /// The `q` quantile as `histogram_quantile` computes it for a native histogram
    /// (Prometheus `HistogramQuantile`): NaN for NaN `q` or an empty histogram, `-Inf` below 0
    /// and `+Inf` above 1; otherwise the bucket holding the rank is found and the value
    /// interpolated in it — exponentially in exponential buckets, linearly in custom buckets
    /// and in the zero bucket (which starts or ends at 0 when the histogram has buckets on one
    /// side only). In custom buckets, the first bucket counts from 0 (or is its upper bound if
    /// that is ≤ 0) and the `+Inf` bucket yields its lower bound.
    public func quantile(_ q: Double) -> Double {
        quantileDetail(q).value
    }

    /// `quantile(_:)` with the NaN-observation effect PromQL reports as an info annotation.
    public func quantileDetail(_ q: Double) -> (value: Double, nanEffect: HistogramQuantileNaNEffect) {
        if q < 0 { return (-.infinity, .none) }
        if q > 1 { return (.infinity, .none) }
        if count == 0 || q.isNaN { return (.nan, .none) }

        // NaN observations are in the count but in no bucket, so with a NaN sum the rank is
        // always counted from below; otherwise from the nearer end.
        let forward = sum.isNaN || q < 0.5
        let buckets = forward ? allBuckets() : allBucketsDescending()
        var rank = forward ? q * count : (1 - q) * count
        var bucket = HistogramBucket(lower: 0, upper: 0, lowerInclusive: false, upperInclusive: false, count: 0, index: 0)
        var running = 0.0
        var next = 0
        while next < buckets.count {
            bucket = buckets[next]
            next += 1
            if bucket.count == 0 { continue }
            running += bucket.count
            if running >= rank { break }
        }

        if !usesCustomBuckets && bucket.lower < 0 && bucket.upper > 0 {
            if negativeBuckets.isEmpty && !positiveBuckets.isEmpty {
                bucket.lower = 0
            } else if positiveBuckets.isEmpty && !negativeBuckets.isEmpty {
                bucket.upper = 0
            }
        } else if usesCustomBuckets {
            if bucket.lower == -.infinity {
                if bucket.upper <= 0 { return (bucket.upper, .none) }
                bucket.lower = 0
            } else if bucket.upper == .infinity {
                return (bucket.lower, .none)
            }
        }
        // Rounding can make the running total exceed the count.
        if running > count { running = count }
        if running < rank {
            // Only NaN observations (above every bucket) can leave the rank unreached.
            if sum.isNaN { return (.nan, .resultIsNaN) }
            return (bucket.upper, .none)
        }
        if forward {
            rank -= running - bucket.count
        } else {
            rank = running - rank
        }

        var effect = HistogramQuantileNaNEffect.none
        if sum.isNaN {
            // A NaN sum also comes from observing both -Inf and +Inf; only a bucket total below
            // the count means NaN observations.
            var total = running
            while next < buckets.count {
                total += buckets[next].count
                next += 1
            }
            if total < count { effect = .resultSkewedHigher }
        }

        let fraction = rank / bucket.count
        if usesCustomBuckets || (bucket.lower <= 0 && bucket.upper >= 0) {
            return (bucket.lower + (bucket.upper - bucket.lower) * fraction, effect)
        }
        // On a logarithmic scale exponential buckets have equal widths, so interpolate there.
        let logLower = log2(abs(bucket.lower))
        let logUpper = log2(abs(bucket.upper))
        if bucket.lower > 0 {
            return (exp2(logLower + (logUpper - logLower) * fraction), effect)
        }
        return (-exp2(logUpper + (logLower - logUpper) * (1 - fraction)), effect)
    }

    /// The fraction of observations between `lower` and `upper` as `histogram_fraction`
    /// computes it (Prometheus `HistogramFraction`), interpolating inside the buckets the
    /// bounds fall into the same way `quantile` does. NaN for an empty histogram or a NaN
    /// bound, 0 when `lower >= upper`. NaN observations belong to no fraction.
    public func fraction(lower: Double, upper: Double) -> Double {
        fractionDetail(lower: lower, upper: upper).value
    }

    /// `fraction(lower:upper:)`, and whether NaN observations were left out of it (PromQL's
    /// info "input to histogram_fraction has NaN observations, which are excluded from all
    /// fractions").
    public func fractionDetail(lower: Double, upper: Double) -> (value: Double, excludedNaNObservations: Bool) {
        if count == 0 || lower.isNaN || upper.isNaN { return (.nan, false) }
        if lower >= upper { return (0, false) }

        let buckets = allBuckets()
        var total = 0.0
        var rank = 0.0
        var lowerRank = 0.0, upperRank = 0.0
        var lowerSet = false, upperSet = false
        var next = 0
        while next < buckets.count {
            var b = buckets[next]
            next += 1
            total += b.count
            var inZeroBucket = false
            if b.lower <= 0 && b.upper >= 0 {
                inZeroBucket = true
                if negativeBuckets.isEmpty && !positiveBuckets.isEmpty {
                    b.lower = 0
                } else if positiveBuckets.isEmpty && !negativeBuckets.isEmpty {
                    b.upper = 0
                }
            }
            let linear = usesCustomBuckets || inZeroBucket
            if !lowerSet && b.lower >= lower {
                lowerRank = rank
                lowerSet = true
            }
            if !upperSet && b.lower >= upper {
                upperRank = rank
                upperSet = true
            }
            if lowerSet && upperSet { break }
            if !lowerSet && b.lower < lower && b.upper > lower {
                lowerRank = linear ? Self.linearRank(lower, b, rank) : Self.exponentialRank(lower, b, rank)
                lowerSet = true
            }
            if !upperSet && b.lower < upper && b.upper > upper {
                upperRank = linear ? Self.linearRank(upper, b, rank) : Self.exponentialRank(upper, b, rank)
                upperSet = true
            }
            if lowerSet && upperSet { break }
            rank += b.count
        }

        var excluded = false
        if sum.isNaN {
            // Only observations in buckets take part; the others were NaN.
            while next < buckets.count {
                total += buckets[next].count
                next += 1
            }
            excluded = total < count
        } else {
            total = count
        }
        if !lowerSet || lowerRank > total { lowerRank = total }
        if !upperSet || upperRank > total { upperRank = total }
        return ((upperRank - lowerRank) / count, excluded)
    }

    /// The rank of `v` inside `b` (starting at `rank`) assuming evenly spread observations. A
    /// bucket from -Inf cannot be interpolated; all of it counts as below `v`.
    private static func linearRank(_ v: Double, _ b: HistogramBucket, _ rank: Double) -> Double {
        if b.lower == -.infinity { return b.count }
        return rank + b.count * (v - b.lower) / (b.upper - b.lower)
    }

    /// The rank of `v` inside exponential bucket `b` with logarithmic interpolation.
    private static func exponentialRank(_ v: Double, _ b: HistogramBucket, _ rank: Double) -> Double {
        let logLower = log2(abs(b.lower))
        let logUpper = log2(abs(b.upper))
        let logV = log2(abs(v))
        let fraction: Double
        if v > 0 {
            fraction = (logV - logLower) / (logUpper - logLower)
        } else {
            fraction = 1 - ((logV - logUpper) / (logLower - logUpper))
        }
        return rank + b.count * fraction
    }
}
