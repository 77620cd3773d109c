import StrataModel

/// The running value of one output group of a value-computing aggregation within a step.
struct FloatGroup: Sendable {
    /// Sum, min/max, or the sum of squared deviations (stddev/stdvar), depending on the operator.
    var value: Double = 0
    /// Running mean (avg in incremental mode, stddev/stdvar).
    var mean: Double = 0
    /// Kahan compensation of `value` (or of `mean` once avg switched to incremental mode).
    var c: Double = 0
    /// Number of samples aggregated, as a float because it only ever divides floats.
    var count: Double = 0
    /// Whether the group received a sample in the current step.
    var seen = false
    /// avg switched from direct summation to the incremental mean after the sum overflowed.
    var incrementalMean = false
    /// Some input sample carried the delayed-name-drop flag.
    var dropName = false
}

/// Per-group state of `sum`, `avg`, `count`, `min`, `max`, `group`, `stddev`, `stdvar` and
/// `quantile`, reused from step to step.
struct FloatAggregationState: Sendable {
    /// One entry per output group.
    var groups: ContiguousArray<FloatGroup>
    /// The values of each group at this step, for `quantile` only (buffers kept across steps).
    var values: ContiguousArray<ContiguousArray<Double>>

    /// State for `groupCount` groups; `keepsValues` for `quantile`.
    init(groupCount: Int, keepsValues: Bool) {
        groups = ContiguousArray(repeating: FloatGroup(), count: groupCount)
        values = keepsValues ? ContiguousArray(repeating: [], count: groupCount) : []
    }
}

extension Aggregation {
    /// `sum`, kept apart from the general loop because it is by far the most common aggregation.
    mutating func sumStep(ts: Int64, samples: [AggregationSample]) -> Vector {
        var touched = self.touched
        self.touched = []  // Keeps the buffer uniquely referenced while it is filled.
        touched.removeAll(keepingCapacity: true)
        var inOrder = true
        let groupOf = grouping.groupOf
        let drops = seriesDropName
        let anyDrop = anyDropName
        floats.groups.withUnsafeMutableBufferPointer { groups in
            for s in samples {
                let g = groupOf[s.series]
                if !groups[g].seen {
                    groups[g] = FloatGroup(value: s.f, mean: s.f, c: 0, count: 1, seen: true,
                                           incrementalMean: false, dropName: anyDrop && drops[s.series])
                    if let last = touched.last, last > g { inOrder = false }
                    touched.append(g)
                    continue
                }
                if anyDrop && drops[s.series] { groups[g].dropName = true }
                (groups[g].value, groups[g].c) = FunctionMath.kahanSumInc(s.f, groups[g].value, groups[g].c)
            }
        }
        self.touched = touched
        return emitFloatGroups(ts: ts, inOrder: inOrder, q: 0)
    }

    /// Every value-computing aggregation but `sum`: accumulates the step's samples per group, then
    /// emits one sample per group that had input.
    mutating func floatStep(ts: Int64, samples: [AggregationSample], q: Double) -> Vector {
        // The buffers are moved out of `self` for the loop so they stay uniquely referenced and
        // can be written through raw pointers without exclusivity conflicts.
        var touched = self.touched
        var groupStates = floats.groups
        var values = floats.values
        self.touched = []
        floats.groups = []
        floats.values = []
        touched.removeAll(keepingCapacity: true)
        var inOrder = true
        let op = self.op
        let groupOf = grouping.groupOf
        let drops = seriesDropName
        groupStates.withUnsafeMutableBufferPointer { groups in
            for s in samples {
                let g = groupOf[s.series]
                let f = s.f
                if !groups[g].seen {
                    var group = FloatGroup(value: f, mean: f, c: 0, count: 1, seen: true,
                                           incrementalMean: false, dropName: drops[s.series])
                    switch op {
                    case .stddev, .stdvar:
                        // A single non-finite sample makes the deviation undefined from the start.
                        group.value = f.isNaN || f.isInfinite ? .nan : 0
                    case .group:
                        group.value = 1
                    case .quantile:
                        values[g].removeAll(keepingCapacity: true)
                        values[g].append(f)
                    default:
                        break
                    }
                    groups[g] = group
                    if let last = touched.last, last > g { inOrder = false }
                    touched.append(g)
                    continue
                }
                if drops[s.series] { groups[g].dropName = true }
                switch op {
                case .avg:
                    Self.addToMean(f, &groups[g])
                case .count:
                    groups[g].count += 1
                case .max:
                    let v = groups[g].value
                    if v < f || v.isNaN { groups[g].value = f }
                case .min:
                    let v = groups[g].value
                    if v > f || v.isNaN { groups[g].value = f }
                case .stddev, .stdvar:
                    // Welford's online algorithm, in the same order of operations as Prometheus.
                    var group = groups[g]
                    group.count += 1
                    let delta = f - group.mean
                    group.mean += delta / group.count
                    group.value += delta * (f - group.mean)
                    groups[g] = group
                case .quantile:
                    values[g].append(f)
                default:
                    break
                }
            }
        }
        self.touched = touched
        floats.groups = groupStates
        floats.values = values
        return emitFloatGroups(ts: ts, inOrder: inOrder, q: q)
    }

    /// Adds `f` to an avg group: direct Kahan summation while the sum stays finite, then the
    /// incremental mean (with compensation) from the sample that would overflow it on.
    @inline(__always)
    static func addToMean(_ f: Double, _ group: inout FloatGroup) {
        group.count += 1
        if !group.incrementalMean {
            let (sum, c) = FunctionMath.kahanSumInc(f, group.value, group.c)
            if !sum.isInfinite {
                group.value = sum
                group.c = c
                return
            }
            group.incrementalMean = true
            group.mean = group.value / (group.count - 1)
            group.c /= group.count - 1
        }
        let q = (group.count - 1) / group.count
        (group.mean, group.c) = FunctionMath.kahanSumInc(f / group.count, q * group.mean, q * group.c)
    }

    /// Turns the touched groups into output samples (in group order, as Prometheus emits them)
    /// and clears them for the next step.
    mutating func emitFloatGroups(ts: Int64, inOrder: Bool, q: Double) -> Vector {
        if !inOrder {
            var order = touched
            touched = []
            Self.orderTouched(&order, groupCount: floats.groups.count) { floats.groups[$0].seen }
            touched = order
        }
        var out = Vector()
        out.reserveCapacity(touched.count)
        for g in touched {
            let group = floats.groups[g]
            floats.groups[g].seen = false
            let f: Double
            switch op {
            case .sum:
                f = group.value + group.c
            case .avg:
                if group.incrementalMean {
                    f = group.mean + group.c
                } else {
                    f = group.value / group.count + group.c / group.count
                }
            case .count:
                f = group.count
            case .stdvar:
                f = group.value / group.count
            case .stddev:
                f = (group.value / group.count).squareRoot()
            case .quantile:
                f = AggregationMath.quantile(q, &floats.values[g])
            default:
                f = group.value
            }
            out.append(VectorSample(metric: grouping.labels[g], t: ts, f: f, dropName: group.dropName))
        }
        return out
    }
}
