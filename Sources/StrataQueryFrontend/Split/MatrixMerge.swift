import StrataModel
import StrataPromQL

/// Joins the matrices of parts of one range query (split intervals, cached extents) into one:
/// series with equal labels are concatenated in time order, a timestamp answered by two parts
/// is kept once, and series come out sorted by labels as Prometheus sorts range results.
enum MatrixMerge {
    /// The union of `parts`' series, restricted to `[start, end]`.
    static func merge(_ parts: [QueryValue], start: Int64, end: Int64) -> QueryValue {
        var byLabels: [Labels: [FPoint]] = [:]
        var order: [Labels] = []
        for part in parts {
            guard case .matrix(let m) = part else { continue }
            for s in m {
                let points = s.floats.filter { $0.t >= start && $0.t <= end }
                guard !points.isEmpty else { continue }
                if byLabels[s.metric] == nil {
                    order.append(s.metric)
                    byLabels[s.metric] = points
                } else {
                    byLabels[s.metric, default: []].append(contentsOf: points)
                }
            }
        }
        order.sort()
        var out = Matrix()
        out.reserveCapacity(order.count)
        for labels in order {
            guard var points = byLabels[labels] else { continue }
            if !isStrictlyIncreasing(points) {
                points.sort { $0.t < $1.t }
                var unique: [FPoint] = []
                unique.reserveCapacity(points.count)
                for p in points where unique.last?.t != p.t { unique.append(p) }
                points = unique
            }
            out.append(SeriesResult(metric: labels, floats: points))
        }
        return .matrix(out)
    }

    private static func isStrictlyIncreasing(_ points: [FPoint]) -> Bool {
        var prev = Int64.min
        for p in points {
            guard p.t > prev else { return false }
            prev = p.t
        }
        return true
    }
}
