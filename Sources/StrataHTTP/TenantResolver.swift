import Hummingbird
import StrataModel

/// Finds the tenant of a request from `X-Scope-OrgID`, as Mimir does.
public struct TenantResolver: Sendable {
    /// When false, every request belongs to `noAuthTenant`.
    public var multitenancyEnabled: Bool
    /// The tenant used when multitenancy is disabled.
    public var noAuthTenant: TenantID

    /// Creates a resolver.
    public init(multitenancyEnabled: Bool, noAuthTenant: TenantID = .anonymous) {
        self.multitenancyEnabled = multitenancyEnabled
        self.noAuthTenant = noAuthTenant
    }

    /// The single tenant of a write (federation is read-only): 401 without the header, 400 for
    /// an invalid ID or several IDs.
    func writeTenant(_ request: Request) throws(PlainError) -> TenantID {
        let tenants = try readTenants(request)
        guard tenants.count == 1, let tenant = tenants.first else {
            throw PlainError(.badRequest, "multiple org IDs present (\(ErrorID.invalidTenantID.id)): a write must name exactly one tenant in X-Scope-OrgID")
        }
        return tenant
    }

    /// The tenants of a read; `a|b` names several (federated query).
    func readTenants(_ request: Request) throws(PlainError) -> [TenantID] {
        guard multitenancyEnabled else { return [noAuthTenant] }
        guard let header = request.header("x-scope-orgid"), !header.isEmpty else {
            throw PlainError(.unauthorized, "no org id")
        }
        do {
            return try TenantID.parseMany(header)
        } catch {
            throw PlainError(.badRequest, "\(error) (\(ErrorID.invalidTenantID.id))")
        }
    }
}
