import StrataModel
import StrataPromQL

/// Compares query results with an `eval`'s expectations the way upstream's test runner does.
enum ConformanceComparison {
    /// Relative error allowed between float values (upstream's `defaultEpsilon`).
    static let epsilon = 0.000001

    /// Upstream's `almost.Equal`: stale markers equal only each other, NaN equals NaN, and
    /// otherwise the difference relative to the magnitudes must stay under `epsilon`.
    static func almostEqual(_ a: Double, _ b: Double, epsilon: Double = epsilon) -> Bool {
        if StaleNaN.isStale(a) || StaleNaN.isStale(b) { return StaleNaN.isStale(a) && StaleNaN.isStale(b) }
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let absSum = abs(a) + abs(b)
        let diff = abs(a - b)
        let minNormal = Double.leastNormalMagnitude
        if a == 0 || b == 0 || absSum < minNormal { return diff < epsilon * minNormal }
        return diff / min(absSum, Double.greatestFiniteMagnitude) < epsilon
    }

    /// Nil when `value` satisfies `eval`, else why not.
    static func compare(_ eval: ConformanceEval, _ value: QueryValue) -> String? {
        switch value {
        case .matrix(let matrix): return compareMatrix(eval, matrix)
        case .vector(let vector): return compareVector(eval, vector)
        case .scalar(_, let f):
            guard eval.expectScalar else { return "expected vector or matrix result, but got scalar \(ConformanceFormat.float(f))" }
            guard case .float(let expected) = eval.scalar else { return "expected a histogram but got scalar \(ConformanceFormat.float(f))" }
            return almostEqual(expected, f) ? nil : "expected scalar \(ConformanceFormat.float(expected)) but got \(ConformanceFormat.float(f))"
        case .string(_, let s):
            let expected = eval.expectedString ?? ""
            return expected == s ? nil : "expected string \"\(expected)\" but got \"\(s)\""
        }
    }

    static func compareVector(_ eval: ConformanceEval, _ vector: Vector) -> String? {
        if eval.expectScalar { return "expected scalar result, but got vector \(describe(vector))" }
        let expected = index(eval)
        var seen = Set<Labels>()
        for (pos, sample) in vector.enumerated() {
            guard let exp = expected[sample.metric] else {
                return "unexpected metric \(sample.metric) in result, has value \(ConformanceFormat.float(sample.f))"
            }
            if eval.isOrdered && exp.position != pos + 1 {
                return "expected metric \(sample.metric) at position \(exp.position) but was at \(pos + 1)"
            }
            guard let first = exp.values.first else {
                return "expected metric \(sample.metric) has no value in the script"
            }
            switch first {
            case .histogram(let expected):
                guard let actual = sample.h else {
                    return "expected histogram value for \(sample.metric) but got float value \(ConformanceFormat.float(sample.f))"
                }
                if let why = ConformanceHistogramCompare.difference(expected, actual) {
                    return "expected \(expected) for \(sample.metric) but got \(ConformanceHistogramFormat.describe(actual)): \(why)"
                }
            case .omitted, .float:
                if let h = sample.h {
                    return "expected float value for \(sample.metric) but got histogram \(ConformanceHistogramFormat.describe(h))"
                }
                // Upstream compares a `_` written in an instant result as the value 0.
                let f: Double
                if case .float(let v) = first { f = v } else { f = 0 }
                if !almostEqual(f, sample.f) {
                    return "expected \(ConformanceFormat.float(f)) for \(sample.metric) but got \(ConformanceFormat.float(sample.f))"
                }
            }
            seen.insert(sample.metric)
        }
        for exp in eval.series where !seen.contains(exp.labels) {
            return "expected metric \(exp.labels) with \(exp.values) not found (result: \(describe(vector)))"
        }
        return nil
    }

