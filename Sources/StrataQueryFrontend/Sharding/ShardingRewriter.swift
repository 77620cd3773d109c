import StrataModel
import StrataPromQL

/// Rewrites a PromQL expression for query sharding, as Mimir's query-frontend does: each
/// shardable aggregation runs as N shard queries, each reading only the series of one
/// `__query_shard__="i_of_N"` shard, and the frontend merges their results with an outer
/// expression.
///
/// Shardable: `sum`, `count`, `min`, `max`, `avg`, `group`, `topk`, `bottomk` (number-literal
/// k), `stddev` and `stdvar`, `by` or `without`, over a series-local expression (see
/// `isSeriesLocal`). Merges:
/// - `sum`, `count` → `sum` of the shards' results; `min`, `max`, `group` → the same operator;
/// - `avg` → `sum` of the shards' sums over `sum` of their counts;
/// - `topk`/`bottomk` → the same operator over the shards' own top k (the global top k is
///   among them);
/// - `stddev`/`stdvar` → Chan et al.'s parallel formula from each shard's count, mean and
///   variance; the between-shard term is taken around the smallest shard mean, so shards whose
///   means are equal contribute exactly nothing, as Welford's algorithm would. Input that may
///   hold native histograms is read through `clamp(…, -Inf, +Inf)` (floats only), since these
///   aggregations ignore histograms but the count and avg legs would not.
///
/// Not sharded, deliberately:
/// - anything inside a subquery or a range-vector argument: a shard query runs at the outer
///   query's steps, not at a subquery's;
/// - queries with an `@` modifier (step-invariant evaluation is left to the querier) and
///   queries using experimental functions (the querier decides whether they are enabled);
/// - `quantile`, `count_values`, `limitk`, `limit_ratio` (no exact merge from per-shard
///   results), aggregations whose k or other parameter is not a number literal, and
///   aggregations over anything that combines series (vector-vector operators, other
///   aggregations, `absent`, `scalar()`, `vector()`, sorting, `histogram_quantile`, …);
/// - any node that reads `__name__` (an aggregation `by` a list holding it, `label_replace` or
///   `label_join` naming it, vector matching `on` it or copying it with `group_left`/`right`):
///   the engine removes a dropped metric name only when the query's result leaves it
///   (Prometheus 3's delayed name removal), so such a node can still see a name that a leg's
///   result, being a finished query's, no longer has. Such a node stays inside one leg.
///
/// Every maximal instant-vector part that reads storage but holds nothing shardable becomes a
/// leg of one query, so the frontend's engine only ever reads legs.
public enum ShardingRewriter {
    /// The plan for `expr` with `totalShards` shards per sharded aggregation, or nil when
    /// nothing in it can be sharded (or `totalShards` is below 2 or above
    /// `QueryShard.maxShards`), in which case the query should run as it is.
    public static func rewrite(_ expr: Expr, totalShards: Int) -> ShardingPlan? {
        guard totalShards >= 2, totalShards <= QueryShard.maxShards else { return nil }
        guard !ExprWalk.hasAtModifier(expr), !ExprWalk.usesExperimental(expr) else { return nil }
        var state = RewriteState(totalShards: totalShards)
        guard let rewritten = state.process(expr), state.legs.contains(where: \.isSharded) else { return nil }
        return ShardingPlan(expr: rewritten, legs: state.legs, totalShards: totalShards)
    }

    /// The aggregations with an exact merge from per-shard results.
    static let shardableAggregations: Set<AggregateOp> = [
        .sum, .count, .min, .max, .avg, .group, .topk, .bottomk, .stddev, .stdvar,
    ]

    /// Functions of one series' samples (`rate(x[5m])` of each series depends only on that
    /// series), so an aggregation over them can be split by series.
    static let seriesLocalFunctions: Set<String> = [
        // Range functions.
        "rate", "increase", "irate", "delta", "idelta", "deriv", "changes", "resets",
        "avg_over_time", "count_over_time", "last_over_time", "max_over_time", "min_over_time",
        "present_over_time", "stddev_over_time", "stdvar_over_time", "sum_over_time",
        "quantile_over_time", "predict_linear",
        // Per-sample functions.
        "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "round",
        "clamp", "clamp_max", "clamp_min", "acos", "acosh", "asin", "asinh", "atan", "atanh",
        "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad", "timestamp",
        "label_replace", "label_join",
        "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year",
        "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar",
    ]

