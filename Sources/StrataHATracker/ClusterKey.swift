import StrataModel

/// One HA cluster of one tenant: what the tracker elects a replica for.
struct ClusterKey: Hashable, Sendable {
    let tenant: TenantID
    let cluster: String

    /// The store key under the tracker's prefix: `<prefix><tenant>/<cluster>`.
    func storeKey(prefix: String) -> String {
        prefix + tenant.rawValue + "/" + cluster
    }

    /// Parses `<tenant>/<cluster>` (the store key without the prefix). The tenant ends at the first
    /// `/`, which tenant IDs cannot contain, so cluster names may contain `/`. Nil for keys that are
    /// not the tracker's (no `/`, empty cluster, or not a valid tenant ID).
    init?(keyWithoutPrefix key: Substring) {
        guard let slash = key.firstIndex(of: "/") else { return nil }
        let cluster = key[key.index(after: slash)...]
        guard !cluster.isEmpty, let tenant = try? TenantID(validating: String(key[..<slash])) else { return nil }
        self.init(tenant: tenant, cluster: String(cluster))
    }

    init(tenant: TenantID, cluster: String) {
        self.tenant = tenant
        self.cluster = cluster
    }
}
