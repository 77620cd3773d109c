import StrataModel
import Testing
@testable import StrataPromQL
import StrataPromQLTestKit

/// Extreme times and ranges end in an error or a result, never in a trap.
@Suite struct RobustnessTests {
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        s.add(EngineTest.labels("x", ["job": "a"]), EngineTest.samples(interval: 60_000, [1, 2, 3]))
        return s
    }

    @Test(arguments: [
        "x @ 9223372036854775",
        "x @ -9223372036854775",
        "x offset -100000000w",
        "rate(x[5m] @ -9223372036854775)",
        "sum_over_time(x[1m:1m] @ 9223372036854775)",
        "count_over_time(x[100000w:1ms])",
        "absent_over_time(x[1m:1ms] offset -10000w)",
    ])
    func extremeTimesDoNotTrap(_ query: String) async {
        var options = EngineOptions()
        options.maxSamples = 10_000
        options.timeout = .seconds(5)
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant(query, at: 120_000, storage(), options: options)
        }
        // Either a result or one of the engine's errors: reaching here at all is the point.
        #expect(err == nil || err?.errorType == "execution" || err?.errorType == "timeout" || err?.errorType == "bad_data")
    }

    @Test func hugeRangeQueryHitsTheSampleLimit() async {
        var options = EngineOptions()
        options.maxSamples = 1000
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.range("vector(1)", from: .min / 2, to: .max / 2, step: 1, storage(), options: options)
        }
        #expect(err == .tooManySamples(limit: 1000))
    }
}
