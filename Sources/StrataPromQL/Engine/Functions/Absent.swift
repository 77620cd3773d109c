import StrataModel

/// `absent` and `absent_over_time`: a single sample of value 1 when the argument is empty.
enum Absent {
    /// `absent(v)`: `{labels of the selector's equality matchers} 1` when `v` is empty.
    static let absent: FunctionImplementation = { args, enh, _ throws(QueryError) in
        enh.out.removeAll(keepingCapacity: true)
        guard FunctionSupport.vector(args, 0).isEmpty else { return enh.out }
        let labels = args.exprs.first.map(labelsForAbsent) ?? .empty
        enh.out.append(VectorSample(metric: labels, t: enh.ts, f: 1))
        return enh.out
    }

    /// `absent_over_time(v range-vector)` for one step: 1 when no series of the window has a
    /// sample. (The engine evaluates the function over all series itself; this is the per-step
    /// rule for callers that gather a step's windows.)
    static let absentOverTime: FunctionImplementation = { args, enh, _ throws(QueryError) in
        enh.out.removeAll(keepingCapacity: true)
        guard args.window.allSatisfy({ $0.floats.isEmpty }) else { return enh.out }
        let labels = args.exprs.first.map(labelsForAbsent) ?? .empty
        enh.out.append(VectorSample(metric: labels, t: enh.ts, f: 1))
        return enh.out
    }

    /// The labels Prometheus gives `absent`'s sample: the equality matchers of a (range) vector
    /// selector argument, except `__name__` and any label matched more than once or otherwise.
    /// Other arguments (including parenthesised selectors and subqueries) give no labels.
    static func labelsForAbsent(_ expr: Expr) -> Labels {
        let matchers: [LabelMatcher]
        switch expr {
        case .vectorSelector(let vs): matchers = vs.matchers
        case .matrixSelector(let ms): matchers = ms.vectorSelector.matchers
        default: return .empty
        }
        var values: [String: String] = [:]
        var seen = Set<String>()
        for m in matchers where m.name != metricNameLabel {
            if m.type == .equal && !seen.contains(m.name) {
                // An empty value means "label absent", as Prometheus's label builder treats it.
                values[m.name] = m.value.isEmpty ? nil : m.value
                seen.insert(m.name)
            } else {
                values[m.name] = nil
            }
        }
        return Labels(values)
    }
}
