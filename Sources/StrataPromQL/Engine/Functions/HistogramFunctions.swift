import StrataModel

/// `histogram_quantile`, `histogram_quantiles`, `histogram_fraction` over classic buckets and
/// native histograms (the native ones first, as Prometheus), and `start_timestamp`, which
/// never has a start timestamp to return.
enum HistogramFunctions {
    /// `histogram_quantile(q scalar, buckets instant-vector)`
    static let quantile: FunctionImplementation = { args, enh, annotations throws(QueryError) in
        let q = FunctionSupport.scalar(args, 0)
        if q.isNaN || q < 0 || q > 1 {
            annotations.warn(FunctionSupport.invalidQuantileMessage(q), at: FunctionSupport.position(args, 0))
        }
        let bucketsPosition = FunctionSupport.position(args, 1)
        let input = FunctionSupport.vector(args, 1)
        var groups = ClassicHistogram.groups(input, &enh, &annotations, position: bucketsPosition)
        let natives = NativeHistogramFunctions.samples(input, classic: &groups, &annotations, position: bucketsPosition)
        var out: Vector = []
        out.reserveCapacity(groups.count + natives.count)
        for s in natives {
            guard let h = s.h else { continue }
            let value = NativeHistogramFunctions.quantile(q, s, h, &annotations, position: bucketsPosition)
            out.append(VectorSample(metric: s.metric, t: enh.ts, f: value, dropName: true))
        }
        for g in groups {
            let (value, forced) = ClassicHistogram.quantile(q, g.buckets)
            if forced { annotations.info(monotonicityMessage(g.metric), at: bucketsPosition) }
            out.append(VectorSample(metric: g.metric, t: enh.ts, f: value, dropName: true))
        }
        return out
    }

    /// `histogram_quantiles(buckets instant-vector, label string, q scalar...)` (experimental):
    /// one output series per histogram and quantile, the quantile in `label` formatted as
    /// OpenMetrics prints floats (`0.0`, `0.25`, `1.0`).
    static let quantiles: FunctionImplementation = { args, enh, annotations throws(QueryError) in
        let label = FunctionSupport.string(args, 1)
        var qs: [(q: Double, text: String)] = []
        if args.vectors.count > 2 {
            for i in 2..<args.vectors.count {
                let q = FunctionSupport.scalar(args, i)
                if q.isNaN || q < 0 || q > 1 {
                    annotations.warn(FunctionSupport.invalidQuantileMessage(q), at: FunctionSupport.position(args, i))
                }
                qs.append((q, openMetricsFloat(q)))
            }
        }
        let bucketsPosition = FunctionSupport.position(args, 0)
        let input = FunctionSupport.vector(args, 0)
        var groups = ClassicHistogram.groups(input, &enh, &annotations, position: bucketsPosition)
        let natives = NativeHistogramFunctions.samples(input, classic: &groups, &annotations, position: bucketsPosition)
        var out: Vector = []
        out.reserveCapacity((groups.count + natives.count) * qs.count)
        for s in natives {
            guard let h = s.h else { continue }
            for (q, text) in qs {
                let value = NativeHistogramFunctions.quantile(q, s, h, &annotations, position: bucketsPosition)
                out.append(VectorSample(metric: FunctionSupport.setting(label, text, in: s.metric), t: enh.ts, f: value, dropName: true))
            }
        }
        for g in groups {
            for (q, text) in qs {
                let (value, forced) = ClassicHistogram.quantile(q, g.buckets)
                if forced { annotations.info(monotonicityMessage(g.metric), at: bucketsPosition) }
                let metric = FunctionSupport.setting(label, text, in: g.metric)
                out.append(VectorSample(metric: metric, t: enh.ts, f: value, dropName: true))
            }
        }
        return out
    }

    /// `histogram_fraction(lower scalar, upper scalar, buckets instant-vector)`
    static let fraction: FunctionImplementation = { args, enh, annotations throws(QueryError) in
        let lower = FunctionSupport.scalar(args, 0), upper = FunctionSupport.scalar(args, 1)
        let position = FunctionSupport.position(args, 2)
        let input = FunctionSupport.vector(args, 2)
        var groups = ClassicHistogram.groups(input, &enh, &annotations, position: position)
        let natives = NativeHistogramFunctions.samples(input, classic: &groups, &annotations, position: position)
        var out: Vector = []
        out.reserveCapacity(groups.count + natives.count)
        for s in natives {
            guard let h = s.h else { continue }
            out.append(VectorSample(metric: s.metric, t: enh.ts, f: NativeHistogramFunctions.fraction(lower, upper, s, h, &annotations, position: position),
                                    dropName: true))
        }
        for g in groups {
            out.append(VectorSample(metric: g.metric, t: enh.ts, f: ClassicHistogram.fraction(lower, upper, g.buckets), dropName: true))
        }
        return out
    }

    /// `start_timestamp`: start timestamps are not stored, so there is never one to return.
    static let nativeOnly: FunctionImplementation = { _, enh, _ throws(QueryError) in
        enh.out.removeAll(keepingCapacity: true)
        return enh.out
    }

    /// The info upstream attaches when bucket counts had to be made monotonic.
    static func monotonicityMessage(_ metric: Labels) -> String {
        "input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name \(FunctionSupport.quoteGo(metric.metricName ?? ""))"
    }

    /// A float as OpenMetrics writes it: Go's shortest form, with `.0` added to integers.
    static func openMetricsFloat(_ v: Double) -> String {
        let s = GoFloat.format(v, .shortest)
        if v.isNaN || v.isInfinite || s.contains(".") || s.contains("e") { return s }
        return s + ".0"
    }
}
