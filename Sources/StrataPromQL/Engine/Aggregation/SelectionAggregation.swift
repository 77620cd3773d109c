import StrataModel

/// One candidate of a `topk`/`bottomk`/`limitk`/`limit_ratio` group: an input series and its value.
struct SelectionEntry: Sendable {
    /// Input series index.
    var series: Int
    /// Its value at this step.
    var f: Double
}

/// Per-group state of `topk`, `bottomk`, `limitk` and `limit_ratio`, reused from step to step.
struct SelectionAggregationState: Sendable {
    /// The selected entries of each group, kept as a binary heap in the same layout as
    /// Prometheus's, so ties are broken the same way.
    var heaps: ContiguousArray<ContiguousArray<SelectionEntry>>
    /// Whether each group received a sample in the current step.
    var seen: ContiguousArray<Bool>
    /// `limit_ratio`: each series' position in [0, 1], from its label hash (empty otherwise).
    var ratioOffsets: ContiguousArray<Double>

    /// State for `groupCount` groups; `series` only for `limit_ratio`, to precompute offsets.
    init(groupCount: Int, series: [Labels]) {
        heaps = ContiguousArray(repeating: [], count: groupCount)
        seen = ContiguousArray(repeating: false, count: groupCount)
        ratioOffsets = ContiguousArray(series.map { Self.ratioOffset(of: $0) })
    }

    /// Where a series falls in [0, 1] for `limit_ratio`'s deterministic sampling: its label hash
    /// over the largest hash. Strata's `stableHash` is the same xxHash64 over
    /// `name 0xff value 0xff …` that Prometheus's `Labels.Hash` computes, so the same series are
    /// picked.
    static func ratioOffset(of labels: Labels) -> Double {
        Double(labels.stableHash) / Double(UInt64.max)
    }

    /// Whether `limit_ratio(r)` keeps the series at `offset`: the lowest `r` of the hash range
    /// for r ≥ 0, the highest `|r|` for r < 0, so `r` and `-(1-r)` select complements.
    @inline(__always)
    static func ratioKeeps(_ r: Double, offset: Double) -> Bool {
        r >= 0 ? offset < r : offset >= 1 + r
    }
}

extension Aggregation {
    /// `topk`, `bottomk`, `limitk`, `limit_ratio` at one step: keeps up to k (or the ratio's share
    /// of) input samples per group, with their full labels.
    mutating func selectionStep(
        ts: Int64, samples: [AggregationSample], param: Double, annotations: inout Annotations
    ) throws(QueryError) -> Vector {
        var k = 0
        var ratio = 0.0
        switch op {
        case .limit_ratio:
            guard let r = try AggregationParams.checkedRatio(param, position: paramPosition,
                                                             validated: paramsValidated,
                                                             annotations: &annotations)
            else { return [] }
            ratio = r
        default:
            guard let checked = try AggregationParams.checkedK(param, seriesCount: seriesLabels.count,
                                                               validated: paramsValidated)
            else { return [] }
            k = checked
        }
        if samples.isEmpty { return [] }

        // Moved out of `self` for the loop so they stay uniquely referenced while mutated.
        var touched = self.touched
        var heaps = selection.heaps
        var seen = selection.seen
        self.touched = []
        selection.heaps = []
        selection.seen = []
        touched.removeAll(keepingCapacity: true)
        var inOrder = true
        let op = self.op
        let bottom = op == .bottomk
        let groupOf = grouping.groupOf
        let offsets = selection.ratioOffsets
        for s in samples {
            let g = groupOf[s.series]
            let entry = SelectionEntry(series: s.series, f: s.f)
            if !seen[g] {
                seen[g] = true
                heaps[g].removeAll(keepingCapacity: true)
                if let last = touched.last, last > g { inOrder = false }
                touched.append(g)
                if op != .limit_ratio || SelectionAggregationState.ratioKeeps(ratio, offset: offsets[s.series]) {
                    heaps[g].append(entry)
                }
                continue
            }
            switch op {
            case .topk, .bottomk:
                if heaps[g].count < k {
                    SelectionHeap.push(&heaps[g], entry, bottom: bottom)
                } else {
                    let root = heaps[g][0].f
                    let better = bottom ? root > s.f : root < s.f
                    if better || (root.isNaN && !s.f.isNaN) {
                        heaps[g][0] = entry
                        if k > 1 { SelectionHeap.fixRoot(&heaps[g], bottom: bottom) }
                    }
                }
            case .limitk:
                if heaps[g].count < k {
                    SelectionHeap.push(&heaps[g], entry, bottom: false)
                }
            case .limit_ratio:
                if SelectionAggregationState.ratioKeeps(ratio, offset: offsets[s.series]) {
                    SelectionHeap.push(&heaps[g], entry, bottom: false)
                }
            default:
                break
            }
        }

        if !inOrder {
            Self.orderTouched(&touched, groupCount: seen.count) { seen[$0] }
        }
        var out = Vector()
        for g in touched {
            seen[g] = false
            if op == .topk || op == .bottomk {
                SelectionHeap.sortBestFirst(&heaps[g], bottom: bottom)
            }
            for e in heaps[g] {
                out.append(VectorSample(metric: seriesLabels[e.series], t: ts, f: e.f,
                                        dropName: seriesDropName[e.series]))
            }
        }
        self.touched = touched
        selection.heaps = heaps
        selection.seen = seen
        return out
    }
}
