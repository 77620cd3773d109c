import StrataModel
import StrataPromQL
import Testing
@testable import StrataPromQLTestSupport

/// Result comparison, annotation checks and the @-modifier variants.
@Suite("Conformance comparison")
struct ConformanceComparisonTests {
    private func eval(_ script: String) throws -> ConformanceEval {
        let parsed = try ConformanceScriptParser().parse(script, file: "t.test")
        guard let e = parsed.evals.first else { throw ConformanceScriptError(line: 0, message: "no eval") }
        return e
    }

    private func labels(_ pairs: [String: String]) -> Labels { Labels(pairs) }

    @Test func almostEqual() {
        #expect(ConformanceComparison.almostEqual(1, 1 + 1e-7))
        #expect(!ConformanceComparison.almostEqual(1, 1.00001))
        #expect(ConformanceComparison.almostEqual(.nan, .nan))
        #expect(!ConformanceComparison.almostEqual(StaleNaN.value, .nan))
        #expect(ConformanceComparison.almostEqual(StaleNaN.value, StaleNaN.value))
        #expect(ConformanceComparison.almostEqual(.infinity, .infinity))
        #expect(!ConformanceComparison.almostEqual(.infinity, -.infinity))
        #expect(!ConformanceComparison.almostEqual(0, 1e-300))
        #expect(ConformanceComparison.almostEqual(0, 0))
        #expect(!ConformanceComparison.almostEqual(1, .nan))
    }

    @Test func vectors() throws {
        let e = try eval("eval instant at 1m m\n  m{a=\"1\"} 1\n  m{a=\"2\"} 2")
        let one = VectorSample(metric: labels(["__name__": "m", "a": "1"]), t: 60_000, f: 1)
        let two = VectorSample(metric: labels(["__name__": "m", "a": "2"]), t: 60_000, f: 2)
        #expect(ConformanceComparison.compare(e, .vector([two, one])) == nil)
        #expect(ConformanceComparison.compare(e, .vector([one])) != nil, "a missing series fails")
        var wrong = two
        wrong.f = 2.1
        #expect(ConformanceComparison.compare(e, .vector([one, wrong])) != nil, "a wrong value fails")
        let extra = VectorSample(metric: labels(["__name__": "m", "a": "3"]), t: 60_000, f: 3)
        #expect(ConformanceComparison.compare(e, .vector([one, two, extra])) != nil, "an extra series fails")
        #expect(ConformanceComparison.compare(e, .scalar(t: 0, f: 1)) != nil)

        var ordered = e
        ordered.orderedFlag = true
        #expect(ConformanceComparison.compare(ordered, .vector([one, two])) == nil)
        #expect(ConformanceComparison.compare(ordered, .vector([two, one])) != nil, "order is checked when asked")

        let empty = try eval("eval instant at 1m m")
        #expect(ConformanceComparison.compare(empty, .vector([])) == nil)
        #expect(ConformanceComparison.compare(empty, .scalar(t: 0, f: 1)) != nil)
    }

    @Test func matricesAndScalars() throws {
        let e = try eval("eval range from 0 to 2m step 1m m\n  m 1 _ 3\n  {} 5 5 5")
        let m = SeriesResult(metric: labels(["__name__": "m"]), floats: [FPoint(t: 0, f: 1), FPoint(t: 120_000, f: 3)])
        let s = SeriesResult(metric: .empty, floats: [0, 60_000, 120_000].map { FPoint(t: $0, f: 5) })
        #expect(ConformanceComparison.compare(e, .matrix([s, m])) == nil)
        #expect(ConformanceComparison.compare(e, .matrix([m, s])) != nil, "matrix results must be sorted")
        let shifted = SeriesResult(metric: m.metric, floats: [FPoint(t: 0, f: 1), FPoint(t: 60_000, f: 3)])
        #expect(ConformanceComparison.compare(e, .matrix([s, shifted])) != nil, "timestamps are checked")

        let tooMany = try eval("eval range from 0 to 1m step 1m m\n  m 1 2 3")
        let three = SeriesResult(metric: m.metric, floats: [FPoint(t: 0, f: 1), FPoint(t: 60_000, f: 2)])
        #expect(ConformanceComparison.compare(tooMany, .matrix([three])) != nil)

        let scalar = try eval("eval instant at 0 1 + 1\n  2")
        #expect(ConformanceComparison.compare(scalar, .scalar(t: 0, f: 2.000000001)) == nil)
        #expect(ConformanceComparison.compare(scalar, .scalar(t: 0, f: 3)) != nil)
        #expect(ConformanceComparison.compare(scalar, .vector([])) != nil)

        let string = try eval("eval instant at 0 \"a\"\n  expect string \"a\"")
        #expect(ConformanceComparison.compare(string, .string(t: 0, value: "a")) == nil)
        #expect(ConformanceComparison.compare(string, .string(t: 0, value: "b")) != nil)
    }

