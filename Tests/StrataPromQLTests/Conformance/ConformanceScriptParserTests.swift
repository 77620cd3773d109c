import StrataModel
import Testing
@testable import StrataPromQLTestSupport

/// The promqltest script language as the runner reads it.
@Suite("Conformance script parser")
struct ConformanceScriptParserTests {
    private func values(_ text: String) throws -> [ConformanceValue] {
        try ConformanceSeriesParser.parse(Substring("m " + text)).values
    }

    @Test func expandsIncrementsRepeatsAndGaps() throws {
        #expect(try values("1+2x3") == [.float(1), .float(3), .float(5), .float(7)])
        #expect(try values("5-1x2") == [.float(5), .float(4), .float(3)])
        #expect(try values("-1-1x1") == [.float(-1), .float(-2)])
        #expect(try values("3x2") == [.float(3), .float(3), .float(3)])
        #expect(try values("_x3") == [.omitted, .omitted, .omitted])
        #expect(try values("1 _ 2") == [.float(1), .omitted, .float(2)])
        #expect(try values("0x3") == [.float(0), .float(0), .float(0), .float(0)], "no hexadecimal in series values")
        #expect(try values("1e3 1.5e-1+1e-1x1") == [.float(1000), .float(0.15), .float(0.25)])
        #expect(try values("") == [])
    }

