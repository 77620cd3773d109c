import StrataModel
import Testing
@testable import StrataPromQL

@Suite("Parser table")
struct TableTests {
    @Test("every table expression prints in canonical form, with its type, and round-trips")
    func printedForms() throws {
        #expect(printCases.count > 150)
        for c in printCases {
            let expr: Expr
            do {
                expr = try PromQL.parse(c.input)
            } catch {
                Issue.record("\(c.input): unexpected error \(error)")
                continue
            }
            let printed = PromQL.format(expr)
            #expect(printed == c.printed, "input: \(c.input)")
            #expect(expr.type == c.type, "input: \(c.input)")
            let again = try PromQL.parse(printed)
            #expect(again == expr, "round trip of \(c.input) via \(printed)")
            #expect(PromQL.format(again) == printed)
        }
    }

    @Test("every table error has Prometheus's wording and position")
    func errors() {
        #expect(errorCases.count > 100)
        for c in errorCases {
            do {
                let expr = try PromQL.parse(c.input)
                Issue.record("\(c.input): expected error \(c.error), parsed as \(PromQL.format(expr))")
            } catch {
                #expect(error.description == c.error, "input: \(c.input)")
                #expect(error.position.start >= 0 && error.position.start <= c.input.utf8.count)
                #expect(error.position.end >= error.position.start && error.position.end <= c.input.utf8.count)
            }
        }
    }
}

@Suite("Parser structure")
struct StructureTests {
    func parse(_ q: String) throws -> Expr { try PromQL.parse(q) }

    func binary(_ e: Expr) -> BinaryExpr? {
        if case .binary(let b) = e { return b }
        return nil
    }

    @Test func precedenceAndAssociativity() throws {
        let sum = try #require(binary(try parse("1 + 2 * 3")))
        #expect(sum.op == .add)
        #expect(binary(sum.rhs)?.op == .mul)

        let pow = try #require(binary(try parse("2 ^ 3 ^ 2")))
        #expect(pow.op == .pow)
        #expect(binary(pow.rhs)?.op == .pow, "^ is right-associative")

        let minus = try #require(binary(try parse("a - b - c")))
        #expect(binary(minus.lhs)?.op == .sub, "- is left-associative")

        let or = try #require(binary(try parse("a or b and c unless d")))
        #expect(or.op == .or)
        #expect(binary(or.rhs)?.op == .unless)

        let cmp = try #require(binary(try parse("a + b > c * d")))
        #expect(cmp.op == .gtr)

        let atan = try #require(binary(try parse("a + b atan2 c")))
        #expect(atan.op == .add)
        #expect(binary(atan.rhs)?.op == .atan2)

        guard case .unary(let u) = try parse("-a ^ b") else { Issue.record("expected unary"); return }
        #expect(binary(u.expr)?.op == .pow, "unary minus binds looser than ^")

        let mul = try #require(binary(try parse("-a * b")))
        guard case .unary = mul.lhs else { Issue.record("unary minus binds tighter than *"); return }
    }

    @Test func numberLiterals() throws {
        let cases: [(String, Double)] = [
            ("0x1f", 31), ("0XfF", 255), ("1e3", 1000), ("5e-3", 0.005), (".5", 0.5), ("5.", 5),
            ("1h30m", 5400), ("1.5", 1.5), ("-Inf", -.infinity), ("INF", .infinity), ("2ms", 0.002), ("1y", 31_536_000),
        ]
        for (q, want) in cases {
            guard case .number(let n) = try parse(q) else { Issue.record("\(q) is not a number"); continue }
            #expect(n.value == want, "\(q)")
        }
        guard case .number(let nan) = try parse("nan") else { Issue.record("nan is not a number"); return }
        #expect(nan.value.isNaN)
    }

