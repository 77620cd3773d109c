import StrataModel

/// How the input series of one aggregation node map onto its output groups.
///
/// Computed once per node: every series' grouping labels are built and hashed here, so the
/// per-step loops only read an integer group index per sample.
struct AggregationGrouping: Sendable {
    /// Group index of every input series (same order as the series given to `Aggregation`).
    var groupOf: ContiguousArray<Int>
    /// The output labels of every group: `by` labels kept, or `without` labels and `__name__`
    /// removed.
    var labels: [Labels]

    /// Groups `series` by the `by`/`without` clause `grouping`.
    init(series: [Labels], grouping: [String], without: Bool) {
        var index: [Labels: Int] = [:]
        var groupOf = ContiguousArray<Int>()
        groupOf.reserveCapacity(series.count)
        var labels: [Labels] = []
        for metric in series {
            let key = Self.groupLabels(of: metric, grouping: grouping, without: without)
            if let g = index[key] {
                groupOf.append(g)
            } else {
                let g = labels.count
                index[key] = g
                labels.append(key)
                groupOf.append(g)
            }
        }
        self.groupOf = groupOf
        self.labels = labels
    }

    /// The labels of `metric` that identify its group.
    ///
    /// `by` keeps exactly the listed labels (even `__name__` when listed); `without` drops the
    /// listed ones and always `__name__`, since an aggregate is no longer the named metric.
    static func groupLabels(of metric: Labels, grouping: [String], without: Bool) -> Labels {
        if without {
            var kept = ContiguousArray<Label>()
            kept.reserveCapacity(metric.count)
            for label in metric.storage where label.name != metricNameLabel && !grouping.contains(label.name) {
                kept.append(label)
            }
            return Labels(presorted: kept)
        }
        if grouping.isEmpty { return .empty }
        var kept = ContiguousArray<Label>()
        kept.reserveCapacity(grouping.count)
        for label in metric.storage where grouping.contains(label.name) {
            kept.append(label)
        }
        return Labels(presorted: kept)
    }
}
