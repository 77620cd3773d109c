import Glibc

/// Why a WAL or checkpoint operation failed.
public enum WALError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed: `op` (e.g. "open", "write", "fsync") on `path` with `errno`.
    case io(path: String, errno: Int32, op: String)
    /// Segment `segment` holds an unreadable record starting at byte `offset` (replay without repair).
    case corrupt(segment: Int, offset: Int, reason: String)
    /// The WAL was closed; no further calls are possible.
    case closed(directory: String)
    /// The segment size is not a positive multiple of the 32 KiB page size.
    case invalidSegmentSize(Int)
    /// Segment files are not numbered consecutively (a segment is missing).
    case nonSequentialSegments(directory: String, after: Int, found: Int)

    public var description: String {
        switch self {
        case .io(let path, let errno, let op):
            return "WAL \(op) \(path): \(String(cString: strerror(errno))) (errno \(errno))"
        case .corrupt(let segment, let offset, let reason):
            return "WAL segment \(segment) is corrupt at byte \(offset): \(reason); replay with repair enabled truncates it there"
        case .closed(let directory):
            return "WAL \(directory) is closed"
        case .invalidSegmentSize(let size):
            return "WAL segment size \(size) must be a positive multiple of the page size \(WAL.pageSize)"
        case .nonSequentialSegments(let directory, let after, let found):
            return "WAL \(directory): segment \(after) is followed by \(found); segments in between are missing"
        }
    }
}
