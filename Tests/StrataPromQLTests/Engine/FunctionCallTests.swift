import StrataModel
import Testing
@testable import StrataPromQL

/// Function calls as the engine drives them: range functions per series, scalar arguments per
/// step, `timestamp`, and the fused aggregation path.
@Suite struct FunctionCallTests {
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        for (job, slope) in [("a", 1.0), ("b", 2.0)] {
            for inst in ["0", "1"] {
                s.add(EngineTest.labels("http_total", ["job": job, "instance": inst]),
                      EngineTest.samples(interval: 15_000, (0..<200).map { Double($0) * 15 * slope }))
            }
        }
        s.add(EngineTest.labels("gauge", ["job": "a"]), EngineTest.samples(interval: 60_000, [5, 1, 3, 8, 2]))
        return s
    }

    @Test func rateDropsNameAndKeepsLabels() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("rate(http_total{job=\"b\"}[1m])", at: 600_000, storage()))
        #expect(v.count == 2)
        #expect(v.allSatisfy { $0.metric.metricName == nil && $0.metric["job"] == "b" })
        #expect(v.allSatisfy { abs($0.f - 2) < 1e-9 })
    }

    @Test func lastOverTimeKeepsName() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("last_over_time(gauge[2m])", at: 180_000, storage()))
        #expect(v.first?.metric.metricName == "gauge")
        #expect(v.first?.f == 8)
    }

    @Test func scalarArgumentIsEvaluatedPerStep() async throws {
        let m = EngineTest.matrix(try await EngineTest.range("quantile_over_time(time() / 240, gauge[5m])", from: 60_000, to: 240_000, step: 60_000, storage()))
        // q = 0.25, 0.5, 0.75, 1 over the growing window.
        #expect(m.first?.floats.map(\.f) == [2, 3, 5.75, 8])
    }

    @Test func fusedAggregationMatchesUnfusedEvaluation() async throws {
        let s = storage()
        let fused = EngineTest.matrix(try await EngineTest.range("sum by (job) (rate(http_total[1m]))", from: 0, to: 2_900_000, step: 30_000, s))
        // `+ 0` hides the range function from the fused path.
        let plain = EngineTest.matrix(try await EngineTest.range("sum by (job) (rate(http_total[1m]) + 0)", from: 0, to: 2_900_000, step: 30_000, s))
        #expect(fused.count == 2)
        #expect(fused == plain)
        #expect(fused.first?.floats.count == plain.first?.floats.count)
        #expect(fused.first.map { abs(($0.floats.last?.f ?? 0) - 2) < 1e-9 } == true)
        #expect(fused.last.map { abs(($0.floats.last?.f ?? 0) - 4) < 1e-9 } == true)
        #expect(fused.first?.metric == EngineTest.labels(nil, ["job": "a"]))
    }

    @Test func timestampSeesSampleTimes() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("timestamp(gauge)", at: 150_000, storage()))
        #expect(v.first?.f == 120)
        #expect(v.first?.t == 150_000)
        let pinned = EngineTest.matrix(try await EngineTest.range("timestamp(gauge @ 70)", from: 0, to: 120_000, step: 60_000, storage()))
        #expect(pinned.first?.floats.map(\.f) == [60, 60, 60])
    }

    @Test func nonCounterRateRaisesInfo() async throws {
        let r = try await EngineTest.instant("rate(gauge[5m])", at: 240_000, storage())
        let infos = r.annotations.texts(query: "rate(gauge[5m])").infos
        #expect(infos == ["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"gauge\" (1:6)"])
    }

    @Test func scalarFunctionResultIsScalar() async throws {
        let r = try await EngineTest.instant("scalar(gauge) * 2", at: 60_000, storage())
        #expect(r.value == .scalar(t: 60_000, f: 2))
        let time = try await EngineTest.instant("time()", at: 90_000, storage())
        #expect(time.value == .scalar(t: 90_000, f: 90))
    }

    @Test func subqueryOverFunctionKeepsDropName() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("last_over_time(abs(gauge)[3m:1m])", at: 180_000, storage()))
        #expect(v.first?.metric.metricName == nil)
        #expect(v.first?.f == 8)
    }

    /// Pairs of a fused-path query and the same query sent step by step (`+ 0` hides the
    /// range function from the fused path).
    @Test(arguments: [
        ("sum(quantile_over_time(0.5, http_total[2m] offset 1m))", "sum(quantile_over_time(0.5, http_total[2m] offset 1m) + 0)"),
        ("max by (instance) (rate(http_total[90s] @ 1500))", "max by (instance) (rate(http_total[90s] @ 1500) + 0)"),
        ("count(changes(gauge[3m]))", "count(changes(gauge[3m]) + 0)"),
        ("avg without (instance) (predict_linear(http_total[2m], time() / 100))",
         "avg without (instance) (predict_linear(http_total[2m], time() / 100) + 0)"),
    ])
    func fusedPathAgreesWithStepwiseEvaluation(_ queries: (String, String)) async throws {
        let s = storage()
        let fused = try await EngineTest.range(queries.0, from: 0, to: 1_800_000, step: 45_000, s)
        let stepwise = try await EngineTest.range(queries.1, from: 0, to: 1_800_000, step: 45_000, s)
        #expect(!EngineTest.matrix(fused).isEmpty)
        #expect(fused.value == stepwise.value)
    }

    @Test func rangeFunctionsCountWindowSamples() async {
        var options = EngineOptions()
        options.maxSamples = 3
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("count_over_time(http_total[1m])", at: 600_000, storage(), options: options)
        }
        #expect(err == .tooManySamples(limit: 3))
    }
}
