import StrataModel
import StrataPromQL
import StrataPromQLTestKit

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
/// `promqltest` runs them against Prometheus's engine.
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

    /// Runs every command of `script` in order; returns one result per eval.
    func run(_ script: ConformanceScript) async -> [ConformanceCaseResult] {
        let storage = MemoryQueryable()
        var histogramSeries: [Labels] = []
        var results: [ConformanceCaseResult] = []
        for command in script.commands {
            switch command {
            case .clear:
                storage.clear()
                histogramSeries.removeAll()
            case .load(let load):
                Self.apply(load, to: storage, histogramSeries: &histogramSeries)
            case .eval(let eval):
                let parsed = try? PromQL.parse(eval.expression)
                let nativeHistogram = script.file == "native_histograms.test" || eval.expectsHistogram
                    || (parsed.map { Self.selectsAny(of: histogramSeries, $0) } ?? false)
                if trace { print("conformance: running \(script.file):\(eval.line): \(eval.expression)") }
                var queries = 0
                let failure = await run(eval, parsed: parsed, storage: storage, queries: &queries)
                results.append(ConformanceCaseResult(
                    file: script.file, line: eval.line, expression: eval.expression,
                    failure: failure, nativeHistogram: nativeHistogram, queries: queries))
            }
        }
        return results
    }

    /// Stores the float samples of a load (histogram values are skipped) and records which
    /// series hold histograms.
    static func apply(_ load: ConformanceLoad, to storage: MemoryQueryable, histogramSeries: inout [Labels]) {
        for series in load.series {
            var samples: [Sample] = []
            samples.reserveCapacity(series.values.count)
            for (i, v) in series.values.enumerated() {
                if case .float(let f) = v { samples.append(Sample(timestamp: Int64(i) * load.interval, value: f)) }
            }
            if !samples.isEmpty { storage.add(series.labels, samples) }
            if series.hasHistogram { histogramSeries.append(series.labels) }
        }
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
    func run(_ eval: ConformanceEval, parsed: Expr?, storage: MemoryQueryable, queries: inout Int) async -> String? {
        if eval.isRange { return await runRange(eval, storage: storage, queries: &queries) }
        if let failure = await runInstant(eval.expression, at: eval.evalTime, eval, storage: storage, queries: &queries) {
            return failure
        }
        guard let parsed else { return nil }
        for variant in ConformanceAtModifier.variants(of: parsed, at: eval.evalTime) {
            if let failure = await runInstant(variant.query, at: variant.time, eval, storage: storage, queries: &queries) {
                return "@-modifier variant `\(variant.query)` at \(ConformanceFormat.time(variant.time)): \(failure)"
            }
        }
        return nil
    }

    private func runRange(_ eval: ConformanceEval, storage: MemoryQueryable, queries: inout Int) async -> String? {
        let result: QueryResult
        queries += 1
        do {
            result = try await engine.rangeQuery(eval.expression, start: eval.start, end: eval.end, step: eval.step,
                                                 tenant: .anonymous, storage: storage)
        } catch {
            if eval.isFail { return ConformanceComparison.checkExpectedFailure(eval, message: error.description) }
            return "error evaluating range query: \(error.description)"
        }
        if eval.isFail { return "expected error evaluating range query but got none" }
        let texts = result.annotations.texts(query: eval.expression)
        if let f = ConformanceComparison.checkAnnotations(eval, warnings: texts.warnings, infos: texts.infos) { return f }
        return ConformanceComparison.compare(eval, result.value)
    }

    /// Runs `query` as an instant query at `time`, then (as upstream) as a range query over
    /// time±1m whose middle step must give the same result.
    private func runInstant(_ query: String, at time: Int64, _ eval: ConformanceEval, storage: MemoryQueryable, queries: inout Int) async -> String? {
        let result: QueryResult
        queries += 1
        do {
            result = try await engine.instantQuery(query, at: time, tenant: .anonymous, storage: storage)
        } catch {
            if eval.isFail { return ConformanceComparison.checkExpectedFailure(eval, message: error.description) }
            return "error evaluating instant query: \(error.description)"
        }
        if eval.isFail { return "expected error evaluating query but got none (result: \(describe(result.value)))" }
        let texts = result.annotations.texts(query: query)
        if let f = ConformanceComparison.checkAnnotations(eval, warnings: texts.warnings, infos: texts.infos) { return f }
        if let f = ConformanceComparison.compare(eval, result.value) { return f }
        if eval.excludeFromRangeQuery || Self.usesQueryContextFunction(query) { return nil }

        let range: QueryResult
        queries += 1
        do {
            range = try await engine.rangeQuery(query, start: time - 60_000, end: time + 60_000, step: 60_000,
                                                tenant: .anonymous, storage: storage)
        } catch {
            return "error evaluating query in range mode: \(error.description)"
        }
        if eval.isOrdered { return nil }
        guard case .matrix(let matrix) = range.value else {
            return "range mode returned a \(range.value.resultType), not a matrix"
        }
        if let f = ConformanceComparison.sortError(matrix) { return "range mode: \(f)" }
        var vector: Vector = []
        for series in matrix {
            if let p = series.floats.first(where: { $0.t == time }) {
                vector.append(VectorSample(metric: series.metric, t: p.t, f: p.f))
            }
        }
        let failure: String?
        if case .scalar = result.value {
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
