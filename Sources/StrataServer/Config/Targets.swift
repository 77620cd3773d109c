/// The set of roles one process runs, parsed from `-target`.
public struct Targets: Sendable, Equatable {
    /// A role Strata can run.
    public enum Role: String, Sendable, CaseIterable {
        case distributor, ingester, querier
        case storeGateway = "store-gateway"
        case compactor
        case queryFrontend = "query-frontend"
    }

    /// Roles named by Mimir that this version of Strata cannot run yet, with why.
    static let unavailable: [String: String] = [
        "query-scheduler": "a separate query-scheduler (the query-frontend holds the queue itself)",
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
                throw .invalid("-target=\(part): unknown target; valid targets are all, distributor, ingester, querier, query-frontend, store-gateway, compactor")
            }
        }
        guard !roles.isEmpty else { throw .invalid("-target is empty; use -target=all") }
        self.roles = roles
    }

    /// True when `role` runs in this process.
    public func runs(_ role: Role) -> Bool { roles.contains(role) }
}
