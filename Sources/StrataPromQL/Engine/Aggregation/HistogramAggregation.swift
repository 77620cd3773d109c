import StrataModel

/// One histogram input sample of an aggregation at one step.
struct HistogramAggregationSample {
    /// Index of the series in the `series` the aggregation was created with.
    var series: Int
    var h: FloatHistogram
}

extension Aggregation {
    /// Aggregates one step whose input holds native histograms, as Prometheus does:
    /// `sum`/`avg` add up the histograms of a group (a group with floats and histograms gives
    /// nothing and a warning), `count`/`group` count both kinds, every other operator works on
    /// the floats and ignores histograms with an info.
    mutating func stepWithHistograms(
        ts: Int64, floats: [AggregationSample], histograms: [HistogramAggregationSample], param: Double?, label: String?,
        position: PositionRange, annotations: inout Annotations
    ) throws(QueryError) -> Vector {
        if histograms.isEmpty {
            return try step(ts: ts, samples: floats, param: param, label: label, annotations: &annotations)
        }
        switch op {
        case .count, .group:
            var all = floats
            for s in histograms { all.append(AggregationSample(series: s.series, f: 0)) }
            all.sort { $0.series < $1.series }
            return try step(ts: ts, samples: all, param: param, label: label, annotations: &annotations)
        case .sum, .avg:
            return try sumHistograms(ts: ts, floats: floats, histograms: histograms, param: param, label: label,
                                     position: position, annotations: &annotations)
        case .count_values:
            guard var state = countValues else { return [] }
            countValues = nil  // Avoids a copy-on-write of the state while it is mutated.
            let out = state.histogramStep(ts: ts, samples: floats,
                                          histograms: histograms.map { ($0.series, HistogramGoString.string($0.h)) })
            countValues = state
            return out
        case .limitk, .limit_ratio:
            // These select series whatever their values: histograms are selected like floats
            // and come out as they went in.
            var all = floats
            var byLabels: [Labels: FloatHistogram] = [:]
            for s in histograms {
                all.append(AggregationSample(series: s.series, f: 0))
                byLabels[seriesLabels[s.series]] = s.h
            }
            all.sort { $0.series < $1.series }
            var out = try step(ts: ts, samples: all, param: param, label: label, annotations: &annotations)
            for i in out.indices {
                if let h = byLabels[out[i].metric] { out[i].h = h }
            }
            return out
        default:
            annotations.info("ignored histogram in \(op) aggregation", at: position)
            return try step(ts: ts, samples: floats, param: param, label: label, annotations: &annotations)
        }
    }

    /// `sum` and `avg` of a step with histograms.
    private mutating func sumHistograms(
        ts: Int64, floats: [AggregationSample], histograms: [HistogramAggregationSample], param: Double?, label: String?,
        position: PositionRange, annotations: inout Annotations
    ) throws(QueryError) -> Vector {
        let groupOf = grouping.groupOf
        var histogramGroups = Set<Int>()
        for s in histograms { histogramGroups.insert(groupOf[s.series]) }
        var mixed = Set<Int>()
        for s in floats where histogramGroups.contains(groupOf[s.series]) { mixed.insert(groupOf[s.series]) }
        if !mixed.isEmpty { annotations.warn("encountered a mix of histograms and floats for aggregation", at: position) }
        let floatOnly = floats.filter { !histogramGroups.contains(groupOf[$0.series]) }
        var out = try step(ts: ts, samples: floatOnly, param: param, label: label, annotations: &annotations)

        struct Group {
            var summation = HistogramSummation()
            var dropName = false
            /// Name of the series that made the group incompatible, for the warning.
            var failedAt: String? = nil
        }
        var groups: [Int: Group] = [:]
        var order: [Int] = []
        for s in histograms {
            let g = groupOf[s.series]
            if mixed.contains(g) { continue }
            var group = groups[g] ?? Group()
            if groups[g] == nil { order.append(g) }
            group.dropName = group.dropName || seriesDropName[s.series]
            let wasIncompatible = group.summation.incompatible
            group.summation.add(s.h)
            if !wasIncompatible && group.summation.incompatible { group.failedAt = seriesLabels[s.series].metricName ?? "" }
            groups[g] = group
        }
        var collision = false
        for g in order.sorted() {
            guard let group = groups[g] else { continue }
            if let name = group.failedAt {
                annotations.warn(HistogramRangeFunctions.mixedExponentialCustom(name), at: position)
                continue
            }
            if group.summation.customBoundsReconciled {
                annotations.info(HistogramRangeFunctions.reconciled("aggregation"), at: position)
            }
            collision = collision || group.summation.counterResetCollision
            guard let h = op == .avg ? group.summation.mean() : group.summation.result() else { continue }
            out.append(VectorSample(metric: grouping.labels[g], t: ts, h: h, dropName: group.dropName))
        }
        if collision { annotations.warn("conflicting counter resets during histogram aggregation", at: position) }
        return out
    }
}