    @Test func specialValues() throws {
        let v = try values("stale NaN -Inf +Inf Inf")
        #expect(v.count == 5)
        if case .float(let f) = v[0] { #expect(StaleNaN.isStale(f)) } else { Issue.record("stale is not a float") }
        if case .float(let f) = v[1] { #expect(f.isNaN && !StaleNaN.isStale(f)) } else { Issue.record("NaN is not a float") }
        #expect(Array(v[2...]) == [.float(-.infinity), .float(.infinity), .float(.infinity)])
        #expect(try values("stalex1").count == 2)
    }

    @Test func histogramsAreDecodedAndExpanded() throws {
        let v = try values("1 {{schema:1 sum:3 count:22 buckets:[5 10 7] offset:-1 n_buckets:[1] z_bucket:2 z_bucket_w:0.5}} {{count:1}}x2 {{sum:1}}+{{sum:2}}x1 _ 4")
        #expect(v.count == 9)
        let h1 = FloatHistogram(schema: 1, zeroThreshold: 0.5, zeroCount: 2, count: 22, sum: 3,
                                positiveSpans: [HistogramSpan(offset: -1, length: 3)], positiveBuckets: [5, 10, 7],
                                negativeSpans: [HistogramSpan(offset: 0, length: 1)], negativeBuckets: [1])
        #expect(v[1] == .histogram(ConformanceHistogram(h: h1, hintSet: false)))
        #expect(v[2] == .histogram(ConformanceHistogram(h: FloatHistogram(count: 1), hintSet: false)) && v[2] == v[4])
        #expect(v[5] == .histogram(ConformanceHistogram(h: FloatHistogram(sum: 1), hintSet: false)))
        #expect(v[6] == .histogram(ConformanceHistogram(h: FloatHistogram(sum: 3), hintSet: false)))
        #expect(v[7] == .omitted && v[8] == .float(4))
        let gauge = try values("{{schema:-53 custom_values:[1 5] buckets:[1 2 3] counter_reset_hint:gauge}}")
        guard case .histogram(let g)? = gauge.first else { Issue.record("not a histogram"); return }
        #expect(g.hintSet && g.h.counterResetHint == .gauge && g.h.customValues == [1, 5] && g.h.schema == -53)
    }

    @Test func metricsAndLabels() throws {
        let s = try ConformanceSeriesParser.parse(#"http_requests{job="api", group='canary', x="a\"b",} 1"#)
        #expect(s.labels == Labels(["__name__": "http_requests", "job": "api", "group": "canary", "x": "a\"b"]))
        #expect(try ConformanceSeriesParser.parse("{} 1").labels == .empty)
        #expect(try ConformanceSeriesParser.parse(#"{__name__="a", b="c"} 1"#).labels == Labels(["__name__": "a", "b": "c"]))
        #expect(try ConformanceSeriesParser.parse(#"{"my.metric", "a.b"="c"} 1"#).labels == Labels(["__name__": "my.metric", "a.b": "c"]))
        #expect(throws: ConformanceScriptError.self) { try ConformanceSeriesParser.parse(#"m{a=b} 1"#) }
        #expect(throws: ConformanceScriptError.self) { try ConformanceSeriesParser.parse("m 1+x") }
    }

    @Test func literals() {
        #expect(ConformanceLiterals.duration("1h30m") == 5_400_000)
        #expect(ConformanceLiterals.duration("10s53ms") == 10_053)
        #expect(ConformanceLiterals.duration("0") == 0)
        #expect(ConformanceLiterals.duration("100") == 100_000)
        #expect(ConformanceLiterals.duration("1d") == 86_400_000)
        #expect(ConformanceLiterals.duration("5m1h") == nil)
        #expect(ConformanceLiterals.duration("") == nil)
        #expect(ConformanceLiterals.number("0x10") == 16)
        #expect(ConformanceLiterals.number("010") == 8)
        #expect(ConformanceLiterals.number("-1e3") == -1000)
        #expect(ConformanceLiterals.number("+Inf") == .infinity)
        #expect(ConformanceLiterals.number("NaN")?.isNaN == true)
        #expect(ConformanceLiterals.number("{} 1") == nil)
        #expect(ConformanceLiterals.number("metric") == nil)
        #expect(ConformanceLiterals.unquote(#""a\tb\x41\u00e9""#) == "a\tbAé")
        #expect(ConformanceLiterals.unquote("`raw\\n`") == "raw\\n")
        #expect(ConformanceLiterals.unquote(#""open"#) == nil)
    }

    @Test func scriptCommands() throws {
        let text = """
        # a comment
        load 5m
          http_requests{job="a"} 0+10x10
          http_requests{job="b"} 0+20x10
          hist {{count:1}}

        load_with_nhcb 1m
          h_bucket{le="1"} 1 2

        eval instant at 50m sum(http_requests)
          {} 300

        eval_ordered instant at 50m sort(http_requests)
          http_requests{job="a"} 100
          http_requests{job="b"} 200

        eval range from 0 to 10m step 5m http_requests
          expect no_warn
          http_requests{job="a"} 0 10 _

        eval instant at 1m 1 + 1
          2
        clear
        eval instant at 10s metric[10s]
          expect range vector from 0 to 10s step 5s
          expect warn msg: PromQL warning: something (1:1)
          expect info regex: some.*thing
          metric 1 2 3

        eval instant at 0 "x"
          expect string "x y"

        eval_fail instant at 0 bad(
          expected_fail_message some error

        eval instant at 0 foo
          expect fail msg: a message
        """
        let script = try ConformanceScriptParser().parse(text, file: "t.test")
        guard script.commands.count == 11 else {
            Issue.record("expected 11 commands, got \(script.commands.count): \(script.commands)")
            return
        }
        guard case .load(let load) = script.commands[0], case .load(let nhcb) = script.commands[1] else {
            Issue.record("first two commands are not loads")
            return
        }
        #expect(load.line == 2 && load.interval == 300_000 && !load.withNHCB && load.series.count == 3)
        #expect(load.series[2].hasHistogram)
        #expect(nhcb.withNHCB && nhcb.interval == 60_000)

        let evals = script.evals
        #expect(evals.count == 8)
        #expect(evals[0].line == 10 && evals[0].expression == "sum(http_requests)" && evals[0].evalTime == 3_000_000)
        #expect(evals[0].series == [ConformanceExpectedSeries(labels: .empty, values: [.float(300)], position: 1)])
        #expect(evals[1].isOrdered && evals[1].series.map(\.position) == [1, 2])
        #expect(evals[2].isRange && evals[2].start == 0 && evals[2].end == 600_000 && evals[2].step == 300_000)
        #expect(evals[2].expects == [ConformanceExpect(kind: .noWarn, matcher: .any)])
        #expect(evals[2].series.first?.values == [.float(0), .float(10), .omitted])
        #expect(evals[3].expectScalar && evals[3].scalar == .float(2) && evals[3].expression == "1 + 1")
        guard case .clear = script.commands[6] else {
            Issue.record("a bare number must end the eval block so that clear is a command")
            return
        }
        #expect(evals[4].excludeFromRangeQuery && evals[4].evalTime == 10_000 && evals[4].step == 5_000)
        #expect(evals[4].expects.map(\.kind) == [.warn, .info])
        #expect(evals[4].series.first?.values.count == 3)
        #expect(evals[5].expectedString == "x y")
        #expect(evals[6].isFail && evals[6].expectedFailMessage == "some error")
        guard case .eval(let last) = script.commands[10] else {
            Issue.record("last command is not an eval")
            return
        }
        #expect(last.isFail && last.expects(.fail).first?.matcher == .exact("a message"))
    }

    @Test func commentEndsABlock() throws {
        let text = "load 1m\n  a 1\n# comment\n  b 2\n"
        #expect(throws: ConformanceScriptError.self) { try ConformanceScriptParser().parse(text, file: "t.test") }
    }

    @Test func refusesInvalidScripts() throws {
        let parser = try ConformanceScriptParser()
        #expect(throws: ConformanceScriptError.self) { try parser.parse("bogus 1", file: "t") }
        #expect(throws: ConformanceScriptError.self) { try parser.parse("eval instant at 1m a\n  a 1 2", file: "t") }
        #expect(throws: ConformanceScriptError.self) { try parser.parse("eval instant at 1m a\n  expect info\n  expect no_info", file: "t") }
        #expect(throws: ConformanceScriptError.self) { try parser.parse("eval range from 10m to 1m step 1m a", file: "t") }
        #expect(throws: ConformanceScriptError.self) { try parser.parse("load xyz\n  a 1", file: "t") }
        #expect(throws: ConformanceScriptError.self) { try parser.parse("eval instant at 1m a\n  expect sometimes", file: "t") }
    }

    @Test func everyCorpusFileParses() throws {
        let parser = try ConformanceScriptParser()
        var evals = 0
        for file in try ConformanceCorpus.files() {
            let script = try parser.parse(try ConformanceCorpus.text(of: file), file: file)
            #expect(!script.evals.isEmpty, "\(file) has no eval")
            evals += script.evals.count
        }
        #expect(evals > 2000)
    }
}