    static func compareMatrix(_ eval: ConformanceEval, _ matrix: Matrix) -> String? {
        if eval.isOrdered { return "expected ordered result, but query returned a matrix" }
        if eval.expectScalar { return "expected scalar result, but got matrix \(describe(matrix))" }
        if let unsorted = sortError(matrix) { return unsorted }
        let expected = index(eval)
        var seen = Set<Labels>()
        for series in matrix {
            guard let exp = expected[series.metric] else {
                return "unexpected metric \(series.metric) in result, has \(describe(series.floats))"
            }
            seen.insert(series.metric)
            var points: [FPoint] = []
            var hpoints: [(t: Int64, h: ConformanceHistogram)] = []
            points.reserveCapacity(exp.values.count)
            for (i, v) in exp.values.enumerated() {
                // Multiply in Int64 only while in range: a huge count with step 0 cannot overflow.
                let (offset, overflow) = Int64(i).multipliedReportingOverflow(by: eval.step)
                let t = eval.start &+ offset
                if overflow || t > eval.end {
                    return "expected \(exp.values.count) points for \(series.metric), but query time range cannot return this many"
                }
                switch v {
                case .float(let f): points.append(FPoint(t: t, f: f))
                case .omitted: break
                case .histogram(let h): hpoints.append((t, h))
                }
            }
            if hpoints.count != series.histograms.count {
                return "expected \(hpoints.count) histogram points for \(series.metric), but got \(series.histograms.count) (\(describe(series.histograms)))"
            }
            for (i, (e, a)) in zip(hpoints, series.histograms).enumerated() {
                if e.t != a.t {
                    return "expected histogram value at index \(i) for \(series.metric) to have timestamp \(e.t), but it had timestamp \(a.t) (result has \(describe(series.histograms)))"
                }
                if let why = ConformanceHistogramCompare.difference(e.h, a.h) {
                    return "expected histogram value at index \(i) (t=\(a.t)) for \(series.metric) to be \(e.h), but got \(ConformanceHistogramFormat.describe(a.h)): \(why)"
                }
            }
            if points.count != series.floats.count {
                return "expected \(points.count) float points for \(series.metric), but got \(describe(series.floats))"
            }
            for (i, (e, a)) in zip(points, series.floats).enumerated() {
                if e.t != a.t {
                    return "expected float value at index \(i) for \(series.metric) to have timestamp \(e.t), but it had timestamp \(a.t) (result has \(describe(series.floats)))"
                }
                if !almostEqual(e.f, a.f) {
                    return "expected float value at index \(i) (t=\(a.t)) for \(series.metric) to be \(ConformanceFormat.float(e.f)), but got \(ConformanceFormat.float(a.f)) (result has \(describe(series.floats)))"
                }
            }
        }
        for exp in eval.series where !seen.contains(exp.labels) {
            return "expected metric \(exp.labels) not found"
        }
        return nil
    }

    /// Nil when the series are sorted by labels, as every matrix result must be.
    static func sortError(_ matrix: Matrix) -> String? {
        for i in matrix.indices.dropLast() where matrix[i + 1].metric < matrix[i].metric {
            return "matrix results should always be sorted by labels, but \(matrix[i + 1].metric) (index \(i + 1)) sorts before \(matrix[i].metric) (index \(i))"
        }
        return nil
    }

    /// Checks warnings and infos against the `eval_warn`/`eval_info` flags and `expect` lines.
    static func checkAnnotations(_ eval: ConformanceEval, warnings: [String], infos: [String]) -> String? {
        let all = (warnings + infos).joined(separator: "; ")
        if eval.warnFlag && warnings.isEmpty { return "expected warnings but got none" }
        if eval.infoFlag && infos.isEmpty { return "expected info annotations but got none" }
        for (kind, actual) in [(ConformanceExpectKind.warn, warnings), (.info, infos)] {
            let expected = eval.expects(kind)
            guard !expected.isEmpty else { continue }
            if actual.isEmpty { return "expected \(kind.rawValue) annotations but none were found" }
            for e in expected where !actual.contains(where: e.matcher.matches) {
                return "expected \(kind.rawValue) annotation matching \(e.matcher) but no matching annotation was found, found: [\(all)]"
            }
            for a in actual where !expected.contains(where: { $0.matcher.matches(a) }) {
                return "unexpected \(kind.rawValue) annotation \"\(a)\""
            }
        }
        if !eval.expects(.noWarn).isEmpty && !warnings.isEmpty { return "unexpected warning annotations: [\(all)]" }
        if !eval.expects(.noInfo).isEmpty && !infos.isEmpty { return "unexpected info annotations: [\(all)]" }
        return nil
    }

    /// Nil when `message` (an error's text) is what the eval expects.
    static func checkExpectedFailure(_ eval: ConformanceEval, message: String) -> String? {
        if let m = eval.expectedFailMessage, !m.isEmpty, m != message {
            return "expected error \"\(m)\", but got: \(message)"
        }
        if let p = eval.expectedFailRegexp, !ConformanceTextMatcher.regex(p).matches(message) {
            return "expected error matching pattern \"\(p)\", but got: \(message)"
        }
        if let e = eval.expects(.fail).first, !e.matcher.matches(message) {
            return "expected error matching \(e.matcher), but got: \(message)"
        }
        return nil
    }

    private static func index(_ eval: ConformanceEval) -> [Labels: ConformanceExpectedSeries] {
        var out: [Labels: ConformanceExpectedSeries] = [:]
        for s in eval.series { out[s.labels] = s }
        return out
    }

    static func describe(_ vector: Vector) -> String {
        "[" + vector.map { "\($0.metric) => \($0.h.map(ConformanceHistogramFormat.describe) ?? ConformanceFormat.float($0.f))" }
            .joined(separator: ", ") + "]"
    }

    static func describe(_ matrix: Matrix) -> String {
        "[" + matrix.map { "\($0.metric) => \(describe($0.floats))\($0.histograms.isEmpty ? "" : " " + describe($0.histograms))" }
            .joined(separator: ", ") + "]"
    }

    static func describe(_ points: [HPoint]) -> String {
        "\(points.count) histogram point\(points.count == 1 ? "" : "s") [" + points.map { "\(ConformanceHistogramFormat.describe($0.h)) @[\($0.t)]" }.joined(separator: " ") + "]"
    }

    static func describe(_ points: [FPoint]) -> String {
        "\(points.count) point\(points.count == 1 ? "" : "s") [" + points.map { "\(ConformanceFormat.float($0.f)) @[\($0.t)]" }.joined(separator: " ") + "]"
    }
}
