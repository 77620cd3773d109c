import StrataModel
import Testing
@testable import StrataPromQL
import StrataPromQLTestKit

/// The experimental `info()` function, which the engine evaluates itself (it reads storage).
@Suite struct InfoTests {
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        let steps = EngineTest.samples(interval: 60_000, [1, 2, 3, 4, 5])
        s.add(EngineTest.labels("metric", ["instance": "a", "job": "1"]), steps)
        s.add(EngineTest.labels("target_info", ["instance": "a", "job": "1", "version": "old"]),
              EngineTest.samples(interval: 60_000, [1, 1, nil, nil, nil]) + [Sample(timestamp: 120_000, value: StaleNaN.value)])
        s.add(EngineTest.labels("target_info", ["instance": "a", "job": "1", "version": "new"]),
              EngineTest.samples(interval: 60_000, [nil, nil, 1, 1, 1]))
        return s
    }

    func options() -> EngineOptions {
        var o = EngineOptions()
        o.experimentalFunctions = true
        return o
    }

    @Test func addsDataLabelsOfTheCurrentInfoSeries() async throws {
        let m = EngineTest.matrix(try await EngineTest.range("info(metric)", from: 0, to: 240_000, step: 60_000, storage(), options: options()))
        let old = m.first { $0.metric["version"] == "old" }
        let new = m.first { $0.metric["version"] == "new" }
        #expect(old?.floats.map(\.t) == [0, 60_000])
        #expect(new?.floats.map(\.f) == [3, 4, 5])
        #expect(new?.metric.metricName == "metric")
    }

    @Test func infoSeriesFollowTheArgumentsOffset() async throws {
        let v = EngineTest.vector(try await EngineTest.instant("info(metric offset 3m)", at: 240_000, storage(), options: options()))
        #expect(v.map { $0.metric["version"] } == ["old"])
        #expect(v.first?.f == 2)
    }

    @Test func dataMatcherThatNeedsAValueDropsUnmatchedSeries() async throws {
        let s = storage()
        s.add(EngineTest.labels("other", ["instance": "b", "job": "1"]), [Sample(timestamp: 0, value: 7)])
        let v = EngineTest.vector(try await EngineTest.instant("info({job=\"1\", __name__!~\".*_info\"}, {version=~\".+\"})", at: 0, s, options: options()))
        #expect(v.map { $0.metric.metricName } == ["metric"])
    }

    @Test func refusedWhenExperimentalFunctionsAreOff() async {
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("info(metric)", at: 0, storage())
        }
        #expect(err?.errorType == "bad_data")
    }
}
