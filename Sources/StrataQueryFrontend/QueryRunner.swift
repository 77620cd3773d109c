/// Anything that answers a `QueryRequest`: a querier's engine over its storage, or the
/// frontend's queue that hands the request to whichever querier pulls it next.
///
/// The frontend's stages (limits, splitting, results cache, sharding) are runners wrapping the
/// next runner, so each can be tested over an in-memory one and the whole chain is the same in
/// `-target=all` and in a cluster.
public protocol QueryRunner: Sendable {
    /// Runs `request` to completion.
    func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse
}
