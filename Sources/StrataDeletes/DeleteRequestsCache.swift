import Logging
import StrataModel
import Synchronization

/// The delete requests of each tenant as readers apply them, re-read from the bucket at most
/// every `ttl` (`-querier.delete-requests-refresh-interval`) and at once after this process
/// recorded or cancelled one.
public final class DeleteRequestsCache: Sendable {
    struct Entry {
        var requests: [DeleteRequest]
        /// The tenant has a tenant deletion mark.
        var deleted: Bool
        var loadedAt: ContinuousClock.Instant
    }

    /// Where the requests are stored.
    public let store: DeleteRequestStore
    /// How long a tenant's list is used before it is read again.
    public let ttl: Duration
    let logger: Logger
    private let entries = Mutex<[TenantID: Entry]>([:])

    /// Creates the cache over `store`.
    public init(store: DeleteRequestStore, ttl: Duration, logger: Logger) {
        self.store = store
        self.ttl = ttl
        self.logger = logger
    }

    /// The tenant's requests (every state). When the bucket cannot be read, the last list read
    /// is used if there is one; without one the error is thrown, so no query answers with data
    /// a request may have deleted.
    public func requests(_ tenant: TenantID) async throws(DeletesError) -> [DeleteRequest] {
        try await entry(tenant).requests
    }

    /// Whether the tenant is being deleted (it has a tenant deletion mark): readers answer
    /// nothing for it from then on.
    public func isDeleted(_ tenant: TenantID) async throws(DeletesError) -> Bool {
        try await entry(tenant).deleted
    }

    func entry(_ tenant: TenantID) async throws(DeletesError) -> Entry {
        let now = ContinuousClock.now
        let cached = entries.withLock { $0[tenant] }
        if let cached, now - cached.loadedAt < ttl { return cached }
        do {
            let fresh = Entry(requests: try await store.list(tenant),
                              deleted: try await TenantDeletionMark.read(bucket: store.bucket, tenant: tenant) != nil,
                              loadedAt: now)
            entries.withLock { $0[tenant] = fresh }
            return fresh
        } catch {
            guard let cached else { throw error }
            logger.warning("reading delete requests failed; applying the last list read", metadata: [
                "tenant": "\(tenant.rawValue)", "err": "\(error)"])
            return cached
        }
    }

    /// The active requests of the tenant.
    public func activeRequests(_ tenant: TenantID) async throws(DeletesError) -> [DeleteRequest] {
        try await requests(tenant).filter(\.isActive)
    }

    /// Forgets the tenant's list, so the next read sees a change this process just made.
    public func invalidate(_ tenant: TenantID) {
        _ = entries.withLock { $0.removeValue(forKey: tenant) }
    }

    /// Cortex's cache generation: a string that changes whenever a request of the tenant is
    /// created or changes state, put in results-cache keys so cached answers made before a
    /// delete are never served after it. Empty for tenants without requests.
    public func generation(_ tenant: TenantID) async -> String {
        guard let list = try? await requests(tenant), !list.isEmpty else { return "" }
        var hasher = FNV1a64()
        for r in list {
            hasher.add(r.id)
            hasher.add(r.state.rawValue)
        }
        return String(hasher.value, radix: 16)
    }
}

/// FNV-1a over strings, for generation numbers (not persisted; any stable hash would do).
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func add(_ s: String) {
        for b in s.utf8 {
            value ^= UInt64(b)
            value = value &* 0x0000_0100_0000_01b3
        }
        value ^= 0xff
        value = value &* 0x0000_0100_0000_01b3
    }
}
