import StrataModel

/// The ring token of a series: where on the hash ring the distributor places it.
///
/// As Mimir's sharding by all labels: 32-bit FNV-1a over the tenant ID, then every label name and
/// value in order, with no separators. Labels reach the distributor's ring step already validated,
/// which includes sorted names, so the same series always gets the same token whichever
/// Prometheus sent it.
public enum SeriesToken {
    @usableFromInline static let offsetBasis: UInt32 = 2_166_136_261
    @usableFromInline static let prime: UInt32 = 16_777_619

    /// The token of series `index` of `batch` for `tenant`.
    public static func token(tenant: TenantID, batch: SeriesBatch, series index: Int) -> UInt32 {
        var hash = tenantHash(tenant)
        let count = Int(batch.series[index].labelCount)
        for i in 0..<count {
            batch.withLabelBytes(series: index, label: i) { name, value in
                hash = add(hash, name)
                hash = add(hash, value)
            }
        }
        return hash
    }

    /// The token of `labels` for `tenant` (labels sorted, as `Labels` always is).
    public static func token(tenant: TenantID, labels: Labels) -> UInt32 {
        var hash = tenantHash(tenant)
        for label in labels {
            hash = add(hash, label.name)
            hash = add(hash, label.value)
        }
        return hash
    }

    /// FNV-1a of the tenant ID alone: the starting point of every series token of that tenant.
    public static func tenantHash(_ tenant: TenantID) -> UInt32 {
        add(offsetBasis, tenant.rawValue)
    }

    @inlinable
    static func add(_ hash: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var h = hash
        for byte in bytes {
            h ^= UInt32(byte)
            h = h &* prime
        }
        return h
    }

    static func add(_ hash: UInt32, _ string: String) -> UInt32 {
        var string = string
        return string.withUTF8 { add(hash, UnsafeRawBufferPointer($0)) }
    }
}