    /// Whether `expr` computes each output series from one input series alone: selectors
    /// (without `@`), series-local functions, arithmetic and comparisons with a scalar that
    /// reads no storage, unary minus, parentheses; ranges of those as function arguments.
    /// It must read storage through exactly one selector.
    static func isSeriesLocal(_ expr: Expr) -> Bool {
        switch expr {
        case .vectorSelector(let vs):
            return vs.at == nil
        case .paren(let p):
            return isSeriesLocal(p.expr)
        case .unary(let u):
            return isSeriesLocal(u.expr)
        case .binary(let b):
            guard !b.op.isSetOperator else { return false }
            if b.lhs.type == .vector && b.rhs.type == .scalar {
                return isSeriesLocal(b.lhs) && !ExprWalk.readsStorage(b.rhs)
            }
            if b.lhs.type == .scalar && b.rhs.type == .vector {
                return isSeriesLocal(b.rhs) && !ExprWalk.readsStorage(b.lhs)
            }
            return false
        case .call(let c):
            guard seriesLocalFunctions.contains(c.function.name) else { return false }
            var seriesArgs = 0
            for arg in c.args {
                switch arg.type {
                case .vector:
                    guard isSeriesLocal(arg) else { return false }
                    seriesArgs += 1
                case .matrix:
                    guard isSeriesLocalRange(arg) else { return false }
                    seriesArgs += 1
                case .scalar:
                    // A scalar that read storage would read only the shard's part of it.
                    guard !ExprWalk.readsStorage(arg) else { return false }
                case .string:
                    break
                }
            }
            return seriesArgs == 1
        case .number, .string, .matrixSelector, .subquery, .aggregate:
            return false
        }
    }

    /// Functions whose result is float samples only, whatever their input (histogram inputs
    /// are read as floats, or ignored).
    static let floatOnlyFunctions: Set<String> = [
        "count_over_time", "present_over_time", "changes", "resets", "timestamp",
        "max_over_time", "min_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
        "deriv", "predict_linear",
        "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "round",
        "clamp", "clamp_max", "clamp_min", "acos", "acosh", "asin", "asinh", "atan", "atanh",
        "cos", "cosh", "sin", "sinh", "tan", "tanh", "deg", "rad",
        "day_of_month", "day_of_week", "day_of_year", "days_in_month", "hour", "minute", "month", "year",
        "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev", "histogram_stdvar",
    ]

    /// Whether series-local `expr` can only produce float samples. Conservative: a selector, or
    /// anything passing its input through (`rate`, `label_replace`, `* 2`), may yield native
    /// histograms, since the type of stored samples is not known ahead.
    static func yieldsFloatsOnly(_ expr: Expr) -> Bool {
        switch expr {
        case .paren(let p): return yieldsFloatsOnly(p.expr)
        case .unary(let u): return yieldsFloatsOnly(u.expr)
        case .binary(let b):
            // Comparisons drop histograms, but a `bool` comparison or arithmetic keeps the vector side's kind.
            return (b.lhs.type != .vector || yieldsFloatsOnly(b.lhs)) && (b.rhs.type != .vector || yieldsFloatsOnly(b.rhs))
        case .call(let c):
            if floatOnlyFunctions.contains(c.function.name) { return true }
            if c.function.name == "label_replace" || c.function.name == "label_join" {
                return c.args.first.map(yieldsFloatsOnly) ?? false
            }
            return false
        case .number: return true
        default: return false
        }
    }

    /// Whether the node itself reads the metric name of its input series (see the type's notes).
    static func observesMetricName(_ expr: Expr) -> Bool {
        switch expr {
        case .aggregate(let a):
            return !a.without && a.grouping.contains(metricNameLabel)
        case .call(let c) where c.function.name == "label_replace" || c.function.name == "label_join":
            return c.args.contains {
                if case .string(let s) = ExprWalk.unwrapped($0) { return s.value == metricNameLabel }
                return false
            }
        case .binary(let b):
            guard let m = b.matching else { return false }
            return (m.on && m.matchingLabels.contains(metricNameLabel)) || m.include.contains(metricNameLabel)
        default:
            return false
        }
    }

    /// A range-vector argument of a series-local function: a range selector, or a subquery of
    /// a series-local expression (its steps are multiples of its own step, independent of the
    /// outer query's start, so each shard computes it exactly as the whole query would).
    static func isSeriesLocalRange(_ expr: Expr) -> Bool {
        switch expr {
        case .matrixSelector(let ms): return ms.vectorSelector.at == nil
        case .subquery(let sq): return sq.at == nil && isSeriesLocal(sq.expr)
        case .paren(let p): return isSeriesLocalRange(p.expr)
        default: return false
        }
    }
}

