import StrataBlocks
import StrataBucketIndex
import StrataModel
import StrataObjstore

/// Why a store-gateway sync or query failed. Each case names what to look at: the object, the
/// block, the local file.
public enum StoreGatewayError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object store failed after its own retries.
    case bucket(BucketError)
    /// A tenant's bucket index could not be read or rebuilt.
    case bucketIndex(tenant: TenantID, BucketIndexError)
    /// A block's files in the bucket are damaged or unsupported.
    case block(tenant: TenantID, block: String, BlockError)
    /// An index-header file under the sync directory could not be written or read.
    case indexHeader(path: String, reason: String)
    /// The block decoders kept asking for bytes after every planned fetch; the object changed
    /// under the reader or the file is malformed in a way that defeats range planning.
    case incompleteRead(tenant: TenantID, block: String, key: String, range: Range<Int>)
    /// A sync finished for part of the bucket only; each entry says what failed.
    case syncIncomplete(failures: [String])

    public var description: String {
        switch self {
        case .bucket(let error):
            return "store-gateway: \(error)"
        case .bucketIndex(let tenant, let error):
            return "store-gateway: tenant \(tenant): \(error)"
        case .block(let tenant, let block, let error):
            return "store-gateway: tenant \(tenant) block \(block): \(error)"
        case .indexHeader(let path, let reason):
            return "store-gateway: index-header \(path): \(reason); check the disk and permissions of -blocks-storage.bucket-store.sync-dir"
        case .incompleteRead(let tenant, let block, let key, let range):
            return "store-gateway: tenant \(tenant) block \(block): \(key) bytes \(range.lowerBound)..<\(range.upperBound) still missing after repeated fetches; the object may have been replaced or is malformed, re-upload the block"
        case .syncIncomplete(let failures):
            let shown = failures.prefix(Self.failuresShown).joined(separator: "; ")
            let more = failures.count > Self.failuresShown ? " (and \(failures.count - Self.failuresShown) more)" : ""
            return "store-gateway sync incomplete: \(failures.count) failure(s): \(shown)\(more)"
        }
    }

    /// Failures spelled out in a sync error; the rest are counted.
    static let failuresShown = 5
}
