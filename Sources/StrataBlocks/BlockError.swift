import StrataModel
/// Everything that can go wrong writing or reading a block.
///
/// Every case names the file and, where it applies, the byte offset, so an operator can tell a
/// corrupt upload (delete or re-upload the block) from a local I/O problem (disk, permissions).
public enum BlockError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed on `path`.
    case io(path: String, operation: String, errno: Int32)
    /// A file does not start with the magic number its format requires.
    case badMagic(file: String, expected: UInt32, found: UInt32)
    /// A file declares a format version this code does not read.
    case unsupportedVersion(file: String, version: Int)
    /// A checksummed region does not match its CRC32C.
    case checksumMismatch(file: String, section: String, offset: Int, expected: UInt32, actual: UInt32)
    /// Bytes that do not decode: truncated, out of bounds or inconsistent.
    case corrupt(file: String, offset: Int, reason: String)
    /// `meta.json` is missing a field, malformed, or inconsistent with the block.
    case invalidMeta(path: String, reason: String)
    /// The writer was fed data that would produce an invalid block (out-of-order series, …).
    case invalidInput(reason: String)
    /// The block uses a feature this reader does not implement (e.g. non-empty tombstones).
    case unsupported(file: String, reason: String)
    /// A series or chunk reference points outside the block.
    case invalidReference(file: String, reference: UInt64, reason: String)
    /// A `SparseByteSource` was asked for bytes it has not been given yet. Not a defect of the
    /// block: the caller fetches `range` (from object storage) and decodes again.
    case rangeNotLoaded(file: String, range: Range<Int>)

    public var description: String {
        switch self {
        case .io(let path, let op, let errno):
            return "\(op) \(path) failed: errno \(errno); check the disk, the permissions and free space"
        case .badMagic(let file, let expected, let found):
            return "\(file): bad magic 0x\(String(found, radix: 16)) (want 0x\(String(expected, radix: 16))); the file is not a TSDB block file or is damaged, re-create or re-upload the block"
        case .unsupportedVersion(let file, let version):
            return "\(file): unsupported format version \(version); the block was written by an incompatible tool"
        case .checksumMismatch(let file, let section, let offset, let expected, let actual):
            return "\(file): CRC32C mismatch in \(section) at offset \(offset) (stored 0x\(String(expected, radix: 16)), computed 0x\(String(actual, radix: 16))); the block is corrupt, re-create or re-upload it"
        case .corrupt(let file, let offset, let reason):
            return "\(file): corrupt at offset \(offset): \(reason); the block is damaged, re-create or re-upload it"
        case .invalidMeta(let path, let reason):
            return "\(path): invalid meta.json: \(reason)"
        case .invalidInput(let reason):
            return "invalid block writer input: \(reason)"
        case .unsupported(let file, let reason):
            return "\(file): unsupported: \(reason)"
        case .invalidReference(let file, let reference, let reason):
            return "\(file): invalid reference \(reference): \(reason); the index and the chunk files do not belong together or are damaged"
        case .rangeNotLoaded(let file, let range):
            return "\(file): bytes \(range.lowerBound)..<\(range.upperBound) have not been fetched; the reader must fetch them and retry (a loop here means the fetch planning is wrong)"
        }
    }
}
