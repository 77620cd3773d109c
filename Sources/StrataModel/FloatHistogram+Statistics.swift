extension FloatHistogram {
    /// The estimated variance of the observations as `histogram_stdvar` computes it: every
    /// observation is taken to sit at its bucket's geometric mean (exponential buckets), at 0
    /// (zero bucket) or at its bucket's arithmetic mean (custom buckets), around the exact mean
    /// `sum / count`; the squared deviations are added with Kahan-Neumaier compensation.
    public func stdvar() -> Double {
        let mean = sum / count
        var variance = 0.0, compensation = 0.0
        for bucket in allBuckets() where bucket.count != 0 {
            let value: Double
            if usesCustomBuckets {
                value = (bucket.upper + bucket.lower) / 2
            } else if bucket.lower <= 0 && bucket.upper >= 0 {
                value = 0
            } else {
                let geometric = (bucket.upper * bucket.lower).squareRoot()
                value = bucket.upper < 0 ? -geometric : geometric
            }
            let delta = value - mean
            (variance, compensation) = KahanSum.inc(bucket.count * delta * delta, variance, compensation)
        }
        return (variance + compensation) / count
    }

    /// The square root of `stdvar()`, as `histogram_stddev` computes it.
    public func stddev() -> Double {
        stdvar().squareRoot()
    }
}

/// Kahan-Neumaier compensated summation as Prometheus's `kahansum.Inc` does it, one term at a
/// time: the running sum and the compensation travel separately, the caller adds them at the
/// end.
public enum KahanSum {
    /// Adds `increment` to `sum` with compensation `c`; an infinite sum resets the compensation.
    @inlinable
    public static func inc(_ increment: Double, _ sum: Double, _ c: Double) -> (sum: Double, c: Double) {
        let t = sum + increment
        if t.isInfinite { return (t, 0) }
        if sum.magnitude >= increment.magnitude {
            return (t, c + ((sum - t) + increment))
        }
        return (t, c + ((increment - t) + sum))
    }
}
