#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file with a write buffer and a running position.
///
/// A class because it owns a file descriptor that must be closed exactly once; it is used by
/// one writer and never shared, so it is not `Sendable`.
final class BufferedFileWriter {
    /// Bytes buffered before a `write(2)`.
    static let bufferSize = 1 << 20

    let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far, buffered included: the offset of the next byte.
    private(set) var position = 0

    init(path: String) throws(BlockError) {
        self.path = path
        fd = try BlockFileIO.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if fd >= 0 {
            #if canImport(Glibc)
            _ = Glibc.close(fd)
            #else
            _ = Darwin.close(fd)
            #endif
        }
    }

    func write(_ bytes: some Collection<UInt8>) throws(BlockError) {
        buffer.append(contentsOf: bytes)
        position += bytes.count
        if buffer.count >= Self.bufferSize { try flush() }
    }

    /// Zero bytes up to the next multiple of `alignment`.
    func pad(to alignment: Int) throws(BlockError) {
        let rem = position % alignment
        if rem != 0 { try write(repeatElement(UInt8(0), count: alignment - rem)) }
    }

    func flush() throws(BlockError) {
        if buffer.isEmpty { return }
        let fd = self.fd
        let path = self.path
        var failure: BlockError? = nil
        buffer.withUnsafeBytes { raw in
            do throws(BlockError) { try BlockFileIO.writeAll(fd, raw, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, fsyncs and closes.
    func finish() throws(BlockError) {
        try flush()
        try BlockFileIO.fsync(fd, path: path)
        let f = fd
        fd = -1
        try BlockFileIO.close(f, path: path)
    }
}
