import StrataModel

/// One bucket of a classic histogram: the `le` bound and its cumulative count.
struct ClassicBucket: Sendable {
    /// The `le` value.
    var upperBound: Double
    /// Observations at or below `upperBound`.
    var count: Double
}

/// Classic (`le`-labelled) histogram math: grouping bucket series into histograms, quantiles
/// and fractions, with upstream's corrections for unsorted, duplicated and non-monotonic buckets.
enum ClassicHistogram {
    /// The buckets of one histogram: all input series equal except for `le`.
    struct Group {
        /// The labels without `le` (the name is kept and marked for removal on output).
        var metric: Labels
        /// The buckets in input order.
        var buckets: [ClassicBucket]
    }

    /// What a classic-histogram function needs of one bucket series, worked out at its first step.
    struct BucketSeries: Sendable {
        /// Index of its histogram (labels without `le`) in `EvalNodeHelper.histogramKeys`.
        var histogram: Int
        /// Its parsed `le`; nil when missing or malformed.
        var bound: Double?
    }

    /// Groups the samples of `input` by their labels without `le`, in first-seen order.
    /// Samples whose `le` is missing or not a number are skipped with upstream's warning.
    ///
    /// A range query calls this at every step with the same series, so what depends only on a
    /// series' labels (its `le` and its histogram) is kept in `enh` across steps.
    static func groups(
        _ input: Vector, _ enh: inout EvalNodeHelper, _ annotations: inout Annotations, position: PositionRange?
    ) -> [Group] {
        var groups: [Group] = []
        // Position in `groups` by histogram index; -1 while this step has none of it.
        var slots = [Int](repeating: -1, count: enh.histogramKeys.count)
        // Native histogram samples are not buckets (NativeHistogramFunctions reads them).
        for s in input where s.h == nil {
            let series = bucketSeries(s.metric, &enh)
            guard let bound = series.bound else {
                let le = s.metric["le"] ?? ""
                annotations.warn(
                    "bucket label \"le\" is missing or has a malformed value of \(FunctionSupport.quoteGo(le)) for metric name \(FunctionSupport.quoteGo(s.metric.metricName ?? ""))",
                    at: position)
                continue
            }
            let h = series.histogram
            if h >= slots.count { slots.append(contentsOf: repeatElement(-1, count: h - slots.count + 1)) }
            let bucket = ClassicBucket(upperBound: bound, count: s.f)
            if slots[h] >= 0 {
                groups[slots[h]].buckets.append(bucket)
            } else {
                slots[h] = groups.count
                groups.append(Group(metric: enh.histogramKeys[h], buckets: [bucket]))
            }
        }
        return groups
    }

    /// The cached `BucketSeries` of `metric`, worked out and remembered on first sight.
    private static func bucketSeries(_ metric: Labels, _ enh: inout EvalNodeHelper) -> BucketSeries {
        if let known = enh.bucketSeries[metric] { return known }
        let key = FunctionSupport.removing(["le"], from: metric)
        let histogram: Int
        if let i = enh.histogramIndex[key] {
            histogram = i
        } else {
            histogram = enh.histogramKeys.count
            enh.histogramKeys.append(key)
            enh.histogramIndex[key] = histogram
        }
        let series = BucketSeries(histogram: histogram, bound: parseGoFloat(metric["le"] ?? ""))
        enh.bucketSeries[metric] = series
        return series
    }

