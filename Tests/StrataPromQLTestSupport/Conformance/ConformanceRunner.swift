import StrataModel
import StrataPromQL

/// What happened to one `eval` of a script.
struct ConformanceCaseResult: Sendable {
    /// The script's file name.
    var file: String
    /// 1-based line of the `eval`.
    var line: Int
    /// The query text.
    var expression: String
    /// Nil when the case passed, else why it failed.
    var failure: String?
    /// The case touches native histograms: it selects a series loaded with `{{…}}` values (or
    /// converted by `load_with_nhcb`), expects a histogram, or is in native_histograms.test.
    var nativeHistogram: Bool
    /// Engine queries run for the case (the eval itself, its range-mode and @-modifier checks).
    var queries: Int
}

/// Runs promqltest scripts against Strata's engine over an in-memory store, as upstream's
/// `promqltest` runs them against Prometheus's engine, or against any other
/// `ConformanceBackend` (a running Strata over HTTP).
struct ConformanceRunner: Sendable {
    /// The engine, configured as upstream's test engine: experimental functions on, 5m lookback,
    /// 50M max samples, 100s timeout, 1m default subquery step.
    let engine: Engine
    /// Print each eval before running it (to locate an engine crash).
    let trace: Bool

    init(trace: Bool = false) {
        self.trace = trace
        var options = EngineOptions()
        options.experimentalFunctions = true
        options.lookbackDelta = 5 * 60 * 1000
        options.maxSamples = 50_000_000
        options.timeout = .seconds(100)
        options.defaultSubqueryStep = 60 * 1000
        engine = Engine(options: options)
    }

    /// Runs every command of `script` in order over a fresh in-memory store; returns one result
    /// per eval.
    func run(_ script: ConformanceScript) async -> [ConformanceCaseResult] {
        var backend = ConformanceMemoryBackend(engine: engine)
        return await run(script, on: &backend)
    }

    /// Runs every command of `script` in order against `backend`, which starts empty; returns
    /// one result per eval.
    func run<Backend: ConformanceBackend>(_ script: ConformanceScript, on backend: inout Backend) async -> [ConformanceCaseResult] {
        var histogramSeries: [Labels] = []
        var results: [ConformanceCaseResult] = []
        for command in script.commands {
            switch command {
            case .clear:
                await backend.clear()
                histogramSeries.removeAll()
            case .load(let load):
                Self.recordHistograms(load, histogramSeries: &histogramSeries)
                await backend.load(load)
            case .eval(let eval):
                let parsed = try? PromQL.parse(eval.expression)
                let nativeHistogram = script.file == "native_histograms.test" || eval.expectsHistogram
                    || (parsed.map { Self.selectsAny(of: histogramSeries, $0) } ?? false)
                if trace { print("conformance: running \(script.file):\(eval.line): \(eval.expression)") }
                var queries = 0
                let failure = await run(eval, parsed: parsed, backend: backend, queries: &queries)
                results.append(ConformanceCaseResult(
                    file: script.file, line: eval.line, expression: eval.expression,
                    failure: failure, nativeHistogram: nativeHistogram, queries: queries))
            }
        }
        return results
    }

    /// Stores the samples of a load, floats and native histograms; with `load_with_nhcb` also
    /// the custom-bucket histograms its classic histograms become.
    static func apply(_ load: ConformanceLoad, to storage: MemoryQueryable) {
        for series in load.series {
            let samples = series.mixedSamples(interval: load.interval)
            if !samples.isEmpty { storage.add(series.labels, mixed: samples) }
        }
        if load.withNHCB {
            for (labels, samples) in ConformanceNHCB.series(of: load) { storage.add(labels, mixed: samples) }
        }
    }

    /// Records which series of a load hold (or, with `load_with_nhcb`, become) histograms.
    static func recordHistograms(_ load: ConformanceLoad, histogramSeries: inout [Labels]) {
        for series in load.series where series.hasHistogram { histogramSeries.append(series.labels) }
        guard load.withNHCB else { return }
        // Classic histogram series are also stored as one native histogram with custom buckets
        // under the base name, without `le`.
        for series in load.series {
            guard let name = series.labels.metricName else { continue }
            var base: String?
            if name.hasSuffix("_bucket"), series.labels["le"] != nil { base = String(name.dropLast(7)) }
            else if name.hasSuffix("_count") { base = String(name.dropLast(6)) }
            else if name.hasSuffix("_sum") { base = String(name.dropLast(4)) }
            guard let base else { continue }
            var labels = series.labels.filter { $0.name != "le" && $0.name != metricNameLabel }
            labels.append(Label(name: metricNameLabel, value: base))
            histogramSeries.append(Labels(labels))
        }
    }

