import StrataModel

/// Shared helpers for reading function arguments and building outputs.
enum FunctionSupport {
    /// The value of the scalar argument `i` at this step (NaN when the engine passed nothing).
    @inlinable
    static func scalar(_ args: FunctionArgs, _ i: Int) -> Double {
        guard i < args.vectors.count, let first = args.vectors[i].first else { return .nan }
        return first.f
    }

    /// The instant-vector argument `i` at this step (empty when absent).
    @inlinable
    static func vector(_ args: FunctionArgs, _ i: Int) -> Vector {
        i < args.vectors.count ? args.vectors[i] : []
    }

    /// The string literal of argument `i`, looking through parentheses as Prometheus does.
    static func string(_ args: FunctionArgs, _ i: Int) -> String {
        guard i < args.exprs.count else { return "" }
        return string(of: args.exprs[i])
    }

    /// The string literal `expr` denotes, or "" when it is not a (parenthesised) string.
    static func string(of expr: Expr) -> String {
        switch expr {
        case .string(let s): return s.value
        case .paren(let p): return string(of: p.expr)
        default: return ""
        }
    }

    /// Position of argument `i` for annotations, or nil when the engine passed no expressions.
    static func position(_ args: FunctionArgs, _ i: Int) -> PositionRange? {
        i < args.exprs.count ? args.exprs[i].position : nil
    }

    /// Applies `f` to every sample of the first argument, marking the name for removal as every
    /// value-changing function of Prometheus 3 does.
    @inlinable
    static func map(_ args: FunctionArgs, _ enh: inout EvalNodeHelper, _ f: (Double) -> Double) -> Vector {
        let input = vector(args, 0)
        enh.out.removeAll(keepingCapacity: true)
        enh.out.reserveCapacity(input.count)
        // Only float samples: Prometheus's element-wise functions skip histograms.
        for s in input where s.h == nil {
            enh.out.append(VectorSample(metric: s.metric, t: enh.ts, f: f(s.f), dropName: true))
        }
        return enh.out
    }

    /// A one-sample result for a range-vector function: the window's labels and name-drop flag.
    @inlinable
    static func rangeResult(_ series: SeriesResult, _ value: Double, _ enh: inout EvalNodeHelper, keepName: Bool = false) -> Vector {
        enh.out.removeAll(keepingCapacity: true)
        enh.out.append(VectorSample(metric: series.metric, t: enh.ts, f: value, dropName: keepName ? series.dropName : true))
        return enh.out
    }

    /// A label set without `names`.
    static func removing(_ names: Set<String>, from labels: Labels) -> Labels {
        var kept = ContiguousArray<Label>()
        kept.reserveCapacity(labels.count)
        for l in labels.storage where !names.contains(l.name) { kept.append(l) }
        return Labels(presorted: kept)
    }

    /// `labels` with `name` set to `value` (removed when `value` is empty, as Prometheus's
    /// label builder does).
    static func setting(_ name: String, _ value: String, in labels: Labels) -> Labels {
        var out = ContiguousArray<Label>()
        out.reserveCapacity(labels.count + 1)
        var inserted = value.isEmpty
        for l in labels.storage {
            if l.name == name { continue }
            if !inserted && name.utf8.lexicographicallyPrecedes(l.name.utf8) {
                out.append(Label(name: name, value: value))
                inserted = true
            }
            out.append(l)
        }
        if !inserted { out.append(Label(name: name, value: value)) }
        return Labels(presorted: out)
    }

    /// Quotes like Go's `%q` for the texts annotations carry (metric names, label values).
    static func quoteGo(_ s: String) -> String {
        quoteLabelValue(s)
    }

    /// The warning upstream raises for a quantile outside [0, 1].
    static func invalidQuantileMessage(_ q: Double) -> String {
        "quantile value should be between 0 and 1, got \(GoFloat.format(q, .shortest))"
    }
}