    @Test func annotationsAndFailures() throws {
        let e = try eval("eval instant at 0 m\n  expect warn msg: PromQL warning: w (1:1)\n  expect no_info")
        #expect(ConformanceComparison.checkAnnotations(e, warnings: ["PromQL warning: w (1:1)"], infos: []) == nil)
        #expect(ConformanceComparison.checkAnnotations(e, warnings: [], infos: []) != nil)
        #expect(ConformanceComparison.checkAnnotations(e, warnings: ["PromQL warning: w (1:1)", "PromQL warning: other"], infos: []) != nil)
        #expect(ConformanceComparison.checkAnnotations(e, warnings: ["PromQL warning: w (1:1)"], infos: ["PromQL info: i"]) != nil)

        let plain = try eval("eval instant at 0 m")
        #expect(ConformanceComparison.checkAnnotations(plain, warnings: ["anything"], infos: ["goes"]) == nil, "unchecked unless asked")
        let warnFlag = try eval("eval_warn instant at 0 m")
        #expect(ConformanceComparison.checkAnnotations(warnFlag, warnings: [], infos: []) != nil)

        let regex = try eval("eval instant at 0 m\n  expect fail regex: dup.*series")
        #expect(ConformanceComparison.checkExpectedFailure(regex, message: "found duplicate series") == nil)
        #expect(ConformanceComparison.checkExpectedFailure(regex, message: "other") != nil)
        let any = try eval("eval_fail instant at 0 m")
        #expect(ConformanceComparison.checkExpectedFailure(any, message: "whatever") == nil)
    }

    @Test func atModifierVariants() throws {
        let v = ConformanceAtModifier.variants(of: try PromQL.parse("rate(x[5m]) + y @ start() + sum_over_time(z[1m:10s])"), at: 100_000)
        #expect(v.map(\.time) == [-1_000_000, 0, 20_000, 100_000, 1_000_000])
        let query = v.first?.query ?? ""
        #expect(query.components(separatedBy: "@ 100.000").count == 4, "\(query)")
        #expect(!query.contains("start()"))
        #expect(ConformanceAtModifier.variants(of: try PromQL.parse("x"), at: 0).map(\.time) == [-1000, 0, 1000])
        #expect(ConformanceAtModifier.variants(of: try PromQL.parse("time() + x"), at: 60_000).isEmpty)
        #expect(ConformanceAtModifier.variants(of: try PromQL.parse("x @ 5"), at: 60_000).first?.query == "x @ 5.000")
        let sub = ConformanceAtModifier.variants(of: try PromQL.parse("max_over_time(timestamp(x)[5m:1m])"), at: 60_000)
        #expect(sub.first?.query == "max_over_time(timestamp(x)[5m:1m] @ 60.000)", "insides of subqueries stay as written")
    }

    @Test func runnerMarksNativeHistogramCases() async throws {
        let text = """
        load 1m
          h {{schema:0 count:1}} {{schema:0 count:2}}
          f 1 2

        eval instant at 1m h
          h {{schema:0 count:2}}

        eval instant at 1m {__name__=~"h|g"}
          {} 1

        load_with_nhcb 1m
          c_bucket{le="1"} 1 2
          c_bucket{le="+Inf"} 1 2

        eval instant at 1m c
          {} 1

        eval instant at 1m f
          f 2
        """
        let script = try ConformanceScriptParser().parse(text, file: "t.test")
        let results = await ConformanceRunner().run(script)
        #expect(results.map(\.nativeHistogram) == [true, true, true, false])
        #expect(results.last?.failure == nil, "a plain selector over float data passes: \(results.last?.failure ?? "")")
        #expect(results.first?.failure == nil, "histogram data is loaded and compared: \(results.first?.failure ?? "")")
        #expect(results[1].failure != nil, "a histogram is not the float 1")
    }

    @Test func runnerReportsWrongExpectations() async throws {
        let text = """
        load 1m
          f{a="x"} 1 2 3

        eval instant at 1m f
          f{a="x"} 3

        eval instant at 1m f
          f{a="y"} 2

        eval range from 0 to 2m step 1m f
          f{a="x"} 1 2 4

        eval range from 0 to 2m step 1m f
          f{a="x"} 1 2 3

        eval instant at 1m f
          expect fail
        """
        let script = try ConformanceScriptParser().parse(text, file: "t.test")
        let results = await ConformanceRunner().run(script)
        #expect(results.map { $0.failure != nil } == [true, true, true, false, true], "\(results.map { $0.failure ?? "passed" })")
        // The passing range eval runs once; a passing instant eval at 1m runs at its time and at
        // five @-pinned times, each also in range mode.
        #expect(results[3].queries == 1)
        #expect(results[0].queries >= 1)
    }

    @Test func instantEvalsAreCheckedInRangeModeAndWithPinnedTimes() async throws {
        let text = """
        load 1m
          f 1 2 3

        eval instant at 1m f
          f 2

        eval instant at 1m time()
          60

        eval instant at 1m f
          expect ordered
          f 2
        """
        let results = await ConformanceRunner().run(try ConformanceScriptParser().parse(text, file: "t.test"))
        #expect(results.map(\.failure) == [nil, nil, nil], "\(results.map { $0.failure ?? "passed" })")
        // 1 instant + 1 range-mode, then 5 pinned times × 2; `time()` gets no pinned variants;
        // an ordered eval still runs in range mode (only the comparison is skipped).
        #expect(results.map(\.queries) == [12, 2, 12])
    }
}
