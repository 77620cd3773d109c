import Logging
import StrataModel
import StrataRing
import Synchronization

/// Blocks as a cluster's store-gateways serve them. Every store-gateway loads every block of the
/// bucket (blocks are not sharded among them yet), so a read needs one of them: it asks a healthy
/// one and, when that fails, the next, so a store-gateway going down costs a retry, not the query.
///
/// The starting instance rotates from query to query to spread the load.
public final class StoreGatewaysQueryable: Queryable {
    /// Creates (or reuses) the read client for one store-gateway instance.
    public typealias ClientFactory = @Sendable (InstanceDesc) -> any Queryable

    private let ring: Ring
    private let clients: ClientFactory
    private let logger: Logger
    private let next = Atomic<Int>(0)

    /// Creates the reader over `ring` (the store-gateway ring, already started).
    public init(ring: Ring, clients: @escaping ClientFactory, logger: Logger = Logger(label: "strata.querier.store-gateways")) {
        self.ring = ring
        self.clients = clients
        self.logger = logger
    }

    /// Series from one store-gateway.
    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        try await firstAnswer { try await $0.select(request) }
    }

    /// Label names from one store-gateway.
    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await firstAnswer { try await $0.labelNames(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers) }
    }

    /// Label values from one store-gateway.
    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        try await firstAnswer {
            try await $0.labelValues(tenant: tenant, name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
        }
    }

    private func firstAnswer<T>(_ call: (any Queryable) async throws -> T) async throws -> T {
        let healthy = ring.healthyInstances(for: .read)
        guard !healthy.isEmpty else { throw StoreGatewaysError.noStoreGateways(registered: ring.instances.count) }
        let start = next.wrappingAdd(1, ordering: .relaxed).oldValue
        var failures: [String] = []
        for offset in 0..<healthy.count {
            let instance = healthy[(start &+ offset) % healthy.count]
            do {
                return try await call(clients(instance))
            } catch {
                if Task.isCancelled { throw error }
                logger.warning("read from store-gateway failed; trying the next", metadata: [
                    "store_gateway": "\(instance.id)", "addr": "\(instance.address)", "err": "\(error)",
                ])
                failures.append("\(instance.id) (\(instance.address)): \(error)")
            }
        }
        throw StoreGatewaysError.allFailed(failures)
    }
}

/// Why no store-gateway could answer.
public enum StoreGatewaysError: Error, Sendable, CustomStringConvertible {
    /// No store-gateway in the ring can serve reads.
    case noStoreGateways(registered: Int)
    /// Every healthy store-gateway failed, with each one's error.
    case allFailed([String])

    public var description: String {
        switch self {
        case .noStoreGateways(let registered):
            return "no store-gateway can serve reads (\(registered) registered in the ring): check the store-gateways and /store-gateway/ring"
        case .allFailed(let failures):
            return "every store-gateway failed: " + failures.joined(separator: "; ")
        }
    }
}
