import StrataModel
import Testing
@testable import StrataPromQL

@Suite("math, scalar, date and sort functions")
struct InstantFunctionTests {
    typealias H = FunctionHarness

    static func apply(_ name: String, _ v: Double, _ extra: [Vector] = []) throws -> Double {
        H.value(try H.call(name, [[H.sample(["__name__": "x"], v)]] + extra).out)
    }

    @Test("every function but info has an implementation")
    func coverage() {
        for name in PromQLFunction.all.keys where name != "info" {
            #expect(FunctionTable.implementation(for: name) != nil, "\(name)")
        }
        #expect(FunctionTable.implementation(for: "info") == nil)
    }

    @Test("round ties go up, also for negative numbers and fractional steps")
    func round() throws {
        #expect(try Self.apply("round", 2.5) == 3)
        #expect(try Self.apply("round", -2.5) == -2)
        #expect(try Self.apply("round", 0.15, [H.scalar(0.1)]) == 0.2)
        #expect(try Self.apply("round", 7, [H.scalar(5)]) == 5)
        #expect(try H.call("round", [[H.sample(["__name__": "x"], 1)]]).out.first?.dropName == true)
    }

    @Test("clamp family follows Go's min/max and drops everything when min > max")
    func clamp() throws {
        #expect(try Self.apply("clamp", 5, [H.scalar(0), H.scalar(3)]) == 3)
        #expect(try Self.apply("clamp", -5, [H.scalar(0), H.scalar(3)]) == 0)
        #expect(try Self.apply("clamp", .nan, [H.scalar(0), H.scalar(3)]).isNaN)
        #expect(try H.call("clamp", [[H.sample([:], 1)], H.scalar(3), H.scalar(0)]).out.isEmpty)
        #expect(try Self.apply("clamp_max", 5, [H.scalar(2)]) == 2)
        #expect(try Self.apply("clamp_min", 5, [H.scalar(7)]) == 7)
    }

    @Test("element-wise math")
    func math() throws {
        #expect(try Self.apply("abs", -2) == 2)
        #expect(try Self.apply("ceil", 1.2) == 2)
        #expect(try Self.apply("floor", -1.2) == -2)
        #expect(try Self.apply("sqrt", 9) == 3)
        #expect(try Self.apply("ln", 1) == 0)
        #expect(try Self.apply("log2", 8) == 3)
        #expect(try Self.apply("log10", 1000) == 3)
        #expect(try Self.apply("exp", 0) == 1)
        #expect(try Self.apply("sgn", -3) == -1)
        #expect(try Self.apply("sgn", 0) == 0)
        #expect(try Self.apply("sgn", .nan).isNaN)
        #expect(H.close(try Self.apply("deg", Double.pi), 180))
        #expect(H.close(try Self.apply("rad", 180), Double.pi))
        #expect(H.close(try Self.apply("cos", 0), 1))
        #expect(H.close(try Self.apply("atanh", 0), 0))
    }

    @Test("time, pi, vector, scalar, timestamp")
    func scalars() throws {
        #expect(H.value(try H.call("time", [], ts: 90_000).out) == 90)
        #expect(H.value(try H.call("pi", []).out) == Double.pi)
        let v = try H.call("vector", [H.scalar(4)]).out
        #expect(v.first?.metric.isEmpty == true && v.first?.f == 4)
        #expect(H.value(try H.call("scalar", [[H.sample(["a": "1"], 7)]]).out) == 7)
        #expect(H.value(try H.call("scalar", [[H.sample(["a": "1"], 7), H.sample(["a": "2"], 8)]]).out).isNaN)
        #expect(H.value(try H.call("scalar", [[]]).out).isNaN)
        let t = try H.call("timestamp", [[H.sample(["__name__": "x"], 0, t: 12_500)]], ts: 20_000).out
        #expect(t.first?.f == 12.5 && t.first?.t == 20_000 && t.first?.dropName == true)
    }

