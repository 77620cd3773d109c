import StrataModel

/// Several tenants read as one (`X-Scope-OrgID: a|b`), as Mimir's tenant federation reads them:
/// every series gains a `__tenant_id__` label naming its tenant, and matchers on that label pick
/// the tenants to read.
///
/// The tenant in each request is ignored: the federated tenant list is fixed at creation.
struct FederatedQueryable: Queryable {
    /// The label that names a series' tenant.
    static let tenantLabel = "__tenant_id__"

    let inner: any Queryable
    let tenants: [TenantID]

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let (selected, matchers) = split(request.matchers)
        var out: [QuerySeries] = []
        for tenant in selected {
            var perTenant = request
            perTenant.tenant = tenant
            perTenant.matchers = matchers
            let series = try await inner.select(perTenant)
            let tenantLabel = Label(name: Self.tenantLabel, value: tenant.rawValue)
            for s in series {
                out.append(QuerySeries(labels: Labels(Array(s.labels) + [tenantLabel]), chunks: s.chunks, resolution: s.resolution))
            }
        }
        out.sort { $0.labels < $1.labels }
        return out
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (selected, rest) = split(matchers)
        guard !selected.isEmpty else { return [] }
        var names: Set<String> = [Self.tenantLabel]
        for t in selected {
            names.formUnion(try await inner.labelNames(tenant: t, minTime: minTime, maxTime: maxTime, matchers: rest))
        }
        return names.sorted()
    }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let (selected, rest) = split(matchers)
        if name == Self.tenantLabel { return selected.map(\.rawValue).sorted() }
        var values = Set<String>()
        for t in selected {
            values.formUnion(try await inner.labelValues(tenant: t, name: name, minTime: minTime, maxTime: maxTime, matchers: rest))
        }
        return values.sorted()
    }

    /// The tenants the `__tenant_id__` matchers allow, and the other matchers.
    private func split(_ matchers: [LabelMatcher]) -> ([TenantID], [LabelMatcher]) {
        let tenantMatchers = matchers.filter { $0.name == Self.tenantLabel }
        let rest = matchers.filter { $0.name != Self.tenantLabel }
        let selected = tenants.filter { t in tenantMatchers.allSatisfy { $0.matches(t.rawValue) } }
        return (selected, rest)
    }
}