/// The legs collected while one expression is rewritten.
struct RewriteState {
    let totalShards: Int
    private(set) var legs: [ShardingPlan.Leg] = []
    /// Legs already planned, so that a repeated part (`sum(x) / sum(x)`, or the count of an
    /// `avg` next to a `count` of the same input) runs once.
    private var legIndex: [ShardingPlan.Leg: Int] = [:]

    init(totalShards: Int) {
        self.totalShards = totalShards
    }

    /// `expr` (of an instant-vector or scalar context of the outer query) with its shardable
    /// aggregations replaced by merges of legs, or nil when nothing in it was sharded. A nil
    /// result has added no legs.
    mutating func process(_ expr: Expr) -> Expr? {
        if ShardingRewriter.observesMetricName(expr) { return nil }
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector, .subquery:
            // Nothing to shard at this level, and nothing below a subquery is sharded.
            return nil
        case .paren(var p):
            guard let inner = process(p.expr) else { return nil }
            p.expr = inner
            return .paren(p)
        case .unary(var u):
            guard let inner = process(u.expr) else { return nil }
            u.expr = inner
            return .unary(u)
        case .aggregate(var a):
            if let merged = shard(a) { return merged }
            let saved = self
            let param = a.param.flatMap { process($0) }
            let inner = process(a.expr)
            guard param != nil || inner != nil else { return nil }
            if let p = a.param {
                guard let replaced = param ?? embed(p) else {
                    self = saved
                    return nil
                }
                a.param = replaced
            }
            guard let replaced = inner ?? embed(a.expr) else {
                self = saved
                return nil
            }
            a.expr = replaced
            return .aggregate(a)
        case .binary(var b):
            let saved = self
            let lhs = process(b.lhs)
            let rhs = process(b.rhs)
            guard lhs != nil || rhs != nil else { return nil }
            guard let l = lhs ?? embed(b.lhs), let r = rhs ?? embed(b.rhs) else {
                self = saved
                return nil
            }
            b.lhs = l
            b.rhs = r
            return .binary(b)
        case .call(var c):
            // A range argument that reads storage cannot be a leg (legs are instant vectors),
            // so such a call stays whole, to be a leg itself.
            if c.args.contains(where: { $0.type == .matrix && ExprWalk.readsStorage($0) }) { return nil }
            let saved = self
            let processed = c.args.map { process($0) }
            guard processed.contains(where: { $0 != nil }) else { return nil }
            for i in c.args.indices {
                guard let arg = processed[i] ?? embed(c.args[i]) else {
                    self = saved
                    return nil
                }
                c.args[i] = arg
            }
            return .call(c)
        }
    }

    /// `expr`, in which nothing was sharded, made fit for the outer expression: unchanged when
    /// it reads no storage; an embedded selector of a one-query leg when it is an instant
    /// vector; for a scalar, its parts so replaced (`scalar(x)` → `scalar(<leg x>)`). Nil for a
    /// range vector that reads storage.
    mutating func embed(_ expr: Expr) -> Expr? {
        guard ExprWalk.readsStorage(expr) else { return expr }
        switch expr.type {
        case .vector:
            return selector(forLeg: addLeg(ShardingPlan.Leg(queries: [PromQL.format(expr)], isSharded: false, labelsShards: false)),
                            at: expr.position)
        case .string, .matrix:
            return nil
        case .scalar:
            switch expr {
            case .paren(var p):
                guard let inner = embed(p.expr) else { return nil }
                p.expr = inner
                return .paren(p)
            case .unary(var u):
                guard let inner = embed(u.expr) else { return nil }
                u.expr = inner
                return .unary(u)
            case .binary(var b):
                guard let l = embed(b.lhs), let r = embed(b.rhs) else { return nil }
                b.lhs = l
                b.rhs = r
                return .binary(b)
            case .call(var c):
                for i in c.args.indices {
                    guard let arg = embed(c.args[i]) else { return nil }
                    c.args[i] = arg
                }
                return .call(c)
            default:
                return nil
            }
        }
    }

    /// The merge of the shards of `a`, or nil when `a` is not shardable.
    mutating func shard(_ a: AggregateExpr) -> Expr? {
        guard ShardingRewriter.shardableAggregations.contains(a.op), ShardingRewriter.isSeriesLocal(a.expr) else { return nil }
        if a.op == .topk || a.op == .bottomk {
            guard let p = a.param, case .number = ExprWalk.unwrapped(p) else { return nil }
        }

        // Legs added before a failure below are taken back, so a nil result adds no legs.
        let saved = self
        guard let merged = shardLegsAndMerge(a) else {
            self = saved
            return nil
        }
        return merged
    }

    /// Adds the legs of shardable `a` and returns its merge.
    private mutating func shardLegsAndMerge(_ a: AggregateExpr) -> Expr? {
        // The shard queries of each leg the merge reads.
        let legOps: [AggregateOp]
        switch a.op {
        case .count: legOps = [.count]
        case .avg: legOps = [.sum, .count]
        case .stddev, .stdvar: legOps = [.count, .avg, .stdvar]
        default: legOps = [a.op]
        }
        let labelsShards = a.op != .topk && a.op != .bottomk
        // stddev/stdvar ignore native histograms, but their count and avg legs would not (count
        // counts them, avg drops a group mixing both kinds). Over input that may hold histograms
        // the legs read it through `clamp(…, -Inf, +Inf)`, which is the identity on floats (NaN
        // and ±Inf included) and drops histograms, as the unsharded aggregation ignores them.
        var input = a.expr
        if (a.op == .stddev || a.op == .stdvar) && !ShardingRewriter.yieldsFloatsOnly(a.expr) {
            guard let clamped = try? PromQL.parse("clamp(\(PromQL.format(a.expr)), -Inf, +Inf)") else { return nil }
            input = clamped
        }
        var legNumbers: [Int] = []
        for op in legOps {
            var part = a
            part.expr = input
            part.op = op
            if op != .topk && op != .bottomk { part.param = nil }
            var queries: [String] = []
            queries.reserveCapacity(totalShards)
            for i in 0..<totalShards {
                guard let shard = QueryShard(index: i, count: totalShards) else { return nil }
                let sharded = ExprWalk.mapSelectors(.aggregate(part)) { vs in
                    vs.matchers.append(shard.matcher)
                }
                queries.append(PromQL.format(sharded))
            }
            legNumbers.append(addLeg(ShardingPlan.Leg(queries: queries, isSharded: true, labelsShards: labelsShards)))
        }

        // The merge, written as text over the legs' selectors and parsed; its aggregations then
        // get the grouping (shard-labelled series lose the shard label again).
        let leg = legNumbers.map(Self.selectorText)
        var grouping = a.without ? a.grouping + [ShardingPlan.shardLabel] : a.grouping
        let text: String
        switch a.op {
        case .sum, .count:
            text = "sum(\(leg[0]))"
        case .min, .max, .group:
            text = "\(a.op.rawValue)(\(leg[0]))"
        case .topk, .bottomk:
            text = "\(a.op.rawValue)(1, \(leg[0]))"
            grouping = a.grouping
        case .avg:
            text = "(sum(\(leg[0])) / sum(\(leg[1])))"
        case .stddev, .stdvar:
            let (c, m, v) = (leg[0], leg[1], leg[2])
            let s = ShardingPlan.shardLabel
            let n = "sum(\(c))"
            // Chan et al.: M2 = Σ nᵢ·varᵢ + Σ nᵢ·(meanᵢ − mean)². The mean is taken as an offset
            // from the smallest shard mean, so equal shard means give exactly zero deviations.
            let lowest = "min(\(m))"
            // `group_left ()` spelled out: `group_left (` would read the parenthesised operand
            // as its label list.
            let mean = "(\(lowest) + sum(\(c) * (\(m) - ignoring (\(s)) group_left () \(lowest))) / \(n))"
            let m2 = "(sum(\(c) * \(v)) + sum(\(c) * (\(m) - ignoring (\(s)) group_left () \(mean)) ^ 2))"
            text = a.op == .stdvar ? "(\(m2) / \(n))" : "sqrt(\(m2) / \(n))"
        default:
            return nil
        }
        guard var merged = try? PromQL.parse(text) else { return nil }
        merged = ExprWalk.regroup(merged, grouping: grouping, without: a.without)
        if a.op == .topk || a.op == .bottomk, case .aggregate(var top) = merged {
            top.param = a.param
            merged = .aggregate(top)
        }
        return ExprWalk.relocate(merged, to: a.position)
    }

    /// The index of `leg`, added unless an equal leg is already planned.
    private mutating func addLeg(_ leg: ShardingPlan.Leg) -> Int {
        if let k = legIndex[leg] { return k }
        legs.append(leg)
        legIndex[leg] = legs.count - 1
        return legs.count - 1
    }

    /// The embedded selector of leg `k` as query text.
    static func selectorText(_ k: Int) -> String {
        "\(ShardingPlan.embeddedMetricName){\(ShardingPlan.legLabel)=\"\(k)\"}"
    }

    /// The embedded selector of leg `k`, placed at `position` of the user's query.
    private func selector(forLeg k: Int, at position: PositionRange) -> Expr? {
        guard let parsed = try? PromQL.parse(Self.selectorText(k)) else { return nil }
        return ExprWalk.relocate(parsed, to: position)
    }
}
