import StrataModel

/// Why a compaction, downsampling or cleanup step failed.
///
/// `.sourceBlock` names an input block that cannot be read (corrupt chunk, broken index,
/// unreadable object): the compactor then marks that block no-compact and goes on without it.
/// Every other case is retried at the next compaction interval.
public enum CompactionError: Error, Sendable, CustomStringConvertible {
    /// An input block is unreadable or inconsistent; `reason` says where.
    case sourceBlock(block: String, reason: String)
    /// Writing the output block on local disk failed.
    case output(reason: String)
    /// An object-store operation failed.
    case bucket(operation: String, key: String, reason: String)
    /// The bucket index could not be read or written.
    case bucketIndex(tenant: TenantID, reason: String)
    /// The local working directory could not be prepared.
    case localDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .sourceBlock(let block, let reason):
            return "block \(block) cannot be compacted: \(reason)"
        case .output(let reason):
            return "writing the compacted block failed: \(reason); check free space in -compactor.data-dir"
        case .bucket(let operation, let key, let reason):
            return "object store \(operation) of \(key) failed: \(reason); retried at the next -compactor.compaction-interval"
        case .bucketIndex(let tenant, let reason):
            return "the bucket index of tenant \(tenant) could not be updated: \(reason)"
        case .localDirectory(let path, let reason):
            return "the working directory \(path) could not be prepared: \(reason); check -compactor.data-dir"
        }
    }
}
