import Testing
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

/// Random expressions from a small PromQL grammar, mostly well-typed, to exercise the printer:
/// whatever parses must print to text that parses back to the same AST.
struct ExpressionGenerator {
    var rng: SeededRandom

    mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &rng)]
    }

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }

    mutating func duration() -> String {
        pick(["5m", "1h30m", "90", "1.5", "2d", "1w", "1y", "30s", "250ms", "1m30s500ms", "0x10"])
    }

    mutating func label() -> String { pick(["a", "job", "on", "by", "\"x.y\"", "le", "__name__", "bool"]) }

    mutating func string() -> String {
        pick([#""v""#, #"'s\'q'"#, "`r\\aw`", #""\x41\u00e9\U0001F600\101""#, #""tab\tnl\n""#, #""é""#, #""""#])
    }

    mutating func selector() -> String {
        var s = pick(["foo", "bar:baz", "on", "sum", "x_1", ""])
        var matchers: [String] = []
        if s.isEmpty || chance(50) {
            if s.isEmpty { matchers.append(pick([#""my.metric""#, #"__name__="up""#, #"job=~".+""#])) }
            for _ in 0..<Int.random(in: 0...2, using: &rng) {
                matchers.append(label() + pick(["=", "!=", "=~", "!~"]) + string())
            }
            s += "{" + matchers.joined(separator: pick([",", ", "])) + (chance(20) ? "," : "") + "}"
        }
        return s
    }

    mutating func modifiers(_ s: String) -> String {
        var s = s
        let offset = chance(30) ? " offset " + (chance(30) ? "-" : "") + duration() : ""
        let at = chance(20) ? " @ " + pick(["100", "1.5", "-3", "start()", "end()", "1e3"]) : ""
        s += chance(50) ? offset + at : at + offset
        return s
    }

    mutating func scalar(_ depth: Int) -> String {
        if depth <= 0 || chance(40) {
            return pick(["1", "2.5", "0x1f", "Inf", "-NaN", "1e-7", "1e6", "3h", "time()", "pi()", "-1"])
        }
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return scalar(depth - 1) + " " + pick(["+", "-", "*", "/", "%", "^", "atan2", "== bool", "> bool"]) + " " + scalar(depth - 1)
        case 1: return "(" + scalar(depth - 1) + ")"
        case 2: return "scalar(" + vector(depth - 1) + ")"
        default: return "-" + scalar(depth - 1)
        }
    }

    mutating func range(_ depth: Int) -> String {
        if depth <= 0 || chance(60) { return modifiers(selector() + "[" + duration() + "]") }
        return modifiers(vector(depth - 1) + "[" + duration() + ":" + (chance(50) ? duration() : "") + "]")
    }

    mutating func vector(_ depth: Int) -> String {
        if depth <= 0 || chance(25) { return modifiers(selector()) }
        switch Int.random(in: 0..<9, using: &rng) {
        case 0:
            let op = pick(["+", "-", "*", "/", "==", "!=", ">", "<=", "^", "and", "or", "unless", "atan2", "> bool"])
            var matching = ""
            if chance(40) {
                matching = " " + pick(["on", "ignoring"]) + "(" + label() + ")"
                if op.count < 3 && chance(50) { matching += " " + pick(["group_left", "group_right"]) + (chance(50) ? "(" + label() + ")" : "") }
            }
            return vector(depth - 1) + " " + op + matching + " " + (chance(20) ? scalar(depth - 1) : vector(depth - 1))
        case 1: return "(" + vector(depth - 1) + ")"
        case 2:
            let op = pick(["sum", "avg", "max", "group", "stddev", "COUNT"])
            let grouping = chance(60) ? " " + pick(["by", "without"]) + " (" + label() + ", " + label() + ")" : ""
            return chance(50) ? op + grouping + " (" + vector(depth - 1) + ")" : op + "(" + vector(depth - 1) + ")" + grouping
        case 3: return pick(["topk", "bottomk", "quantile", "limitk", "limit_ratio"]) + "(" + scalar(depth - 1) + ", " + vector(depth - 1) + ")"
        case 4: return "count_values(" + string() + ", " + vector(depth - 1) + ")"
        case 5: return pick(["rate", "increase", "avg_over_time", "changes", "mad_over_time"]) + "(" + range(depth - 1) + ")"
        case 6: return pick(["abs", "sort", "ceil", "histogram_count", "sgn", "day_of_week"]) + "(" + vector(depth - 1) + ")"
        case 7: return "label_replace(" + vector(depth - 1) + ", " + string() + ", " + string() + ", " + string() + ", " + string() + ")"
        default: return pick(["-", "+"]) + vector(depth - 1)
        }
    }
}

@Suite("Generated expressions")
struct GeneratedTests {
    @Test("generated expressions parse, and print back to the same AST")
    func generatedRoundTrip() {
        let count = 20_000
        var gen = ExpressionGenerator(rng: SeededRandom(seed: 42))
        var parsed = 0
        var failures: [String] = []
        for _ in 0..<count {
            let q = gen.chance(80) ? gen.vector(4) : gen.scalar(4)
            guard let expr = try? PromQL.parse(q) else { continue }
            parsed += 1
            let printed = PromQL.format(expr)
            do {
                let again = try PromQL.parse(printed)
                if again != expr || PromQL.format(again) != printed, failures.count < 10 {
                    failures.append("\(q) => \(printed)")
                }
            } catch {
                if failures.count < 10 { failures.append("\(q) => \(printed): \(error)") }
            }
        }
        print("generated: \(count) expressions, \(parsed) parsed")
        #expect(parsed > count / 2, "the generator should mostly produce valid PromQL")
        #expect(failures.isEmpty, "\(failures)")
    }
}
