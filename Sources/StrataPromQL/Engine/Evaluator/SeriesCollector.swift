import StrataModel

/// Gathers the per-step output vectors of an operation into series.
///
/// Series keep the order in which they first appear, so an instant query's vector keeps the
/// order its operation produced (`sort`, `topk`). The series a sample went to at the previous
/// step, by position in the output vector, is tried first: operations usually emit the same
/// series in the same order every step, and comparing labels that share storage is cheaper
/// than hashing them.
struct SeriesCollector {
    /// The series collected so far.
    private(set) var series: Matrix = []
    private var byLabels: [Labels: Int] = [:]
    /// Timestamp of each series' last point, to detect two samples of one series at a step.
    private var lastT: [Int64] = []
    /// Series index of output position `k` at the previous step.
    private var hint: [Int] = []
    /// Points collected.
    private(set) var points = 0
    /// Steps of the evaluation, to size new series.
    let stepCapacity: Int

    /// A collector for an evaluation of `stepCapacity` steps.
    init(stepCapacity: Int) {
        self.stepCapacity = stepCapacity
    }

    /// Adds the output vector of step `ts`.
    mutating func add(_ vec: Vector, ts: Int64) throws(QueryError) {
        // Read through a buffer pointer: copying each `VectorSample` out of the array retained
        // and released its labels, a large share of binary operations' time.
        try vec.withUnsafeBufferPointer { (v) throws(QueryError) in
            for k in v.indices {
                var idx = -1
                if k < hint.count {
                    let h = hint[k]
                    if series[h].metric == v[k].metric { idx = h }
                }
                if idx < 0 {
                    if let found = byLabels[v[k].metric] {
                        idx = found
                    } else {
                        idx = series.count
                        var floats = [FPoint]()
                        floats.reserveCapacity(min(stepCapacity, 64))
                        series.append(SeriesResult(metric: v[k].metric, floats: floats, dropName: v[k].dropName))
                        lastT.append(.min)
                        byLabels[v[k].metric] = idx
                    }
                    if k < hint.count { hint[k] = idx } else { hint.append(idx) }
                }
                if lastT[idx] == ts { throw .execution("vector cannot contain metrics with the same labelset") }
                lastT[idx] = ts
                if let h = v[k].h {
                    series[idx].histograms.append(HPoint(t: ts, h: h))
                } else {
                    series[idx].floats.append(FPoint(t: ts, f: v[k].f))
                }
            }
        }
        points += vec.count
    }
}

/// Per-series read positions into a step-aligned matrix, to gather the vector of each step.
struct StepCursor {
    private var pos: [Int]
    /// Positions in the series' histogram points, allocated at the first series that has any.
    private var hpos: [Int] = []

    /// Cursors at the start of `count` series.
    init(count: Int) {
        pos = [Int](repeating: 0, count: count)
    }

    /// Appends the samples of `mat` at `ts` to `out` (cleared first) and their series indices
    /// to `indices`.
    mutating func gather(_ mat: Matrix, at ts: Int64, into out: inout Vector, indices: inout [Int]) {
        out.removeAll(keepingCapacity: true)
        indices.removeAll(keepingCapacity: true)
        // Read through a buffer pointer, so that no series' points are copied (retained) per step.
        mat.withUnsafeBufferPointer { m in
            for i in m.indices {
                let p = pos[i]
                if p < m[i].floats.count && m[i].floats[p].t == ts {
                    out.append(VectorSample(metric: m[i].metric, t: ts, f: m[i].floats[p].f, dropName: m[i].dropName))
                    indices.append(i)
                    pos[i] = p + 1
                } else if !m[i].histograms.isEmpty {
                    // A series holds a float or a histogram at a step, never both.
                    if hpos.isEmpty { hpos = [Int](repeating: 0, count: pos.count) }
                    let q = hpos[i]
                    if q < m[i].histograms.count && m[i].histograms[q].t == ts {
                        out.append(VectorSample(metric: m[i].metric, t: ts, h: m[i].histograms[q].h, dropName: m[i].dropName))
                        indices.append(i)
                        hpos[i] = q + 1
                    }
                }
            }
        }
    }

    /// The value of series `i` at `ts`, advancing past it; nil when it has no point there.
    @inline(__always)
    mutating func value(_ mat: Matrix, series i: Int, at ts: Int64) -> Double? {
        let p = pos[i]
        let floats = mat[i].floats
        if p < floats.count && floats[p].t == ts {
            pos[i] = p + 1
            return floats[p].f
        }
        return nil
    }
}

extension Matrix {
    /// Total number of points.
    var pointCount: Int {
        var n = 0
        for s in self {
            n += s.floats.count
            if !s.histograms.isEmpty { n += HistogramSampleCost.of(s.histograms) }
        }
        return n
    }
}
