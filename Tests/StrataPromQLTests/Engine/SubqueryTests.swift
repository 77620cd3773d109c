import StrataModel
import Testing
@testable import StrataPromQL
import StrataPromQLTestKit

/// Subqueries: step alignment, offset, `@`, nesting, and `absent_over_time`.
@Suite struct SubqueryTests {
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("x", ["job": "a"]), EngineTest.samples(interval: 10_000, (0..<100).map { Double($0) }))
        return s
    }

    @Test func innerStepsAreAlignedToMultiplesOfTheStep() async throws {
        let r = try await EngineTest.instant("x[1m:20s]", at: 95_000, storage())
        // (35s, 95s] holds the multiples of 20s: 40, 60, 80.
        #expect(EngineTest.matrix(r).first?.floats.map(\.t) == [40_000, 60_000, 80_000])
        #expect(EngineTest.matrix(r).first?.floats.map(\.f) == [4, 6, 8])
    }

    @Test func subqueryStartIsExclusive() async throws {
        let r = try await EngineTest.instant("x[1m:20s]", at: 100_000, storage())
        #expect(EngineTest.matrix(r).first?.floats.map(\.t) == [60_000, 80_000, 100_000])
    }

    @Test func offsetAndAtApplyToSubquery() async throws {
        let s = storage()
        let off = EngineTest.matrix(try await EngineTest.instant("x[1m:20s] offset 30s", at: 100_000, s))
        #expect(off.first?.floats.map(\.t) == [20_000, 40_000, 60_000])
        let at = EngineTest.matrix(try await EngineTest.instant("x[40s:20s] @ 200", at: 0, s))
        #expect(at.first?.floats.map(\.t) == [180_000, 200_000])
    }

    @Test func defaultStepIsTheEngineOption() async throws {
        var options = EngineOptions()
        options.defaultSubqueryStep = 30_000
        let r = try await EngineTest.instant("x[90s:]", at: 100_000, storage(), options: options)
        #expect(EngineTest.matrix(r).first?.floats.map(\.t) == [30_000, 60_000, 90_000])
    }

    @Test func nestedSubqueryOfExpression() async throws {
        let r = try await EngineTest.instant("(-x)[1m:30s]", at: 120_000, storage())
        let m = EngineTest.matrix(r)
        #expect(m.first?.floats.map(\.f) == [-9, -12])
        #expect(m.first?.metric.metricName == nil)
    }

    @Test func absentOverTimeFillsTheGaps() async throws {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("y", ["job": "a"]), [Sample(timestamp: 60_000, value: 1)])
        let m = EngineTest.matrix(try await EngineTest.range("absent_over_time(y{job=\"a\",env=~\".*\"}[1m])", from: 0, to: 240_000, step: 60_000, s))
        #expect(m.count == 1)
        // Only equality matchers become labels.
        #expect(m.first?.metric == EngineTest.labels(nil, ["job": "a"]))
        // The window (t - 1m, t] holds the sample at 60s only at t = 60s.
        #expect(m.first?.floats.map(\.t) == [0, 120_000, 180_000, 240_000])
        let none = EngineTest.vector(try await EngineTest.instant("absent_over_time(y[5m])", at: 120_000, s))
        #expect(none.isEmpty)
    }
}
