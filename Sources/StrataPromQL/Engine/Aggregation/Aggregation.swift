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
    /// The operator.
    let op: AggregateOp
    /// Where the parameter is in the query (parentheses removed, as Prometheus reports it).
    let paramPosition: PositionRange?
    /// Labels of every input series; the output labels of `topk`/`bottomk`/`limitk`/`limit_ratio`.
    let seriesLabels: [Labels]
    /// Delayed-name-drop flag of every input series.
    let seriesDropName: ContiguousArray<Bool>
    /// Whether any input series has the flag; when none has, the per-sample lookup is skipped.
    let anyDropName: Bool
    /// Input series → output group.
    let grouping: AggregationGrouping
    /// Running state of `sum`, `avg`, `count`, `min`, `max`, `group`, `stddev`, `stdvar`, `quantile`.
    var floats: FloatAggregationState
    /// Running state of `topk`, `bottomk`, `limitk`, `limit_ratio`.
    var selection: SelectionAggregationState
    /// Running state of `count_values`.
    var countValues: CountValuesState?
    /// Set by `validate(params:annotations:)`: the parameter checks (errors and warnings) were
    /// done over the whole query range, so `step` does not repeat them per step.
    var paramsValidated = false
    /// Groups that received a sample in the current step (put in group order before output).
    var touched: ContiguousArray<Int> = []

    /// Prepares the aggregation of `expr` over input series with these labels (and their
    /// delayed-name-drop flags, same order).
    init(expr: AggregateExpr, series: [Labels], dropName: [Bool]) throws(QueryError) {
        op = expr.op
        paramPosition = expr.param.map { Self.unwrapParens($0).position }
        seriesLabels = series
        var drops = ContiguousArray(dropName)
        if drops.count < series.count {
            drops.append(contentsOf: repeatElement(false, count: series.count - drops.count))
        }
        seriesDropName = drops
        anyDropName = drops.contains(true)
        if op == .count_values {
            guard let param = expr.param, case .string(let literal) = Self.unwrapParens(param) else {
                throw .execution("count_values requires a string label name parameter")
            }
            let name = literal.value
            if let raw = literal.invalidUTF8 {
                throw .execution("invalid label name \(goQuote(bytes: raw))")
            }
            if name.isEmpty {
                throw .execution("invalid label name \(goQuote(name))")
            }
            countValues = CountValuesState(series: series, valueLabel: name, grouping: expr.grouping,
                                           without: expr.without)
            grouping = AggregationGrouping(series: [], grouping: [], without: false)
        } else {
            grouping = AggregationGrouping(series: series, grouping: expr.grouping, without: expr.without)
        }
        let groupCount = grouping.labels.count
        floats = FloatAggregationState(groupCount: op.isSelection || op == .count_values ? 0 : groupCount,
                                       keepsValues: op == .quantile)
        selection = SelectionAggregationState(
            groupCount: op.isSelection ? groupCount : 0,
            series: op == .limit_ratio ? series : [])
    }

    /// Checks the numeric parameter over every step of the query at once, as Prometheus does
    /// before aggregating: one error or warning for the whole range instead of one per step.
    ///
    /// Optional: without it `step` checks each step's parameter itself, which gives the same
    /// result whenever the parameter is constant.
    mutating func validate(params: [Double], annotations: inout Annotations) throws(QueryError) {
        try AggregationParams.validateRange(op: op, params: params, position: paramPosition,
                                            annotations: &annotations)
        paramsValidated = true
    }

    /// Aggregates one step. `param` is the numeric parameter at this step (`topk`, `quantile`,
    /// `limitk`, `limit_ratio`), `label` the string parameter of `count_values`.
    mutating func step(
        ts: Int64, samples: [AggregationSample], param: Double?, label: String?, annotations: inout Annotations
    ) throws(QueryError) -> Vector {
        switch op {
        case .sum:
            return sumStep(ts: ts, samples: samples)
        case .avg, .count, .min, .max, .group, .stddev, .stdvar:
            return floatStep(ts: ts, samples: samples, q: 0)
        case .quantile:
            let q = param ?? .nan
            if !paramsValidated {
                AggregationParams.checkQuantile(q, position: paramPosition, annotations: &annotations)
            }
            return floatStep(ts: ts, samples: samples, q: q)
        case .topk, .bottomk, .limitk, .limit_ratio:
            return try selectionStep(ts: ts, samples: samples, param: param ?? .nan, annotations: &annotations)
        case .count_values:
            guard var state = countValues else { return [] }
            countValues = nil  // Avoids a copy-on-write of the state while it is mutated.
            let out = state.step(ts: ts, samples: samples)
            countValues = state
            return out
        }
    }

    /// Puts the touched groups back in group order, the order Prometheus emits groups in: a sort
    /// when few groups had samples, a linear scan of the per-group flags when most did.
    static func orderTouched(_ touched: inout ContiguousArray<Int>, groupCount: Int, isSeen: (Int) -> Bool) {
        if touched.count * 8 < groupCount {
            touched.sort()
            return
        }
        touched.removeAll(keepingCapacity: true)
        for g in 0..<groupCount where isSeen(g) { touched.append(g) }
    }

    /// `expr` without enclosing parentheses: Prometheus strips them from parameters before
    /// evaluation, so positions in messages point inside them.
    static func unwrapParens(_ expr: Expr) -> Expr {
        var e = expr
        while case .paren(let p) = e { e = p.expr }
        return e
    }
}

extension AggregateOp {
    /// The operators that select input series rather than compute new values.
    var isSelection: Bool {
        switch self {
        case .topk, .bottomk, .limitk, .limit_ratio: return true
        default: return false
        }
    }
}
