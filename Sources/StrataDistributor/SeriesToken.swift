import StrataModel

/// The ring token of a series: where on the hash ring the distributor places it.
///
/// As Mimir's sharding by all labels: 32-bit FNV-1a (`FNV1a32`) over the tenant ID, then every
/// label name and value in order, with no separators. Labels reach the distributor's ring step already validated,
/// which includes sorted names, so the same series always gets the same token whichever
/// Prometheus sent it.
public enum SeriesToken {
    /// The token of series `index` of `batch` for `tenant`.
    public static func token(tenant: TenantID, batch: SeriesBatch, series index: Int) -> UInt32 {
        var hash = tenantHash(tenant)
        let count = Int(batch.series[index].labelCount)
        for i in 0..<count {
            batch.withLabelBytes(series: index, label: i) { name, value in
                hash = FNV1a32.add(hash, name)
                hash = FNV1a32.add(hash, value)
            }
        }
        return hash
    }

    /// The token of `labels` for `tenant` (labels sorted, as `Labels` always is).
    public static func token(tenant: TenantID, labels: Labels) -> UInt32 {
        var hash = tenantHash(tenant)
        for label in labels {
            hash = FNV1a32.add(hash, label.name)
            hash = FNV1a32.add(hash, label.value)
        }
        return hash
    }

    /// The token of a metric family's metadata for `tenant`: FNV-1a over the tenant ID, then the
    /// name (Mimir's `ShardByMetricName`), so every sender's metadata of one metric lands on the
    /// same ingesters.
    public static func metadataToken(tenant: TenantID, metricFamilyName: String) -> UInt32 {
        FNV1a32.add(tenantHash(tenant), metricFamilyName)
    }

    /// FNV-1a of the tenant ID alone: the starting point of every series token of that tenant.
    public static func tenantHash(_ tenant: TenantID) -> UInt32 {
        FNV1a32.hash(tenant.rawValue)
    }
}
