import StrataModel
import StrataPromQL

/// Joins the matrices of parts of one range query (split intervals, cached extents) into one:
/// series with equal labels are concatenated in time order (float and native-histogram points
/// each), a timestamp answered by two parts is kept once, and series come out sorted by labels
/// as Prometheus sorts range results.
enum MatrixMerge {
    /// The points of one series gathered from the parts.
    private struct Points {
        var floats: [FPoint] = []
        var histograms: [HPoint] = []
    }

    /// The union of `parts`' series, restricted to `[start, end]`.
    static func merge(_ parts: [QueryValue], start: Int64, end: Int64) -> QueryValue {
        var byLabels: [Labels: Points] = [:]
        var order: [Labels] = []
        for part in parts {
            guard case .matrix(let m) = part else { continue }
            for s in m {
                let floats = s.floats.filter { $0.t >= start && $0.t <= end }
                let histograms = s.histograms.filter { $0.t >= start && $0.t <= end }
                guard !floats.isEmpty || !histograms.isEmpty else { continue }
                if byLabels[s.metric] == nil {
                    order.append(s.metric)
                    byLabels[s.metric] = Points(floats: floats, histograms: histograms)
                } else {
                    byLabels[s.metric, default: Points()].floats.append(contentsOf: floats)
                    byLabels[s.metric, default: Points()].histograms.append(contentsOf: histograms)
                }
            }
        }
        order.sort()
        var out = Matrix()
        out.reserveCapacity(order.count)
        for labels in order {
            guard let points = byLabels[labels] else { continue }
            out.append(SeriesResult(metric: labels, floats: ordered(points.floats, time: \.t),
                                    histograms: ordered(points.histograms, time: \.t)))
        }
        return .matrix(out)
    }

    /// `points` sorted by time with one point per timestamp (parts overlapping on the step
    /// grid answer a time twice, identically).
    private static func ordered<P>(_ points: [P], time: KeyPath<P, Int64>) -> [P] {
        var prev = Int64.min
        var increasing = true
        for p in points {
            guard p[keyPath: time] > prev else {
                increasing = false
                break
            }
            prev = p[keyPath: time]
        }
        if increasing { return points }
        // A stable sort keeps the first part's point of a duplicated time.
        let sorted = points.enumerated().sorted {
            ($0.element[keyPath: time], $0.offset) < ($1.element[keyPath: time], $1.offset)
        }.map(\.element)
        var unique: [P] = []
        unique.reserveCapacity(sorted.count)
        for p in sorted where unique.last.map({ $0[keyPath: time] }) != p[keyPath: time] { unique.append(p) }
        return unique
    }
}
