/// The set of roles one process runs, parsed from `-target`.
public struct Targets: Sendable, Equatable {
    /// A role Strata can run.
    public enum Role: String, Sendable, CaseIterable {
        case distributor, ingester
        case storeGateway = "store-gateway"
    }

    /// Roles named by Mimir that this version of Strata cannot run yet, with why.
    static let unavailable: [String: String] = [
        "querier": "the PromQL querier",
        "query-frontend": "the query-frontend",
        "compactor": "the compactor",
    ]

    /// The roles to run.
    public let roles: Set<Role>

    /// Parses `all` or a comma-separated list such as `distributor,ingester`.
    public init(_ target: String) throws(ConfigError) {
        var roles = Set<Role>()
        for part in target.split(separator: ",").map({ String($0).trimmingSpaces }) where !part.isEmpty {
            if part == "all" {
                roles.formUnion(Role.allCases)
            } else if let role = Role(rawValue: part) {
                roles.insert(role)
            } else if let what = Self.unavailable[part] {
                throw .invalid("-target=\(part): \(what) is not part of this Strata version; run -target=all")
            } else {
                throw .invalid("-target=\(part): unknown target; valid targets are all, distributor, ingester, store-gateway")
            }
        }
        guard !roles.isEmpty else { throw .invalid("-target is empty; use -target=all") }
        if roles.contains(.distributor) && !roles.contains(.ingester) {
            throw .invalid("-target=distributor needs an ingester in the same process until the cluster RPC exists; use -target=all or -target=distributor,ingester")
        }
        if roles.contains(.storeGateway) && !roles.contains(.ingester) {
            throw .invalid("-target=store-gateway needs an ingester in the same process until the cluster RPC exists (queries are served by the process that holds both); use -target=all")
        }
        self.roles = roles
    }

    /// True when `role` runs in this process.
    public func runs(_ role: Role) -> Bool { roles.contains(role) }
}
