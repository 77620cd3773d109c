/// Names that Strata's storage layers reserve for themselves, in one place so that the tenant-ID
/// rule (`TenantID`) and the layers that enforce them (the object store's key check, the
/// listings of tenants) can never disagree.
///
/// Where a tenant ID ends up, and what is reserved there:
/// - **Object store** (`<tenant>/<block>/…`, `<tenant>/bucket-index.json.gz`, `<tenant>/markers/…`):
///   no key segment may contain `temporaryMarker` (the filesystem backend's in-flight files carry
///   it and listings hide them), and top-level names starting with `clusterPrefix` belong to the
///   cluster, not to a tenant (Mimir keeps `__mimir_cluster/` there).
/// - **Ingester TSDB directory** (`<dir>/<tenant>/`, with `wal/`, blocks and
///   `thanos.shipper.json` inside) and **store-gateway sync directory** (`<dir>/<tenant>/<block>/`):
///   only tenant directories live at their top level, so they reserve no further name; their own
///   temporary names (`<block>.tmp`, `.index-header.tmp-…`) are one level below the tenant.
public enum StorageNames {
    /// Marker in the names of the object store's temporary files: no object key segment, and so
    /// no tenant ID, may contain it.
    public static let temporaryMarker = ".strata-tmp-"

    /// Prefix of the top-level names of a bucket that belong to the cluster rather than to a
    /// tenant (Mimir's `__mimir_cluster`).
    public static let clusterPrefix = "__"

    /// Whether `segment` (one `/`-separated part of an object key, or a file name) is reserved
    /// for a temporary file.
    public static func isTemporary(_ segment: some StringProtocol) -> Bool {
        segment.contains(temporaryMarker)
    }

    /// Why `name` cannot be a tenant's top-level directory or key prefix, or nil when it can.
    /// Only the reservations of the storage layers are checked here; the character set and
    /// length are `TenantID`'s.
    public static func tenantReservation(_ name: String) -> String? {
        if isTemporary(name) {
            return "it contains \"\(temporaryMarker)\", which the object store reserves for its temporary files"
        }
        if name.hasPrefix(clusterPrefix) {
            return "names starting with \"\(clusterPrefix)\" are reserved for the cluster's own objects in the bucket (such as Mimir's \"__mimir_cluster\")"
        }
        return nil
    }
}
