import StrataModel

/// State of `count_values("label", v)`: counts the input samples per group and distinct value.
///
/// The grouping labels of each series without the value label are computed once; per step only
/// the value's text is added, so a series is never regrouped by hashing its labels again.
struct CountValuesState: Sendable {
    /// The output key of one count: a base group and a value.
    private struct Key: Hashable {
        var base: Int
        /// Bit pattern of the value (NaNs folded to one), or 0 when the value label does not
        /// survive the grouping.
        var bits: UInt64
    }

    /// The label that receives the value.
    let valueLabel: String
    /// Whether the value label is part of the output (always for `by`; for `without` unless it is
    /// listed or is `__name__`).
    let keepsValue: Bool
    /// Base group of every input series.
    let baseOf: ContiguousArray<Int>
    /// Output labels of every base group, without the value label.
    let baseLabels: [Labels]
    /// This step's counts, reused.
    private var counts: [Key: Int] = [:]
    /// This step's keys in first-seen order, with the value they stand for.
    private var order: [(key: Key, f: Double)] = []

    /// Prepares `count_values` of `series` into `valueLabel`, grouped by `grouping`/`without`.
    init(series: [Labels], valueLabel: String, grouping: [String], without: Bool) {
        self.valueLabel = valueLabel
        keepsValue = without ? !(grouping.contains(valueLabel) || valueLabel == metricNameLabel) : true
        var index: [Labels: Int] = [:]
        var baseOf = ContiguousArray<Int>()
        baseOf.reserveCapacity(series.count)
        var baseLabels: [Labels] = []
        for metric in series {
            // The value label is overwritten by the value, so the series' own one never counts.
            let withoutValue = Labels(presorted: metric.storage.filter { $0.name != valueLabel })
            let base = AggregationGrouping.groupLabels(of: withoutValue, grouping: grouping, without: without)
            if let b = index[base] {
                baseOf.append(b)
            } else {
                index[base] = baseLabels.count
                baseOf.append(baseLabels.count)
                baseLabels.append(base)
            }
        }
        self.baseOf = baseOf
        self.baseLabels = baseLabels
    }

    /// Counts one step's samples.
    mutating func step(ts: Int64, samples: [AggregationSample]) -> Vector {
        counts.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        for s in samples {
            let bits: UInt64 = keepsValue ? (s.f.isNaN ? Double.nan.bitPattern : s.f.bitPattern) : 0
            let key = Key(base: baseOf[s.series], bits: bits)
            if let n = counts[key] {
                counts[key] = n + 1
            } else {
                counts[key] = 1
                order.append((key, s.f))
            }
        }
        var out = Vector()
        out.reserveCapacity(order.count)
        for (key, f) in order {
            var metric = baseLabels[key.base]
            if keepsValue {
                // Prometheus writes the value with Go's strconv.FormatFloat(f, 'f', -1, 64).
                metric = Self.adding(Label(name: valueLabel, value: GoFloat.format(f, .fixed)), to: metric)
            }
            out.append(VectorSample(metric: metric, t: ts, f: Double(counts[key] ?? 0)))
        }
        return out
    }

    /// Counts one step's histogram samples, each by its text (`HistogramGoString`), after the
    /// floats of the same step were counted by `step`. Without the value label (`without` the
    /// label itself) every sample of a group counts together, so histograms count as floats.
    mutating func histogramStep(ts: Int64, samples: [AggregationSample], histograms: [(series: Int, text: String)]) -> Vector {
        guard keepsValue else {
            return step(ts: ts, samples: samples + histograms.map { AggregationSample(series: $0.series, f: 0) })
        }
        var out = step(ts: ts, samples: samples)
        var counts: [String: Int] = [:]
        var order: [(base: Int, text: String)] = []
        for h in histograms {
            let key = "\(baseOf[h.series])\u{0}\(h.text)"
            if let n = counts[key] {
                counts[key] = n + 1
            } else {
                counts[key] = 1
                order.append((baseOf[h.series], h.text))
            }
        }
        for (base, text) in order {
            let metric = Self.adding(Label(name: valueLabel, value: text), to: baseLabels[base])
            out.append(VectorSample(metric: metric, t: ts, f: Double(counts["\(base)\u{0}\(text)"] ?? 0)))
        }
        return out
    }

    /// `labels` with `label` inserted at its sorted place (replacing a label of the same name).
    static func adding(_ label: Label, to labels: Labels) -> Labels {
        var storage = labels.storage
        var i = 0
        while i < storage.count && storage[i].name.utf8.lexicographicallyPrecedes(label.name.utf8) { i += 1 }
        if i < storage.count && storage[i].name == label.name {
            storage[i] = label
        } else {
            storage.insert(label, at: i)
        }
        return Labels(presorted: storage)
    }
}
