import StrataModel
import StrataObjstore

/// The tenants that have data in a bucket.
public enum BucketTenants {
    /// Top-level prefixes of `bucket` that are valid tenant IDs, sorted. Other top-level names
    /// (`lost+found`, stray files) are not tenants and are left out.
    public static func list(bucket: any Bucket) async throws(BucketIndexError) -> [TenantID] {
        var tenants: [TenantID] = []
        do {
            try await bucket.iter(prefix: "", delimiter: "/") { (page: ListPage) throws(BucketError) in
                for prefix in page.commonPrefixes {
                    guard let tenant = try? TenantID(validating: String(prefix.dropLast())) else { continue }
                    tenants.append(tenant)
                }
            }
        } catch {
            throw .bucket(error)
        }
        return tenants.sorted()
    }
}