    @Test("date functions read Unix seconds, defaulting to the step time")
    func dates() throws {
        // 2006-01-02T22:04:05Z, a Monday.
        let t = 1_136_239_445.0
        #expect(try Self.apply("year", t) == 2006)
        #expect(try Self.apply("month", t) == 1)
        #expect(try Self.apply("day_of_month", t) == 2)
        #expect(try Self.apply("day_of_week", t) == 1)
        #expect(try Self.apply("day_of_year", t) == 2)
        #expect(try Self.apply("hour", t) == 22)
        #expect(try Self.apply("minute", t) == 4)
        #expect(try Self.apply("days_in_month", 1_454_284_800) == 29)
        #expect(try Self.apply("day_of_year", 1_483_191_420) == 366)
        #expect(try Self.apply("year", -1) == 1969)
        #expect(H.value(try H.call("year", []).out) == 1970)
        // NaN and infinities must not trap.
        #expect(try Self.apply("year", .nan).isFinite)
        #expect(try Self.apply("hour", -.infinity).isFinite)
        #expect(try Self.apply("day_of_week", 1e300).isFinite)
        #expect(H.value(try H.call("day_of_week", [], ts: 0).out) == 4)
    }

    @Test("sort and sort_desc put NaN last")
    func sort() throws {
        let v: Vector = [H.sample(["i": "a"], 2), H.sample(["i": "b"], .nan), H.sample(["i": "c"], 1)]
        #expect(try H.call("sort", [v]).out.map { $0.metric["i"] } == ["c", "a", "b"])
        #expect(try H.call("sort_desc", [v]).out.map { $0.metric["i"] } == ["a", "c", "b"])
        // Go's insertion sort (up to 12 elements) keeps ties in order and reverses NaNs.
        let nans: Vector = [H.sample(["i": "n1"], .nan), H.sample(["i": "x"], 1), H.sample(["i": "n2"], .nan),
                            H.sample(["i": "y"], 1)]
        #expect(try H.call("sort", [nans]).out.map { $0.metric["i"] } == ["x", "y", "n2", "n1"])
        #expect(try H.call("sort_desc", [nans]).out.map { $0.metric["i"] } == ["x", "y", "n2", "n1"])
        let many: Vector = (0..<20).map { H.sample(["i": String($0)], $0 % 3 == 0 ? .nan : Double($0 % 5)) }
        let sorted = try H.call("sort", [many]).out.map(\.f)
        #expect(sorted.prefix(13).allSatisfy { !$0.isNaN } && sorted.suffix(7).allSatisfy(\.isNaN))
        #expect(zip(sorted.prefix(13), sorted.prefix(13).dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test("sort_by_label uses natural order, then the full label set")
    func sortByLabel() throws {
        let v: Vector = [
            H.sample(["i": "a10", "j": "1"], 0), H.sample(["i": "a9", "j": "2"], 0),
            H.sample(["i": "a10", "j": "0"], 0), H.sample(["i": "b", "j": "3"], 0),
        ]
        let asc = try H.call("sort_by_label", [v, [], []], query: "sort_by_label(x, \"i\")").out
        #expect(asc.map { $0.metric["j"] } == ["2", "0", "1", "3"])
        let desc = try H.call("sort_by_label_desc", [v, [], []], query: "sort_by_label_desc(x, \"i\")").out
        #expect(desc.map { $0.metric["j"] } == ["3", "1", "0", "2"])
        #expect(NaturalOrder.precedes("instance2", "instance10"))
        #expect(!NaturalOrder.precedes("instance10", "instance2"))
    }

    @Test("absent takes labels from the selector's equality matchers")
    func absent() throws {
        let query = "absent(nonexistent{job=\"a\", job=\"b\", foo=\"bar\", e=\"\", r=~\"x\"})"
        let r = try H.call("absent", [[]], query: query).out
        #expect(r.first?.metric == Labels(["foo": "bar"]))
        #expect(r.first?.f == 1)
        #expect(try H.call("absent", [[H.sample([:], 1)]], query: query).out.isEmpty)
        #expect(try H.call("absent", [[]], query: "absent(sum(x{a=\"b\"}))").out.first?.metric == .empty)
    }
}
