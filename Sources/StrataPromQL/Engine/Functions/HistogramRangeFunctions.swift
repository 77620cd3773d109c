import StrataModel

/// Range functions over a window that holds native histograms (Prometheus's histogram
/// branches of `extrapolatedRate`, `instantValue`, `funcResets`, `funcChanges` and the
/// `*_over_time` functions). The engine calls `evaluate` only for windows of series that hold
/// histograms; windows of floats only keep the float implementations.
enum HistogramRangeFunctions {
    /// What a function gives for one window.
    enum Outcome {
        /// No output for this step.
        case none
        case float(Double)
        case histogram(FloatHistogram)
        /// The function does not read histograms: the engine runs its float implementation
        /// on the window's floats (histograms ignored, as Prometheus does).
        case floatsOnly
    }

    /// One window of one series.
    struct Window {
        let floats: ArraySlice<FPoint>
        let histograms: ArraySlice<HPoint>
        /// `(rangeStart, rangeEnd]`, ms.
        let rangeStart: Int64
        let rangeEnd: Int64
        /// The selector's range, ms (what `rate` divides by).
        let range: Int64
        let metricName: String
        let position: PositionRange?
    }

    /// Functions with a histogram branch.
    static let names: Set<String> = [
        "rate", "increase", "delta", "irate", "idelta", "resets", "changes", "last_over_time", "first_over_time",
        "count_over_time", "present_over_time", "sum_over_time", "avg_over_time",
        "ts_of_last_over_time", "ts_of_first_over_time",
    ]

    /// The result of function `name` (one of `names`) for window `w`.
    static func evaluate(_ name: String, _ w: Window, _ annotations: inout Annotations) -> Outcome {
        switch name {
        case "rate": return extrapolated(w, isCounter: true, isRate: true, &annotations)
        case "increase": return extrapolated(w, isCounter: true, isRate: false, &annotations)
        case "delta": return extrapolated(w, isCounter: false, isRate: false, &annotations)
        case "irate": return instant(w, isRate: true, &annotations)
        case "idelta": return instant(w, isRate: false, &annotations)
        case "count_over_time": return .float(Double(w.floats.count + w.histograms.count))
        case "present_over_time": return .float(1)
        case "last_over_time", "ts_of_last_over_time":
            let ft = w.floats.last?.t ?? .min
            if let h = w.histograms.last, h.t > ft {
                return name == "last_over_time" ? .histogram(h.h) : .float(Double(h.t) / 1000)
            }
            return .floatsOnly
        case "first_over_time", "ts_of_first_over_time":
            let ft = w.floats.first?.t ?? .max
            if let h = w.histograms.first, h.t < ft {
                return name == "first_over_time" ? .histogram(h.h) : .float(Double(h.t) / 1000)
            }
            return .floatsOnly
        case "sum_over_time", "avg_over_time":
            if w.histograms.isEmpty { return .floatsOnly }
            if !w.floats.isEmpty {
                annotations.warn(mixedFloatsHistograms(w.metricName), at: w.position)
                return .none
            }
            return sumOverTime(w, average: name == "avg_over_time", &annotations)
        case "resets": return .float(Double(resets(w)))
        case "changes": return .float(Double(changes(w)))
        default: return .floatsOnly
        }
    }

    /// Functions of floats that say so when they ignore the histograms of a mixed window.
    static let ignoresHistogramsInMixedRange: Set<String> = [
        "deriv", "predict_linear", "double_exponential_smoothing", "stddev_over_time", "stdvar_over_time",
        "mad_over_time", "quantile_over_time", "min_over_time", "max_over_time", "ts_of_min_over_time", "ts_of_max_over_time",
    ]

    static func ignoredInMixedRange(_ name: String) -> String {
        "ignored histograms in a range containing both floats and histograms for metric name \(quoteLabelValue(name))"
    }

    static func mixedFloatsHistograms(_ name: String) -> String {
        "encountered a mix of histograms and floats for metric name \(quoteLabelValue(name))"
    }

    static func mixedExponentialCustom(_ name: String) -> String {
        "vector contains a mix of histograms with exponential and custom buckets schemas for metric name \(quoteLabelValue(name))"
    }

    static func notCounter(_ name: String) -> String { "this native histogram metric is not a counter: \(quoteLabelValue(name))" }
    static func notGauge(_ name: String) -> String { "this native histogram metric is not a gauge: \(quoteLabelValue(name))" }

