import StrataTestSupport
@testable import StrataRing

/// Runs `body` with an `EtcdKV` and shuts it down afterwards even when `body` throws.
func withClient(
    _ endpoints: [String], maxRetries: Int = EtcdConfig.defaultMaxRetries, prefix: String = "test/",
    _ body: (EtcdKV) async throws -> Void
) async throws {
    let client = try EtcdKV(config: EtcdConfig(
        endpoints: endpoints, dialTimeout: .seconds(1), maxRetries: maxRetries, requestTimeout: .seconds(3), prefix: prefix))
    do {
        try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}
