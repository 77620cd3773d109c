import StrataModel
import Testing
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

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

    @Test func nonCounterInfoOfSubqueryPointsAtQueryStart() async throws {
        let q = "1 + rate(gauge[5m:1m])"
        let r = try await EngineTest.instant(q, at: 240_000, storage())
        #expect(r.annotations.texts(query: q).infos
            == ["PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"gauge\" (1:1)"])
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

    @Test func pinnedExpressionsAreEvaluatedOnceAndRepeated() async throws {
        let s = storage()
        let m = EngineTest.matrix(try await EngineTest.range("sum by (job) (rate(http_total[1m] @ 600))", from: 0, to: 300_000, step: 60_000, s))
        #expect(m.count == 2)
        #expect(m.allSatisfy { $0.floats.map(\.t) == [0, 60_000, 120_000, 180_000, 240_000, 300_000] })
        let instant = EngineTest.vector(try await EngineTest.instant("sum by (job) (rate(http_total[1m]))", at: 600_000, s))
        for series in m {
            let expected = instant.first { $0.metric == series.metric }?.f
            #expect(series.floats.allSatisfy { $0.f == expected })
        }
    }

    @Test func parallelFusedPathAgreesWithStepwiseEvaluation() async throws {
        let s = MemoryQueryable()
        for i in 0..<5000 {
            s.add(EngineTest.labels("load", ["job": "j\(i % 7)", "instance": "i\(i)"]),
                  EngineTest.samples(interval: 30_000, (0..<40).map { Double($0 * (i % 13 + 1)) }))
        }
        var parallel = EngineTest.options
        parallel.parallelism = 4
        var serial = EngineTest.options
        serial.parallelism = 1
        let raw = "rate(load[2m])"
        let rawParallel = try await EngineTest.range(raw, from: 0, to: 1_200_000, step: 60_000, s, options: parallel)
        let rawSerial = try await EngineTest.range(raw, from: 0, to: 1_200_000, step: 60_000, s, options: serial)
        #expect(EngineTest.matrix(rawParallel).count == 5000)
        #expect(rawParallel.value == rawSerial.value)
        #expect(rawParallel.samplesLoaded == rawSerial.samplesLoaded)
        let selParallel = try await EngineTest.range("load offset 30s", from: 0, to: 1_200_000, step: 60_000, s, options: parallel)
        let selSerial = try await EngineTest.range("load offset 30s", from: 0, to: 1_200_000, step: 60_000, s, options: serial)
        #expect(EngineTest.matrix(selParallel).count == 5000)
        #expect(selParallel.value == selSerial.value)
        #expect(selParallel.samplesLoaded == selSerial.samplesLoaded)
        let plain = "sum by (job) (load)"
        let plainParallel = try await EngineTest.range(plain, from: 0, to: 1_200_000, step: 60_000, s, options: parallel)
        let plainStepwise = try await EngineTest.range("sum by (job) (load * 1)", from: 0, to: 1_200_000, step: 60_000, s, options: serial)
        #expect(EngineTest.matrix(plainParallel).count == 7)
        #expect(plainParallel.value == plainStepwise.value)
        let q = "sum by (job) (rate(load[2m]))"
        let a = try await EngineTest.range(q, from: 0, to: 1_200_000, step: 60_000, s, options: parallel)
        let b = try await EngineTest.range(q, from: 0, to: 1_200_000, step: 60_000, s, options: serial)
        let c = try await EngineTest.range("sum by (job) (rate(load[2m]) + 0)", from: 0, to: 1_200_000, step: 60_000, s, options: serial)
        #expect(EngineTest.matrix(a).count == 7)
        #expect(a.value == b.value)
        #expect(a.samplesLoaded == b.samplesLoaded)
        // Step-wise sums add in another order; compare with a tolerance.
        let am = EngineTest.matrix(a), cm = EngineTest.matrix(c)
        #expect(am.map(\.metric) == cm.map(\.metric))
        for (x, y) in zip(am, cm) {
            #expect(x.floats.map(\.t) == y.floats.map(\.t))
            #expect(zip(x.floats, y.floats).allSatisfy { abs($0.f - $1.f) <= 1e-9 * max(1, abs($0.f)) })
        }
    }

    @Test(arguments: [
        ("sum by (job) (gappy)", "sum by (job) (gappy * 1)"),
        ("max(gappy offset 2m)", "max(gappy offset 2m * 1)"),
        ("count without (instance) (gappy offset -1m)", "count without (instance) (gappy offset -1m * 1)"),
        ("avg(gappy)", "avg(-(-gappy))"),
    ])
    func fusedSelectorAggregationAgreesWithStepwise(_ queries: (String, String)) async throws {
        let s = MemoryQueryable()
        for i in 0..<6 {
            var samples = EngineTest.samples(interval: 45_000, (0..<30).map { $0 % (i + 2) == 0 ? nil : Double($0 * i) })
            samples.append(Sample(timestamp: 30 * 45_000 + Int64(i) * 1000, value: StaleNaN.value))
            samples.append(Sample(timestamp: 40 * 45_000, value: 5))
            s.add(EngineTest.labels("gappy", ["job": "j\(i % 2)", "instance": "i\(i)"]), samples)
        }
        let fused = try await EngineTest.range(queries.0, from: 0, to: 2_400_000, step: 20_000, s)
        let stepwise = try await EngineTest.range(queries.1, from: 0, to: 2_400_000, step: 20_000, s)
        #expect(!EngineTest.matrix(fused).isEmpty)
        #expect(fused.value == stepwise.value)
    }
}
