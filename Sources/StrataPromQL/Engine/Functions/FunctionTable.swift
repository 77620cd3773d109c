/// The implementations of PromQL's functions, by name.
enum FunctionTable {
    /// The implementation of `name`, or nil when the engine evaluates it itself (`info`) or the
    /// name is unknown.
    static func implementation(for name: String) -> FunctionImplementation? {
        table[name]
    }

    /// Every function of `PromQLFunction.all` except `info`.
    static let table: [String: FunctionImplementation] = {
        var t: [String: FunctionImplementation] = [
            // Counters and gauges over a window.
            "rate": Extrapolation.rate,
            "increase": Extrapolation.increase,
            "delta": Extrapolation.delta,
            "irate": Extrapolation.irate,
            "idelta": Extrapolation.idelta,
            "resets": RangeFunctions.resets,
            "changes": RangeFunctions.changes,
            "deriv": RangeFunctions.deriv,
            "predict_linear": RangeFunctions.predictLinear,
            "double_exponential_smoothing": RangeFunctions.doubleExponentialSmoothing,
            // *_over_time.
            "avg_over_time": OverTime.avg.implementation,
            "sum_over_time": OverTime.sum.implementation,
            "count_over_time": OverTime.count.implementation,
            "min_over_time": OverTime.min.implementation,
            "max_over_time": OverTime.max.implementation,
            "last_over_time": OverTime.last.implementation,
            "first_over_time": OverTime.first.implementation,
            "present_over_time": OverTime.present.implementation,
            "stddev_over_time": OverTime.stddev.implementation,
            "stdvar_over_time": OverTime.stdvar.implementation,
            "quantile_over_time": OverTime.quantile,
            "mad_over_time": OverTime.mad.implementation,
            "ts_of_first_over_time": OverTime.tsOfFirst.implementation,
            "ts_of_last_over_time": OverTime.tsOfLast.implementation,
            "ts_of_max_over_time": OverTime.tsOfMax.implementation,
            "ts_of_min_over_time": OverTime.tsOfMin.implementation,
            "absent_over_time": Absent.absentOverTime,
            "absent": Absent.absent,
            // Element-wise math.
            "round": MathFunctions.round,
            "clamp": MathFunctions.clamp,
            "clamp_max": MathFunctions.clampMax,
            "clamp_min": MathFunctions.clampMin,
            // Scalars and time.
            "time": ScalarFunctions.time,
            "pi": ScalarFunctions.pi,
            "vector": ScalarFunctions.vector,
            "scalar": ScalarFunctions.scalar,
            "timestamp": ScalarFunctions.timestamp,
            // Labels and order.
            "label_replace": LabelFunctions.labelReplace,
            "label_join": LabelFunctions.labelJoin,
            "sort": SortFunctions.sort,
            "sort_desc": SortFunctions.sortDesc,
            "sort_by_label": SortFunctions.sortByLabel,
            "sort_by_label_desc": SortFunctions.sortByLabelDesc,
            // Histograms.
            "histogram_quantile": HistogramFunctions.quantile,
            "histogram_quantiles": HistogramFunctions.quantiles,
            "histogram_fraction": HistogramFunctions.fraction,
            "histogram_count": NativeHistogramFunctions.count,
            "histogram_sum": NativeHistogramFunctions.sum,
            "histogram_avg": NativeHistogramFunctions.avg,
            "histogram_stddev": NativeHistogramFunctions.stddev,
            "histogram_stdvar": NativeHistogramFunctions.stdvar,
            // Start timestamps are not stored, so there is never one to return.
            "start_timestamp": HistogramFunctions.nativeOnly,
        ]
        for (name, f) in MathFunctions.unary { t[name] = f }
        for (name, f) in DateFunctions.all { t[name] = f }
        return t
    }()
}
