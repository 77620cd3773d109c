import StrataModel

/// One input sample of an aggregation at one step: which input series and its value.
public struct AggregationSample: Sendable {
    /// Index of the series in the `series` the aggregation was created with.
    public var series: Int
    /// The value at this step.
    public var f: Double

    /// Creates a sample.
    @inlinable
    public init(series: Int, f: Double) {
        self.series = series
        self.f = f
    }
}

/// The state of one aggregation node (`sum by (job) (…)`, `topk(3, …)`) across the steps of a query.
///
/// Created once per node with the labels of every input series, so grouping keys are computed
/// once per series rather than once per step; then `step` is called for each evaluation time
/// with that step's samples.
struct Aggregation {
    /// Prepares the aggregation of `expr` over input series with these labels (and their
    /// delayed-name-drop flags, same order).
    init(expr: AggregateExpr, series: [Labels], dropName: [Bool]) throws(QueryError) {
        throw .execution("aggregation \(expr.op.rawValue) is not built yet")
    }

    /// Aggregates one step. `param` is the numeric parameter at this step (`topk`, `quantile`,
    /// `limitk`, `limit_ratio`), `label` the string parameter of `count_values`.
    mutating func step(
        ts: Int64, samples: [AggregationSample], param: Double?, label: String?, annotations: inout Annotations
    ) throws(QueryError) -> Vector {
        []
    }
}