    @Test func stringEscapes() throws {
        let cases: [(String, String)] = [
            (#""\a\b\f\n\r\t\v""#, "\u{07}\u{08}\u{0C}\n\r\t\u{0B}"),
            (#""\\ \" ""#, "\\ \" "),
            (#"'\' \\'"#, "' \\"),
            (#""\x41\101\u00e9\U0001F600""#, "AAé😀"),
            ("`raw \\n \" '`", "raw \\n \" '"),
            ("'it\"s'", "it\"s"),
            ("\"ü\"", "ü"),
        ]
        for (q, want) in cases {
            guard case .string(let s) = try parse(q) else { Issue.record("\(q) is not a string"); continue }
            #expect(s.value == want, "\(q)")
        }
    }

    @Test func selectorsAndMatchers() throws {
        guard case .vectorSelector(let vs) = try parse(#"foo{a="b", c!="d", e=~"f", g!~"h"}"#) else {
            Issue.record("not a selector"); return
        }
        #expect(vs.name == "foo")
        #expect(vs.matchers.map(\.type) == [.equal, .equal, .notEqual, .regexMatch, .regexNoMatch])
        #expect(vs.matchers.map(\.name) == ["__name__", "a", "c", "e", "g"])
        #expect(vs.position == PositionRange(start: 0, end: 34))

        guard case .vectorSelector(let utf8) = try parse(#"{"my.metric", "label.with.dots"="v"}"#) else {
            Issue.record("not a selector"); return
        }
        #expect(utf8.name == "my.metric")
        #expect(utf8.matchers.map(\.name) == ["__name__", "label.with.dots"])

        guard case .matrixSelector(let ms) = try parse("foo[5m] offset -1h @ end()") else {
            Issue.record("not a range selector"); return
        }
        #expect(ms.range == .seconds(300))
        #expect(ms.vectorSelector.offset == .seconds(-3600))
        #expect(ms.vectorSelector.at == .end)

        guard case .subquery(let sq) = try parse("rate(x[1m])[1h:] @ 100.5 offset 1.5") else {
            Issue.record("not a subquery"); return
        }
        #expect(sq.range == .seconds(3600))
        #expect(sq.step == .zero)
        #expect(sq.at == .timestamp(100_500))
        #expect(sq.offset == .milliseconds(1500))
    }

    @Test func vectorMatchingIsNormalised() throws {
        let set = try #require(binary(try parse("a and b")))
        #expect(set.matching?.cardinality == .manyToMany)
        let scalar = try #require(binary(try parse("a * 2")))
        #expect(scalar.matching == nil)
        let group = try #require(binary(try parse("a / on(x) group_right(y, z) b")))
        #expect(group.matching == VectorMatching(cardinality: .oneToMany, on: true, matchingLabels: ["x"], include: ["y", "z"]))
    }

    @Test func aggregations() throws {
        for q in ["sum by (a) (x)", "sum(x) by (a)"] {
            guard case .aggregate(let a) = try parse(q) else { Issue.record("not an aggregation: \(q)"); continue }
            #expect(a.op == .sum && a.grouping == ["a"] && !a.without && a.param == nil)
        }
        guard case .aggregate(let topk) = try parse("topk without (b) (3, x)") else { Issue.record("not an aggregation"); return }
        #expect(topk.without && topk.grouping == ["b"])
        guard case .number(let k)? = topk.param else { Issue.record("no parameter"); return }
        #expect(k.value == 3)
    }

    @Test func errorPositionsAreLineAndColumn() {
        do {
            _ = try PromQL.parse("sum(\n  rate(foo)\n)")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 2)
            #expect(error.column == 8)
            #expect(error.position.start == 12)
            #expect(error.message == #"expected type range vector in call to function "rate", got instant vector"#)
        }
    }

    @Test func functionTableIsComplete() {
        let names = [
            "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "day_of_month",
            "day_of_week", "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor", "histogram_quantile",
            "histogram_fraction", "histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev",
            "histogram_stdvar", "double_exponential_smoothing", "hour", "idelta", "increase", "irate", "label_replace",
            "label_join", "ln", "log2", "log10", "minute", "month", "predict_linear", "rate", "resets", "round",
            "scalar", "sgn", "sort", "sort_desc", "sort_by_label", "sort_by_label_desc", "sqrt", "time", "timestamp",
            "vector", "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
            "quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time",
            "mad_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "sin", "sinh", "tan",
            "tanh", "deg", "rad", "pi", "info",
        ]
        for name in names {
            #expect(PromQLFunction.all[name] != nil, "\(name)")
        }
    }

    @Test func nestingDepthIsGuarded() {
        let deep = [
            String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000),
            String(repeating: "-", count: 5000) + "1",
            String(repeating: "1 ^ ", count: 5000) + "1",
            String(repeating: "1 + ", count: 5000) + "1",
            String(repeating: "sum(", count: 3000) + "x" + String(repeating: ")", count: 3000),
            String(repeating: "abs(", count: 3000) + "x" + String(repeating: ")", count: 3000),
        ]
        for q in deep {
            do {
                _ = try PromQL.parse(q)
                Issue.record("deep input of \(q.utf8.count) bytes was accepted")
            } catch {
                #expect(error.message.contains("nesting depth exceeds the maximum of \(PromQL.maxDepth)"), "\(error)")
            }
        }
        // Moderate nesting is fine.
        let ok = String(repeating: "(", count: PromQL.maxDepth) + "1" + String(repeating: ")", count: PromQL.maxDepth)
        #expect((try? PromQL.parse(ok)) != nil)
    }

    @Test func equalityIgnoresPositions() throws {
        #expect(try parse("foo  +  bar") == parse("foo+bar"))
        #expect(try parse("foo + bar") != parse("foo - bar"))
        #expect(try parse("foo[5m]") != parse("foo[6m]"))
    }

    @Test func numberFormatting() {
        let cases: [(Double, String)] = [
            (1, "1"), (-1, "-1"), (0.5, "0.5"), (1e6, "1e+06"), (123456, "123456"), (1234567, "1.234567e+06"),
            (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"), (1e100, "1e+100"), (.infinity, "+Inf"),
            (-.infinity, "-Inf"), (.nan, "NaN"), (0, "0"), (3.14159, "3.14159"),
        ]
        for (v, want) in cases {
            #expect(formatNumber(v) == want, "\(v)")
        }
    }
}
