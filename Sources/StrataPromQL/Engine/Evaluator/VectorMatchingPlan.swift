import StrataModel

/// What a vector-vector operation precomputes per input series: the signature ordinal that
/// pairs series of the two sides, so no label set is hashed per step.
struct VectorMatchingPlan {
    /// Signature ordinal of each left series.
    let lhsSig: [Int]
    /// Signature ordinal of each right series.
    let rhsSig: [Int]
    /// Number of distinct signatures.
    let count: Int

    /// Numbers the distinct signatures of both sides' series.
    init(lhs: Matrix, rhs: Matrix, matching: VectorMatching) {
        var ordinals: [Labels: Int] = [:]
        let names = Set(matching.matchingLabels)
        func ordinal(_ labels: Labels) -> Int {
            let sig = labels.matchSignature(on: matching.on, names: names)
            if let o = ordinals[sig] { return o }
            let o = ordinals.count
            ordinals[sig] = o
            return o
        }
        lhsSig = lhs.map { ordinal($0.metric) }
        rhsSig = rhs.map { ordinal($0.metric) }
        count = ordinals.count
    }
}

extension Labels {
    /// The labels a vector match compares: only `names` with `on`, otherwise all but `names`
    /// and the metric name.
    func matchSignature(on: Bool, names: Set<String>) -> Labels {
        var kept = ContiguousArray<Label>()
        for l in self {
            if on {
                if names.contains(l.name) { kept.append(l) }
            } else if l.name != metricNameLabel && !names.contains(l.name) {
                kept.append(l)
            }
        }
        return Labels(presorted: kept)
    }

    /// The labels without the name and the other reserved metadata labels (`__type__`, `__unit__`).
    func droppingMetadata() -> Labels {
        var kept = ContiguousArray<Label>()
        kept.reserveCapacity(count)
        for l in self where l.name != metricNameLabel && l.name != "__type__" && l.name != "__unit__" {
            kept.append(l)
        }
        if kept.count == count { return self }
        return Labels(presorted: kept)
    }
}

extension Labels {
    /// Prometheus's `Labels.String()`: every label, the name included, as `{a="1", b="2"}`.
    var promString: String {
        var out = "{"
        for (i, l) in enumerated() {
            if i > 0 { out += ", " }
            out += l.name + "=" + quoteLabelValue(l.value)
        }
        return out + "}"
    }
}
