/// The signature of a PromQL function.
public struct PromQLFunction: Sendable, Equatable {
    /// The name, as called.
    public let name: String
    /// Argument types; with `variadic != 0` the last one may repeat or be left out.
    public let argTypes: [ValueType]
    /// 0: exactly `argTypes.count` arguments; n > 0: the last up to n times (so also absent);
    /// -1: the last any number of times (at least `argTypes.count - 1` arguments).
    public let variadic: Int
    /// The type of the result.
    public let returnType: ValueType
    /// Behind a feature flag in Prometheus.
    public let experimental: Bool

    init(_ name: String, _ argTypes: [ValueType], _ returnType: ValueType = .vector, variadic: Int = 0, experimental: Bool = false) {
        self.name = name
        self.argTypes = argTypes
        self.variadic = variadic
        self.returnType = returnType
        self.experimental = experimental
    }

    /// Every function Prometheus 3.x knows, by name.
    public static let all: [String: PromQLFunction] = {
        var table: [String: PromQLFunction] = [:]
        func add(_ f: PromQLFunction) { table[f.name] = f }
        let v = ValueType.vector, m = ValueType.matrix, s = ValueType.scalar, str = ValueType.string
        for name in ["abs", "absent", "ceil", "exp", "floor", "ln", "log2", "log10", "sqrt", "sgn", "sort", "sort_desc",
                     "timestamp", "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev",
                     "histogram_stdvar", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin",
                     "sinh", "tan", "tanh", "deg", "rad"] {
            add(PromQLFunction(name, [v]))
        }
        for name in ["absent_over_time", "avg_over_time", "count_over_time", "last_over_time", "max_over_time",
                     "min_over_time", "present_over_time", "stddev_over_time", "stdvar_over_time", "sum_over_time",
                     "changes", "delta", "deriv", "idelta", "increase", "irate", "rate", "resets"] {
            add(PromQLFunction(name, [m]))
        }
        for name in ["mad_over_time", "first_over_time", "ts_of_first_over_time", "ts_of_last_over_time",
                     "ts_of_max_over_time", "ts_of_min_over_time"] {
            add(PromQLFunction(name, [m], experimental: true))
        }
        for name in ["day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year"] {
            add(PromQLFunction(name, [v], variadic: 1))
        }
        add(PromQLFunction("round", [v, s], variadic: 1))
        add(PromQLFunction("clamp", [v, s, s]))
        add(PromQLFunction("clamp_max", [v, s]))
        add(PromQLFunction("clamp_min", [v, s]))
        add(PromQLFunction("double_exponential_smoothing", [m, s, s], experimental: true))
        add(PromQLFunction("histogram_fraction", [s, s, v]))
        add(PromQLFunction("histogram_quantile", [s, v]))
        add(PromQLFunction("histogram_quantiles", [v, str, s], variadic: -1, experimental: true))
        add(PromQLFunction("label_join", [v, str, str, str], variadic: -1))
        add(PromQLFunction("label_replace", [v, str, str, str, str]))
        add(PromQLFunction("pi", [], s))
        add(PromQLFunction("predict_linear", [m, s]))
        add(PromQLFunction("quantile_over_time", [s, m]))
        add(PromQLFunction("scalar", [v], s))
        add(PromQLFunction("sort_by_label", [v, str], variadic: -1, experimental: true))
        add(PromQLFunction("sort_by_label_desc", [v, str], variadic: -1, experimental: true))
        add(PromQLFunction("time", [], s))
        add(PromQLFunction("vector", [s]))
        add(PromQLFunction("info", [v, v], variadic: 1, experimental: true))
        add(PromQLFunction("start_timestamp", [v], experimental: true))
        return table
    }()
}
