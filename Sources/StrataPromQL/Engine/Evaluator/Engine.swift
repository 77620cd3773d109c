import StrataModel

/// Evaluates PromQL over a `Queryable` with Prometheus's semantics.
///
/// The engine holds no state between queries; one instance serves every request.
public struct Engine: Sendable {
    /// The settings every query runs with (a request may change its own copy's, e.g. its
    /// `sourceResolution`).
    public var options: EngineOptions

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
        return try await rangeQuery(expr, start: start, end: end, step: step, tenant: tenant, storage: storage)
    }

    /// Evaluates an already parsed (and experimental-feature checked) expression at `time`.
    public func instantQuery(
        _ expr: Expr, at time: Int64, tenant: TenantID, storage: any Queryable
    ) async throws(QueryError) -> QueryResult {
        try await evaluate(expr, start: time, end: time, step: 0, tenant: tenant, storage: storage)
    }

    /// Evaluates an already parsed expression as a range query.
    public func rangeQuery(
        _ expr: Expr, start: Int64, end: Int64, step: Int64, tenant: TenantID, storage: any Queryable
    ) async throws(QueryError) -> QueryResult {
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
    public func parse(_ query: String) throws(QueryError) -> Expr {
        let expr: Expr
        do {
            expr = try PromQL.parse(query)
        } catch {
            throw .badData(error.description)
        }
        if !options.experimentalFunctions, let (position, message) = Self.experimentalUse(in: expr) {
            throw .badData(ParseError(query: Array(query.utf8), position: position, message: message).description)
        }
        return expr
    }

    /// The first use of an experimental function or aggregation in `expr`, with Prometheus's
    /// parse error text for it.
    static func experimentalUse(in expr: Expr) -> (PositionRange, String)? {
        switch expr {
        case .number, .string, .vectorSelector, .matrixSelector:
            return nil
        case .subquery(let s): return experimentalUse(in: s.expr)
        case .paren(let p): return experimentalUse(in: p.expr)
        case .unary(let u): return experimentalUse(in: u.expr)
        case .binary(let b): return experimentalUse(in: b.lhs) ?? experimentalUse(in: b.rhs)
        case .aggregate(let a):
            if a.op == .limitk || a.op == .limit_ratio {
                return (a.position, "limitk() and limit_ratio() are experimental and must be enabled with --enable-feature=promql-experimental-functions")
            }
            if let p = a.param, let found = experimentalUse(in: p) { return found }
            return experimentalUse(in: a.expr)
        case .call(let c):
            if c.function.experimental {
                return (c.position, "function \"\(c.function.name)\" is not enabled")
            }
            for arg in c.args {
                if let found = experimentalUse(in: arg) { return found }
            }
            return nil
        }
    }
}
