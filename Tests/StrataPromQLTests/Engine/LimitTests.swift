import StrataModel
import Testing
@testable import StrataPromQL
import StrataPromQLTestKit

/// Sample limits, cancellation, timeouts, storage errors, and refused experimental features.
@Suite struct LimitTests {
    func storage() -> MemoryQueryable {
        let s = MemoryQueryable()
        for i in 0..<10 {
            s.add(EngineTest.labels("x", ["i": String(i)]), EngineTest.samples(interval: 15_000, Array(repeating: 1, count: 100)))
        }
        return s
    }

    @Test func tooManySamples() async {
        var options = EngineOptions()
        options.maxSamples = 50
        let s = storage()
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.range("x", from: 0, to: 1_000_000, step: 15_000, s, options: options)
        }
        #expect(err == .tooManySamples(limit: 50))
        // A query within the limit still runs.
        let ok = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("x", at: 100_000, s, options: options)
        }
        #expect(ok == nil)
    }

    @Test func cancellation() async {
        let s = storage()
        let task = Task { () async -> QueryError? in
            withUnsafeCurrentTask { $0?.cancel() }
            return await EngineTest.error { () async throws(QueryError) -> QueryResult in
                try await EngineTest.instant("x", at: 100_000, s)
            }
        }
        #expect(await task.value == .canceled("expression evaluation"))
    }

    @Test func timeout() async {
        var options = EngineOptions()
        options.timeout = .zero
        let s = storage()
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("x", at: 100_000, s, options: options)
        }
        #expect(err == .timeout("expression evaluation"))
        #expect(err?.httpStatus == 503)
    }

    @Test func storageErrorsAreInternal() async {
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await Engine().instantQuery("x", at: 0, tenant: EngineTest.tenant, storage: FailingQueryable())
        }
        #expect(err == .storage("disk on fire"))
        #expect(err?.errorType == "internal")
    }

    @Test func experimentalFeaturesAreRefusedUnlessEnabled() async {
        let s = storage()
        let fn = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("mad_over_time(x[5m])", at: 0, s)
        }
        #expect(fn == .badData("1:1: parse error: function \"mad_over_time\" is not enabled"))
        let agg = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.instant("sum(limitk(1, x))", at: 0, s)
        }
        #expect(agg?.errorType == "bad_data")
    }

    @Test func stringAndRangeQueryShapes() async throws {
        let s = storage()
        let str = try await EngineTest.instant("\"hello\"", at: 5_000, s)
        #expect(str.value == .string(t: 5_000, value: "hello"))
        let err = await EngineTest.error { () async throws(QueryError) -> QueryResult in
            try await EngineTest.range("x[5m]", from: 0, to: 10, step: 1, s)
        }
        #expect(err?.errorType == "bad_data")
    }

    @Test func sortingInRangeQueriesWarns() async throws {
        let r = try await EngineTest.range("sum(sort(x))", from: 0, to: 60_000, step: 30_000, storage())
        #expect(r.annotations.texts(query: "sum(sort(x))").warnings
            == ["PromQL warning: sort is ineffective for range queries since results are always ordered by labels (1:5)"])
        let instant = try await EngineTest.instant("sort(x)", at: 0, storage())
        #expect(instant.annotations.isEmpty)
    }
}
