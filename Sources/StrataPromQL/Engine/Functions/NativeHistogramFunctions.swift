import StrataModel

/// The functions of native histogram samples: `histogram_count`, `histogram_sum`,
/// `histogram_avg`, `histogram_stddev`, `histogram_stdvar`, and the native half of
/// `histogram_quantile(s)` and `histogram_fraction` (the classic half is `ClassicHistogram`).
/// Float samples produce nothing here, as in Prometheus.
enum NativeHistogramFunctions {
    /// A function of one histogram.
    static func make(_ f: @escaping @Sendable (FloatHistogram) -> Double) -> FunctionImplementation {
        { args, enh, _ throws(QueryError) in
            enh.out.removeAll(keepingCapacity: true)
            for s in FunctionSupport.vector(args, 0) {
                guard let h = s.h else { continue }
                enh.out.append(VectorSample(metric: s.metric, t: enh.ts, f: f(h), dropName: true))
            }
            return enh.out
        }
    }

    static let count = make { $0.count }
    static let sum = make { $0.sum }
    static let avg = make { $0.sum / $0.count }
    static let stddev = make { $0.stddev() }
    static let stdvar = make { $0.stdvar() }

    /// The native histogram samples of `input` a quantile or fraction is computed for. A
    /// native histogram whose labels equal a classic histogram's (its bucket series without
    /// `le`) at this step makes both unusable: Prometheus drops both and warns.
    static func samples(
        _ input: Vector, classic groups: inout [ClassicHistogram.Group], _ annotations: inout Annotations, position: PositionRange?
    ) -> [VectorSample] {
        var out: [VectorSample] = []
        for s in input where s.h != nil {
            if !groups.isEmpty, let i = groups.firstIndex(where: { $0.metric == FunctionSupport.removing(["le"], from: s.metric) }) {
                annotations.warn(
                    "vector contains a mix of classic and native histograms for metric name \(FunctionSupport.quoteGo(s.metric.metricName ?? ""))",
                    at: position)
                groups.remove(at: i)
                continue
            }
            out.append(s)
        }
        return out
    }

    /// `histogram_quantile` of one native histogram, with the info Prometheus attaches when NaN
    /// observations decide or skew the result.
    static func quantile(_ q: Double, _ s: VectorSample, _ h: FloatHistogram, _ annotations: inout Annotations, position: PositionRange?) -> Double {
        let (value, effect) = h.quantileDetail(q)
        let name = FunctionSupport.quoteGo(s.metric.metricName ?? "")
        switch effect {
        case .none: break
        case .resultIsNaN:
            annotations.info("input to histogram_quantile has NaN observations, result is NaN for metric name \(name)", at: position)
        case .resultSkewedHigher:
            annotations.info("input to histogram_quantile has NaN observations, result is skewed higher for metric name \(name)", at: position)
        }
        return value
    }

    /// `histogram_fraction` of one native histogram, with the info about NaN observations.
    static func fraction(_ lower: Double, _ upper: Double, _ s: VectorSample, _ h: FloatHistogram,
                         _ annotations: inout Annotations, position: PositionRange?) -> Double {
        let (value, excluded) = h.fractionDetail(lower: lower, upper: upper)
        if excluded {
            annotations.info(
                "input to histogram_fraction has NaN observations, which are excluded from all fractions for metric name \(FunctionSupport.quoteGo(s.metric.metricName ?? ""))",
                at: position)
        }
        return value
    }
}
