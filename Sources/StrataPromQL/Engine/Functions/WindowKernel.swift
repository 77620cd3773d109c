/// A range function computed straight from a series' window of points, for the engine's
/// per-series loops (`RangeFunctionPart`, `FusedPart`).
///
/// Going through `FunctionImplementation` costs, per series and step, a copy of the window
/// into a one-series `Matrix`, a `FunctionArgs` and an output `Vector` carrying the labels,
/// with their reference counting; that dominated range queries. A kernel reads the window in
/// place and returns the value. Each kernel is the very function its `FunctionImplementation`
/// calls, so both paths give the same bits.
struct WindowKernel: Sendable {
    /// Whether the result keeps the input's name-drop flag (`last_over_time`,
    /// `first_over_time`); otherwise the name is dropped.
    let keepName: Bool
    /// The value for a non-empty window of `(rangeStart, rangeEnd]`, or nil for no output.
    let compute: @Sendable (_ points: UnsafeBufferPointer<FPoint>, _ rangeStart: Int64, _ rangeEnd: Int64) -> Double?

    /// The kernel of function `name`, or nil when it has none (functions with other
    /// arguments, or that raise annotations, keep their implementation).
    static func forFunction(_ name: String) -> WindowKernel? {
        table[name]
    }

    static let table: [String: WindowKernel] = {
        var t: [String: WindowKernel] = [
            "rate": WindowKernel(keepName: false) { p, s, e in
                Extrapolation.extrapolatedValue(p, rangeStart: s, rangeEnd: e, isCounter: true, isRate: true)
            },
            "increase": WindowKernel(keepName: false) { p, s, e in
                Extrapolation.extrapolatedValue(p, rangeStart: s, rangeEnd: e, isCounter: true, isRate: false)
            },
            "delta": WindowKernel(keepName: false) { p, s, e in
                Extrapolation.extrapolatedValue(p, rangeStart: s, rangeEnd: e, isCounter: false, isRate: false)
            },
            "irate": WindowKernel(keepName: false) { p, _, _ in Extrapolation.instantValue(p, isRate: true) },
            "idelta": WindowKernel(keepName: false) { p, _, _ in Extrapolation.instantValue(p, isRate: false) },
        ]
        let reductions: [String: OverTime.Reduction] = [
            "avg_over_time": OverTime.avg,
            "sum_over_time": OverTime.sum,
            "count_over_time": OverTime.count,
            "min_over_time": OverTime.min,
            "max_over_time": OverTime.max,
            "last_over_time": OverTime.last,
            "first_over_time": OverTime.first,
            "present_over_time": OverTime.present,
            "stddev_over_time": OverTime.stddev,
            "stdvar_over_time": OverTime.stdvar,
            "mad_over_time": OverTime.mad,
            "ts_of_first_over_time": OverTime.tsOfFirst,
            "ts_of_last_over_time": OverTime.tsOfLast,
            "ts_of_max_over_time": OverTime.tsOfMax,
            "ts_of_min_over_time": OverTime.tsOfMin,
        ]
        for (name, r) in reductions {
            let f = r.f
            t[name] = WindowKernel(keepName: r.keepName) { p, _, _ in f(p) }
        }
        return t
    }()
}
