import StrataModel

/// Evaluates PromQL over a `Queryable` with Prometheus's semantics.
///
/// The engine holds no state between queries; one instance serves every request.
public struct Engine: Sendable {
    /// The settings every query runs with.
    public let options: EngineOptions

    /// Creates an engine.
    public init(options: EngineOptions = EngineOptions()) {
        self.options = options
    }

    /// Evaluates `query` at `time` (ms), as `/api/v1/query` does.
    public func instantQuery(
        _ query: String, at time: Int64, tenant: TenantID, storage: any Queryable
    ) async throws(QueryError) -> QueryResult {
        let expr = try parse(query)
        return try await evaluate(expr, start: time, end: time, step: 0, tenant: tenant, storage: storage)
    }

    /// Evaluates `query` at every `step` (ms) from `start` to `end` inclusive, as
    /// `/api/v1/query_range` does. The result is always a matrix.
    public func rangeQuery(
        _ query: String, start: Int64, end: Int64, step: Int64, tenant: TenantID, storage: any Queryable
    ) async throws(QueryError) -> QueryResult {
        let expr = try parse(query)
        guard step > 0 else {
            throw .badData("zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard end >= start else { throw .badData("end timestamp must not be before start time") }
        guard expr.type == .scalar || expr.type == .vector else {
            throw .badData("invalid expression type \"\(expr.type)\" for range query, must be Scalar or instant Vector")
        }
        return try await evaluate(expr, start: start, end: end, step: step, tenant: tenant, storage: storage)
    }

    /// Parses `query`, turning a parse error into `bad_data` and refusing experimental functions
    /// unless they are enabled.
    func parse(_ query: String) throws(QueryError) -> Expr {
        do {
            return try PromQL.parse(query)
        } catch {
            throw .badData(error.description)
        }
    }
}