    /// Whether a selector of `expr` matches one of `series`.
    static func selectsAny(of series: [Labels], _ expr: Expr) -> Bool {
        guard !series.isEmpty else { return false }
        var found = false
        forEachSelector(expr) { matchers in
            if !found, series.contains(where: { labels in matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") } }) {
                found = true
            }
        }
        return found
    }

    /// Calls `body` with the matchers of every vector and range selector in `expr`.
    static func forEachSelector(_ expr: Expr, _ body: ([LabelMatcher]) -> Void) {
        switch expr {
        case .number, .string: break
        case .vectorSelector(let v): body(v.matchers)
        case .matrixSelector(let m): body(m.vectorSelector.matchers)
        case .subquery(let s): forEachSelector(s.expr, body)
        case .paren(let p): forEachSelector(p.expr, body)
        case .unary(let u): forEachSelector(u.expr, body)
        case .binary(let b): forEachSelector(b.lhs, body); forEachSelector(b.rhs, body)
        case .aggregate(let a):
            if let p = a.param { forEachSelector(p, body) }
            forEachSelector(a.expr, body)
        case .call(let c): for arg in c.args { forEachSelector(arg, body) }
        }
    }

    // MARK: evaluation

    /// Nil when the eval passes, else the first discrepancy.
    func run<Backend: ConformanceBackend>(_ eval: ConformanceEval, parsed: Expr?, backend: Backend, queries: inout Int) async -> String? {
        if eval.isRange { return await runRange(eval, backend: backend, queries: &queries) }
        if let failure = await runInstant(eval.expression, at: eval.evalTime, eval, backend: backend, queries: &queries) {
            return failure
        }
        guard let parsed else { return nil }
        for variant in ConformanceAtModifier.variants(of: parsed, at: eval.evalTime) {
            if let failure = await runInstant(variant.query, at: variant.time, eval, backend: backend, queries: &queries) {
                return "@-modifier variant `\(variant.query)` at \(ConformanceFormat.time(variant.time)): \(failure)"
            }
        }
        return nil
    }

    private func runRange<Backend: ConformanceBackend>(_ eval: ConformanceEval, backend: Backend, queries: inout Int) async -> String? {
        queries += 1
        let answer = await backend.rangeQuery(eval.expression, start: eval.start, end: eval.end, step: eval.step)
        guard case .value(let value, let warnings, let infos) = answer else {
            if case .error(let message) = answer, eval.isFail { return ConformanceComparison.checkExpectedFailure(eval, message: message) }
            return "error evaluating range query: \(answer.errorMessage)"
        }
        if eval.isFail { return "expected error evaluating range query but got none" }
        if let f = ConformanceComparison.checkAnnotations(eval, warnings: warnings, infos: infos) { return f }
        return ConformanceComparison.compare(eval, value)
    }

    /// Runs `query` as an instant query at `time`, then (as upstream) as a range query over
    /// time±1m whose middle step must give the same result.
    private func runInstant<Backend: ConformanceBackend>(_ query: String, at time: Int64, _ eval: ConformanceEval, backend: Backend,
                                                         queries: inout Int) async -> String? {
        queries += 1
        let answer = await backend.instantQuery(query, at: time)
        guard case .value(let value, let warnings, let infos) = answer else {
            if case .error(let message) = answer, eval.isFail { return ConformanceComparison.checkExpectedFailure(eval, message: message) }
            return "error evaluating instant query: \(answer.errorMessage)"
        }
        if eval.isFail { return "expected error evaluating query but got none (result: \(describe(value)))" }
        if let f = ConformanceComparison.checkAnnotations(eval, warnings: warnings, infos: infos) { return f }
        if let f = ConformanceComparison.compare(eval, value) { return f }
        if eval.excludeFromRangeQuery || Self.usesQueryContextFunction(query) { return nil }

        queries += 1
        let rangeAnswer = await backend.rangeQuery(query, start: time - 60_000, end: time + 60_000, step: 60_000)
        guard case .value(let rangeValue, _, _) = rangeAnswer else {
            return "error evaluating query in range mode: \(rangeAnswer.errorMessage)"
        }
        if eval.isOrdered { return nil }
        guard case .matrix(let matrix) = rangeValue else {
            return "range mode returned a \(rangeValue.resultType), not a matrix"
        }
        if let f = ConformanceComparison.sortError(matrix) { return "range mode: \(f)" }
        var vector: Vector = []
        for series in matrix {
            if let p = series.floats.first(where: { $0.t == time }) {
                vector.append(VectorSample(metric: series.metric, t: p.t, f: p.f))
            } else if let p = series.histograms.first(where: { $0.t == time }) {
                vector.append(VectorSample(metric: series.metric, t: p.t, h: p.h))
            }
        }
        let failure: String?
        if case .scalar = value {
            guard let first = vector.first else { return "range mode: no point at the evaluation time for a scalar query" }
            failure = ConformanceComparison.compare(eval, .scalar(t: time, f: first.f))
        } else {
            failure = ConformanceComparison.compare(eval, .vector(vector))
        }
        return failure.map { "range mode: \($0)" }
    }

    /// `start()`, `end()`, `range()`, `step()` resolve differently in range mode.
    static func usesQueryContextFunction(_ query: String) -> Bool {
        ["start()", "end()", "range()", "step()"].contains { query.contains($0) }
    }

    private func describe(_ value: QueryValue) -> String {
        switch value {
        case .scalar(_, let f): return "scalar \(ConformanceFormat.float(f))"
        case .string(_, let s): return "string \"\(s)\""
        case .vector(let v): return ConformanceComparison.describe(v)
        case .matrix(let m): return ConformanceComparison.describe(m)
        }
    }
}
