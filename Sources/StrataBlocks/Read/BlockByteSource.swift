#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random access to the bytes of one block file: a local file now, an object-store range reader
/// later. Readers only ask for what they decode, so a remote implementation pays per range.
public protocol BlockByteSource: Sendable {
    /// The file size in bytes.
    var size: Int { get }
    /// A name for error messages (path or object key).
    var name: String { get }
    /// Exactly the bytes in `range`; a range past `size` is an error.
    func read(_ range: Range<Int>) throws(BlockError) -> [UInt8]
}

extension BlockByteSource {
    /// Checks `range` against the size before reading, so hostile offsets become errors.
    func checkedRead(_ range: Range<Int>) throws(BlockError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw .corrupt(file: name, offset: range.lowerBound, reason: "range \(range.lowerBound)..<\(range.upperBound) is outside the \(size)-byte file")
        }
        if range.isEmpty { return [] }
        return try read(range)
    }
}

/// A local file read with `pread(2)`, safe to share between tasks (no file position state).
public final class FileByteSource: BlockByteSource {
    /// The path.
    public let name: String
    /// The file size when opened (blocks are immutable).
    public let size: Int
    private let fd: Int32

    /// Opens `path` read-only.
    public init(path: String) throws(BlockError) {
        name = path
        fd = try BlockFileIO.open(path, flags: O_RDONLY)
        do {
            size = try BlockFileIO.size(fd, path: path)
        } catch {
            #if canImport(Glibc)
            _ = Glibc.close(fd)
            #else
            _ = Darwin.close(fd)
            #endif
            throw error
        }
    }

    deinit {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }

    /// `pread` of exactly `range`.
    public func read(_ range: Range<Int>) throws(BlockError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw .corrupt(file: name, offset: range.lowerBound, reason: "read past the end of the \(size)-byte file")
        }
        return try BlockFileIO.pread(fd, offset: range.lowerBound, count: range.count, path: name)
    }
}

/// Bytes already in memory (a downloaded object, a test fixture).
public struct MemoryByteSource: BlockByteSource {
    /// A name for error messages.
    public let name: String
    /// The whole file.
    public let bytes: [UInt8]
    /// The byte count.
    public var size: Int { bytes.count }

    /// Wraps `bytes`.
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// A copy of `bytes[range]`.
    public func read(_ range: Range<Int>) throws(BlockError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else {
            throw .corrupt(file: name, offset: range.lowerBound, reason: "read past the end of the \(bytes.count)-byte file")
        }
        return Array(bytes[range])
    }
}