    /// The info Prometheus raises when custom bounds had to be reconciled (`operation`:
    /// aggregation, addition, subtraction).
    static func reconciled(_ operation: String) -> String { "mismatched custom buckets were reconciled during \(operation)" }

    /// `rate`, `increase`, `delta` of histograms (Prometheus `extrapolatedRate` with
    /// `histogramRate`).
    static func extrapolated(_ w: Window, isCounter: Bool, isRate: Bool, _ annotations: inout Annotations) -> Outcome {
        if !w.floats.isEmpty && !w.histograms.isEmpty {
            annotations.warn(mixedFloatsHistograms(w.metricName), at: w.position)
            return .none
        }
        if w.histograms.isEmpty { return .floatsOnly }
        let points = Array(w.histograms)
        guard points.count > 1 else { return .none }
        guard var result = histogramRate(points, isCounter: isCounter, w, &annotations) else { return .none }
        let firstT = points[0].t, lastT = points[points.count - 1].t
        var durationToStart = Double(firstT - w.rangeStart) / 1000
        var durationToEnd = Double(w.rangeEnd - lastT) / 1000
        let sampledInterval = Double(lastT - firstT) / 1000
        let average = sampledInterval / Double(points.count - 1)
        let threshold = average * 1.1
        if durationToStart >= threshold { durationToStart = average / 2 }
        if isCounter, result.count > 0, points[0].h.count >= 0 {
            let durationToZero = sampledInterval * (points[0].h.count / result.count)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        if durationToEnd >= threshold { durationToEnd = average / 2 }
        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval
        if isRate { factor /= Double(w.range) / 1000 }
        result = result.multiplied(by: factor)
        return .histogram(result)
    }

    /// The raw change of the histograms of a window, counter resets accounted for when
    /// `isCounter`; nil (with a warning) when they cannot be combined.
    static func histogramRate(_ points: [HPoint], isCounter: Bool, _ w: Window, _ annotations: inout Annotations) -> FloatHistogram? {
        var prev = points[0].h
        let last = points[points.count - 1].h
        if isCounter && (prev.counterResetHint == .gauge || last.counterResetHint == .gauge) {
            annotations.warn(notCounter(w.metricName), at: w.position)
        }
        if isCounter && points.count > 1 {
            let second = points[1].h
            if second.detectReset(previous: prev) {
                prev = FloatHistogram(schema: second.schema, customValues: second.customValues)
            }
        }
        if last.usesCustomBuckets != prev.usesCustomBuckets {
            annotations.warn(mixedExponentialCustom(w.metricName), at: w.position)
            return nil
        }
        var minSchema = min(prev.schema, last.schema)
        if points.count > 2 {
            for p in points[1..<(points.count - 1)] where isCounter {
                if p.h.counterResetHint == .gauge { annotations.warn(notCounter(w.metricName), at: w.position) }
                minSchema = min(minSchema, p.h.schema)
                if p.h.usesCustomBuckets != prev.usesCustomBuckets {
                    annotations.warn(mixedExponentialCustom(w.metricName), at: w.position)
                    return nil
                }
            }
        }
        var h = last.usesCustomBuckets ? last : last.reducedResolution(to: minSchema)
        do {
            if try h.subtract(prev) { annotations.info(reconciled("subtraction"), at: w.position) }
        } catch {
            annotations.warn(mixedExponentialCustom(w.metricName), at: w.position)
            return nil
        }
        if isCounter {
            var previous = prev
            for p in points.dropFirst() {
                if p.h.detectReset(previous: previous) {
                    do {
                        if try h.add(previous) { annotations.info(reconciled("aggregation"), at: w.position) }
                    } catch {
                        annotations.warn(mixedExponentialCustom(w.metricName), at: w.position)
                        return nil
                    }
                }
                previous = p.h
            }
        } else if points[0].h.counterResetHint != .gauge || last.counterResetHint != .gauge {
            annotations.warn(notGauge(w.metricName), at: w.position)
        }
        h.counterResetHint = .gauge
        return h.compacted(maxEmptyBuckets: 0)
    }

    /// `irate` and `idelta` (Prometheus `instantValue`): the last two samples of the window,
    /// of either kind.
    static func instant(_ w: Window, isRate: Bool, _ annotations: inout Annotations) -> Outcome {
        if w.histograms.isEmpty { return .floatsOnly }
        enum Point { case f(Int64, Double), h(Int64, FloatHistogram) }
        var all: [Point] = []
        for p in w.floats.suffix(2) { all.append(.f(p.t, p.f)) }
        for p in w.histograms.suffix(2) { all.append(.h(p.t, p.h)) }
        func time(_ p: Point) -> Int64 { switch p { case .f(let t, _), .h(let t, _): return t } }
        all.sort { time($0) < time($1) }
        guard all.count >= 2 else { return .none }
        let previous = all[all.count - 2], last = all[all.count - 1]
        let interval = time(last) - time(previous)
        switch (previous, last) {
        case (.f(_, let a), .f(_, let b)):
            var v = isRate && b < a ? b : b - a
            if isRate {
                if interval == 0 { return .none }
                v /= Double(interval) / 1000
            }
            return .float(v)
        case (.h(_, let a), .h(_, let b)):
            if isRate && (a.counterResetHint == .gauge || b.counterResetHint == .gauge) {
                annotations.warn(notCounter(w.metricName), at: w.position)
            }
            if !isRate && (a.counterResetHint != .gauge || b.counterResetHint != .gauge) {
                annotations.warn(notGauge(w.metricName), at: w.position)
            }
            var result = b
            if !isRate || !b.detectReset(previous: a) {
                do {
                    if try result.subtract(a) { annotations.info(reconciled("subtraction"), at: w.position) }
                } catch {
                    annotations.warn(mixedExponentialCustom(w.metricName), at: w.position)
                    return .none
                }
            }
            result.counterResetHint = .gauge
            result = result.compacted(maxEmptyBuckets: 0)
            if isRate {
                if interval == 0 { return .none }
                result = result.divided(by: Double(interval) / 1000)
            }
            return .histogram(result)
        default:
            annotations.warn(mixedFloatsHistograms(w.metricName), at: w.position)
            return .none
        }
    }

    /// `sum_over_time` / `avg_over_time` of histograms only.
    static func sumOverTime(_ w: Window, average: Bool, _ annotations: inout Annotations) -> Outcome {
        var summation = HistogramSummation()
        for p in w.histograms { summation.add(p.h) }
        if summation.incompatible {
            annotations.warn(mixedExponentialCustom(w.metricName), at: w.position)
            return .none
        }
        if summation.customBoundsReconciled { annotations.info(reconciled("aggregation"), at: w.position) }
        if summation.counterResetCollision { annotations.warn("conflicting counter resets during histogram aggregation", at: w.position) }
        guard let h = average ? summation.mean() : summation.result() else { return .none }
        return .histogram(h)
    }

    /// Samples of either kind in time order.
    private static func merged(_ w: Window) -> [(t: Int64, f: Double, h: FloatHistogram?)] {
        var out: [(t: Int64, f: Double, h: FloatHistogram?)] = []
        out.reserveCapacity(w.floats.count + w.histograms.count)
        var i = w.floats.startIndex, j = w.histograms.startIndex
        while i < w.floats.endIndex || j < w.histograms.endIndex {
            if j >= w.histograms.endIndex || (i < w.floats.endIndex && w.floats[i].t < w.histograms[j].t) {
                out.append((w.floats[i].t, w.floats[i].f, nil))
                i += 1
            } else {
                out.append((w.histograms[j].t, 0, w.histograms[j].h))
                j += 1
            }
        }
        return out
    }

    /// `resets`: float decreases, histogram counter resets and switches between the kinds.
    static func resets(_ w: Window) -> Int {
        let all = merged(w)
        var n = 0
        for k in all.indices.dropFirst() {
            let a = all[k - 1], b = all[k]
            switch (a.h, b.h) {
            case (nil, nil): if b.f < a.f { n += 1 }
            case (let x?, let y?): if y.detectReset(previous: x) { n += 1 }
            default: n += 1
            }
        }
        return n
    }

    /// `changes`: value changes, a switch between kinds counting as one.
    static func changes(_ w: Window) -> Int {
        let all = merged(w)
        var n = 0
        for k in all.indices.dropFirst() {
            let a = all[k - 1], b = all[k]
            switch (a.h, b.h) {
            case (nil, nil): if a.f != b.f && !(a.f.isNaN && b.f.isNaN) { n += 1 }
            case (let x?, let y?): if !x.equals(y) { n += 1 }
            default: n += 1
            }
        }
        return n
    }
}
