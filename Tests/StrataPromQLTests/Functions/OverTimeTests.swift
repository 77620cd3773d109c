import StrataModel
import Testing
@testable import StrataPromQL

@Suite("*_over_time and other range functions")
struct OverTimeTests {
    typealias H = FunctionHarness

    static func run(_ name: String, _ values: [Double], scalars: [Int: Double] = [:]) throws -> Vector {
        let pts: [(Double, Double)] = values.enumerated().map { (e: (offset: Int, element: Double)) -> (Double, Double) in
            (Double(e.offset + 1) * 10, e.element)
        }
        return try H.window(name, pts, rangeStart: 0, rangeEnd: Int64(values.count) * 10_000, scalars: scalars).out
    }

    @Test("sum_over_time is Kahan-compensated")
    func kahanSum() throws {
        #expect(H.value(try Self.run("sum_over_time", [1e100, 1, -1e100])) == 1)
        #expect(H.value(try Self.run("sum_over_time", [.infinity, 1])) == .infinity)
    }

    @Test("avg_over_time falls back to an incremental mean on overflow")
    func avgOverflow() throws {
        #expect(H.value(try Self.run("avg_over_time", [1, 2, 3, 4])) == 2.5)
        let v = H.value(try Self.run("avg_over_time", [1e308, 1e308, -1e308]))
        #expect(v.isFinite && H.close(v, 1e308 / 3, 1e-9))
    }

    @Test("min, max, count, last, first, present")
    func simple() throws {
        let values: [Double] = [.nan, 3, 1, 2]
        #expect(H.value(try Self.run("max_over_time", values)) == 3)
        #expect(H.value(try Self.run("min_over_time", values)) == 1)
        #expect(H.value(try Self.run("count_over_time", values)) == 4)
        #expect(H.value(try Self.run("last_over_time", values)) == 2)
        #expect(H.value(try Self.run("first_over_time", values)).isNaN)
        #expect(H.value(try Self.run("present_over_time", values)) == 1)
        #expect(try Self.run("last_over_time", values).first?.dropName == false)
        #expect(try Self.run("max_over_time", values).first?.dropName == true)
        #expect(H.value(try Self.run("max_over_time", [.nan, .nan])).isNaN)
    }

    @Test("stddev and stdvar are population statistics")
    func variance() throws {
        let values: [Double] = [2, 4, 4, 4, 5, 5, 7, 9]
        #expect(H.close(H.value(try Self.run("stdvar_over_time", values)), 4))
        #expect(H.close(H.value(try Self.run("stddev_over_time", values)), 2))
        #expect(H.value(try Self.run("stdvar_over_time", [1e9 + 1, 1e9 + 1, 1e9 + 1])) == 0)
    }

    @Test("quantile_over_time interpolates and warns outside [0, 1]")
    func quantile() throws {
        #expect(H.value(try Self.run("quantile_over_time", [1, 2, 3, 4], scalars: [0: 0.5])) == 2.5)
        #expect(H.value(try Self.run("quantile_over_time", [4, 1, 3, 2], scalars: [0: 0.75])) == 3.25)
        let r = try H.window("quantile_over_time", [(10, 1)], rangeStart: 0, rangeEnd: 10_000, scalars: [0: 2],
                             query: "quantile_over_time(2, m[1m])")
        #expect(H.value(r.out) == .infinity)
        #expect(r.annotations.entries.map(\.message) == ["quantile value should be between 0 and 1, got 2"])
    }

    @Test("mad_over_time is the median absolute deviation")
    func mad() throws {
        #expect(H.value(try Self.run("mad_over_time", [1, 1, 2, 2, 4, 6, 9])) == 1)
        #expect(H.value(try Self.run("mad_over_time", [1, 2, .nan, 4])).isNaN)
    }

    @Test("ts_of_* give sample times in seconds; ties pick the latest")
    func timestamps() throws {
        let values: [Double] = [1, 5, 0, 5, 0]
        #expect(H.value(try Self.run("ts_of_max_over_time", values)) == 40)
        #expect(H.value(try Self.run("ts_of_min_over_time", values)) == 50)
        #expect(H.value(try Self.run("ts_of_first_over_time", values)) == 10)
        #expect(H.value(try Self.run("ts_of_last_over_time", values)) == 50)
    }

    @Test("resets and changes")
    func resetsChanges() throws {
        #expect(H.value(try Self.run("resets", [1, 2, 1, 3, 0])) == 2)
        #expect(H.value(try Self.run("changes", [1, 1, 2, .nan, .nan, 2])) == 3)
        #expect(H.value(try Self.run("changes", [7])) == 0)
    }

    @Test("deriv and predict_linear fit a least-squares line")
    func regression() throws {
        // y = 2x + 1 over x in seconds.
        let pts: [(Double, Double)] = (1...5).map { (i: Int) -> (Double, Double) in
            let x = Double(i) * 10
            return (x, 2 * x + 1)
        }
        let d = try H.window("deriv", pts, rangeStart: 0, rangeEnd: 50_000)
        #expect(H.close(H.value(d.out), 2))
        let p = try H.window("predict_linear", pts, rangeStart: 0, rangeEnd: 50_000, scalars: [1: 100])
        #expect(H.close(H.value(p.out), 2 * 150 + 1))
        let flat = try H.window("deriv", [(10, 3), (20, 3)], rangeStart: 0, rangeEnd: 20_000)
        #expect(H.value(flat.out) == 0)
    }

    @Test("double_exponential_smoothing follows a linear trend and validates its factors")
    func smoothing() throws {
        let pts: [(Double, Double)] = (1...10).map { (i: Int) -> (Double, Double) in (Double(i) * 10, Double(i) * 10) }
        let r = try H.window("double_exponential_smoothing", pts, rangeStart: 0, rangeEnd: 100_000, scalars: [1: 0.5, 2: 0.5])
        #expect(H.close(H.value(r.out), 100))
        #expect(throws: QueryError.execution("invalid smoothing factor. Expected: 0 < sf < 1, got: 1.000000")) {
            try H.window("double_exponential_smoothing", pts, rangeStart: 0, rangeEnd: 100_000, scalars: [1: 1, 2: 0.5])
        }
        #expect(throws: QueryError.execution("invalid trend factor. Expected: 0 < tf < 1, got: -0.500000")) {
            try H.window("double_exponential_smoothing", pts, rangeStart: 0, rangeEnd: 100_000, scalars: [1: 0.5, 2: -0.5])
        }
        // Upstream's comparisons let NaN through.
        let nan = try H.window("double_exponential_smoothing", pts, rangeStart: 0, rangeEnd: 100_000, scalars: [1: .nan, 2: 0.5])
        #expect(H.value(nan.out).isNaN)
        #expect(FunctionMath.goFixed6(1.5) == "1.500000" && FunctionMath.goFixed6(-0.0000004) == "-0.000000"
            && FunctionMath.goFixed6(1e20) == "100000000000000000000.000000")
    }
}