    /// Go's `strconv.ParseFloat` for the spellings bucket bounds use (`+Inf`, `1e0`, `.2`, …).
    static func parseGoFloat(_ s: String) -> Double? {
        guard !s.isEmpty, let first = s.utf8.first, first != UInt8(ascii: " "), s.utf8.last != UInt8(ascii: " ") else { return nil }
        switch s.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan": return .nan
        default: break
        }
        // Swift also accepts spellings Go does not (`nan(…)`, `snan`); digits are required.
        guard s.utf8.contains(where: { $0 >= 48 && $0 <= 57 }) else { return nil }
        return Double(s)
    }

    /// Sorts by bound and merges buckets with the same bound (e.g. `le="1"` and `le="1.0"`).
    static func sortAndCoalesce(_ buckets: inout [ClassicBucket]) {
        buckets.sort { $0.upperBound < $1.upperBound }
        var out = 0
        for i in 1..<buckets.count {
            if buckets[i].upperBound == buckets[out].upperBound {
                buckets[out].count += buckets[i].count
            } else {
                out += 1
                buckets[out] = buckets[i]
            }
        }
        buckets.removeLast(buckets.count - out - 1)
    }

    /// Makes counts non-decreasing. Differences within a relative 1e-12 are float noise and are
    /// evened out silently; real decreases are lifted and reported (`forced`).
    static func ensureMonotonic(_ buckets: inout [ClassicBucket]) -> (forced: Bool, fixedPrecision: Bool) {
        var forced = false, fixed = false
        var prev = buckets[0].count
        for i in 1..<buckets.count {
            let cur = buckets[i].count
            if cur == prev { continue }
            if almostEqual(prev, cur, epsilon: 1e-12) {
                buckets[i].count = prev
                fixed = true
                continue
            }
            if cur < prev {
                buckets[i].count = prev
                forced = true
                continue
            }
            prev = cur
        }
        return (forced, fixed)
    }

    /// Relative float comparison as Prometheus's `almost.Equal`.
    static func almostEqual(_ a: Double, _ b: Double, epsilon: Double) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let minNormal = Double.leastNormalMagnitude
        let absSum = a.magnitude + b.magnitude
        let diff = (a - b).magnitude
        if a == 0 || b == 0 || absSum < minNormal { return diff < epsilon * minNormal }
        return diff / Swift.min(absSum, Double.greatestFiniteMagnitude) < epsilon
    }

    /// The `q`-quantile of a classic histogram, interpolating linearly inside the bucket (from 0
    /// in the lowest bucket when its bound is positive); the highest finite bound when the rank
    /// falls into the +Inf bucket. NaN without a +Inf bucket, with under two buckets or no
    /// observations. Also says whether monotonicity had to be forced.
    static func quantile(_ q: Double, _ input: [ClassicBucket]) -> (value: Double, forcedMonotonic: Bool) {
        if q.isNaN { return (.nan, false) }
        if q < 0 { return (-.infinity, false) }
        if q > 1 { return (.infinity, false) }
        var buckets = input
        guard !buckets.isEmpty else { return (.nan, false) }
        sortAndCoalesce(&buckets)
        guard let last = buckets.last, last.upperBound == .infinity else { return (.nan, false) }
        let (forced, _) = ensureMonotonic(&buckets)
        guard buckets.count >= 2 else { return (.nan, false) }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return (.nan, false) }
        var rank = q * observations
        // First bucket (excluding +Inf) whose count reaches the rank; NaN counts never do.
        var b = 0
        var lo = 0, hi = buckets.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if buckets[mid].count >= rank { hi = mid } else { lo = mid + 1 }
        }
        b = lo
        if b == buckets.count - 1 { return (buckets[buckets.count - 2].upperBound, forced) }
        if b == 0 && buckets[0].upperBound <= 0 { return (buckets[0].upperBound, forced) }
        var start = 0.0
        let end = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            start = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return (start + (end - start) * (rank / count), forced)
    }

    /// The fraction of observations between `lower` and `upper`, interpolating linearly inside
    /// finite buckets (from 0 in a lowest bucket with a positive bound); a value inside an
    /// infinitely wide bucket counts as lying at the bucket's finite edge.
    static func fraction(_ lower: Double, _ upper: Double, _ input: [ClassicBucket]) -> Double {
        var buckets = input
        guard !buckets.isEmpty else { return .nan }
        sortAndCoalesce(&buckets)
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        // Unlike the quantile, upstream does not repair non-monotonic counts here.
        let total = buckets[buckets.count - 1].count
        if total == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }

        var rank = 0.0, lowerRank = 0.0, upperRank = 0.0
        var lowerSet = false, upperSet = false
        for i in 0..<buckets.count {
            let b = buckets[i]
            let lowerBound: Double
            if i > 0 {
                lowerBound = buckets[i - 1].upperBound
            } else {
                lowerBound = b.upperBound > 0 ? 0 : -.infinity
            }
            let upperBound = b.upperBound
            func rankAt(_ v: Double) -> Double {
                if lowerBound == -.infinity { return b.count }
                if upperBound == .infinity { return rank }
                return rank + (b.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
            }
            if !lowerSet && lowerBound >= lower {
                lowerRank = rank
                lowerSet = true
            }
            if !upperSet && lowerBound >= upper {
                upperRank = rank
                upperSet = true
            }
            if lowerSet && upperSet { break }
            if !lowerSet && lowerBound < lower && upperBound > lower {
                lowerRank = rankAt(lower)
                lowerSet = true
            }
            if !upperSet && lowerBound < upper && upperBound > upper {
                upperRank = rankAt(upper)
                upperSet = true
            }
            if lowerSet && upperSet { break }
            rank = b.count
        }
        if !lowerSet || lowerRank > total { lowerRank = total }
        if !upperSet || upperRank > total { upperRank = total }
        return (upperRank - lowerRank) / total
    }
}
