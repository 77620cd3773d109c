import StrataModel

extension Engine {
    /// Evaluates a parsed expression over `[start, end]` at `step` (0 for an instant query).
    func evaluate(
        _ expr: Expr, start: Int64, end: Int64, step: Int64, tenant: TenantID, storage: any Queryable
    ) async throws(QueryError) -> QueryResult {
        throw .execution("the evaluator is not built yet")
    }
}
