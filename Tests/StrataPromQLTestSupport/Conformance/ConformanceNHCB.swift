import StrataChunks
import StrataModel

/// `load_with_nhcb`: besides the classic histogram series themselves, each classic histogram
/// (`<name>_bucket{le=…}`, `<name>_count`, `<name>_sum` with the same other labels) is stored
/// as one native histogram with custom buckets named `<name>`, as upstream's
/// `appendCustomHistogram` (with `util/convertnhcb`) builds it: at every time where one of the
/// series has a sample, the `le` bounds become the custom values, the cumulative bucket counts
/// become per-bucket counts, `_count` (or the highest bucket without it) the count, `_sum` the sum.
enum ConformanceNHCB {
    /// One classic histogram's samples by time.
    private struct Collated {
        var labels: Labels
        var byTime: [Int64: Point] = [:]
    }

    /// What one time of one classic histogram holds.
    private struct Point {
        var buckets: [(le: Double, count: Double)] = []
        var count: Double? = nil
        var sum: Double = 0
        var stale = false
    }

    /// The custom-bucket histogram series of `load`.
    static func series(of load: ConformanceLoad) -> [(Labels, [MixedSample])] {
        var collated: [Labels: Collated] = [:]
        var order: [Labels] = []
        for series in load.series {
            guard let name = series.labels.metricName else { continue }
            enum Kind { case bucket(Double), count, sum }
            let kind: Kind, base: String
            if name.hasSuffix("_bucket"), let le = series.labels["le"], let bound = ConformanceHistogramParser.number(Substring(le)) {
                kind = .bucket(bound); base = String(name.dropLast(7))
            } else if name.hasSuffix("_count") {
                kind = .count; base = String(name.dropLast(6))
            } else if name.hasSuffix("_sum") {
                kind = .sum; base = String(name.dropLast(4))
            } else {
                continue
            }
            var labels = series.labels.filter { $0.name != "le" && $0.name != metricNameLabel }
            labels.append(Label(name: metricNameLabel, value: base))
            let key = Labels(labels)
            if collated[key] == nil {
                collated[key] = Collated(labels: key)
                order.append(key)
            }
            for (i, v) in series.values.enumerated() {
                guard case .float(let f) = v else { continue }
                let t = Int64(i) * load.interval
                var p = collated[key]?.byTime[t] ?? Point()
                if StaleNaN.isStale(f) { p.stale = true }
                switch kind {
                case .bucket(let le): p.buckets.append((le, f))
                case .count: p.count = f
                case .sum: p.sum = f
                }
                collated[key]?.byTime[t] = p
            }
        }
        var out: [(Labels, [MixedSample])] = []
        for key in order {
            guard let c = collated[key] else { continue }
            var samples: [MixedSample] = []
            for t in c.byTime.keys.sorted() {
                guard let p = c.byTime[t] else { continue }
                if p.stale {
                    samples.append(MixedSample(timestamp: t, f: 0, h: .staleMarker))
                    continue
                }
                if let h = histogram(p) { samples.append(MixedSample(timestamp: t, f: 0, h: h)) }
            }
            if !samples.isEmpty { out.append((key, samples)) }
        }
        return out
    }

    /// The custom-bucket histogram of one time, or nil when the classic one is unusable
    /// (no buckets and no count).
    private static func histogram(_ p: Point) -> FloatHistogram? {
        var buckets = p.buckets.sorted { $0.le < $1.le }
        guard !buckets.isEmpty || p.count != nil else { return nil }
        let count = p.count ?? buckets.last?.count ?? 0
        if buckets.last?.le != .infinity { buckets.append((.infinity, count)) }
        var counts: [Double] = []
        var bounds: [Double] = []
        var previous = 0.0
        for b in buckets {
            counts.append(b.count - previous)
            previous = b.count
            if b.le != .infinity { bounds.append(b.le) }
        }
        return FloatHistogram(schema: HistogramSchema.customBuckets, count: count, sum: p.sum,
                              positiveSpans: [HistogramSpan(offset: 0, length: UInt32(counts.count))],
                              positiveBuckets: counts, customValues: bounds)
    }
}
