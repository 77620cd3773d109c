import StrataModel
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

/// Builds engines and in-memory data for the evaluator tests.
enum EngineTest {
    static let tenant = TenantID.anonymous

    /// `name{labels}` as a label set.
    static func labels(_ name: String?, _ pairs: [String: String] = [:]) -> Labels {
        var all = pairs
        if let name { all[metricNameLabel] = name }
        return Labels(all)
    }

    /// Samples `values` every `interval` ms starting at `start` (nil leaves a gap).
    static func samples(start: Int64 = 0, interval: Int64, _ values: [Double?]) -> [Sample] {
        var out: [Sample] = []
        for (i, v) in values.enumerated() {
            if let v { out.append(Sample(timestamp: start + Int64(i) * interval, value: v)) }
        }
        return out
    }

    /// Engine settings for tests: the defaults, but a timeout of an hour. With the whole suite on
    /// two cores, one of them kept busy, a query can wait minutes for a thread of the cooperative
    /// pool; only the tests about timeouts set a short one.
    static var options: EngineOptions {
        var options = EngineOptions()
        options.timeout = .seconds(3600)
        return options
    }

    /// Runs an instant query.
    static func instant(_ q: String, at t: Int64, _ storage: MemoryQueryable, options: EngineOptions = EngineTest.options) async throws(QueryError) -> QueryResult {
        try await Engine(options: options).instantQuery(q, at: t, tenant: tenant, storage: storage)
    }

    /// Runs a range query.
    static func range(_ q: String, from: Int64, to: Int64, step: Int64, _ storage: MemoryQueryable, options: EngineOptions = EngineTest.options) async throws(QueryError) -> QueryResult {
        try await Engine(options: options).rangeQuery(q, start: from, end: to, step: step, tenant: tenant, storage: storage)
    }

    /// The vector of a result, or an empty one when the result is something else.
    static func vector(_ r: QueryResult) -> Vector {
        if case .vector(let v) = r.value { return v }
        return []
    }

    /// The matrix of a result, or an empty one when the result is something else.
    static func matrix(_ r: QueryResult) -> Matrix {
        if case .matrix(let m) = r.value { return m }
        return []
    }

    /// The error a query throws, or nil.
    static func error(_ body: () async throws(QueryError) -> QueryResult) async -> QueryError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error
        }
    }
}

/// A storage that always fails, to check the error mapping.
struct FailingQueryable: Queryable {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "disk on fire" }
    }
    func select(_ request: SelectRequest) async throws -> [QuerySeries] { throw Broken() }
    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
}
