import Foundation
import NIOCore

/// A local file as a request body: read in 1 MiB pieces as the upload goes, so a 512 MiB chunk
/// segment never sits in memory whole; `onRead` counts the bytes for the progress bar.
struct FileBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    /// Bytes read per piece.
    static let pieceSize = 1 << 20

    let path: String
    let onRead: @Sendable (Int) -> Void

    func makeAsyncIterator() -> Iterator {
        Iterator(reader: FileReader(path: path), onRead: onRead)
    }

    struct Iterator: AsyncIteratorProtocol {
        let reader: FileReader
        let onRead: @Sendable (Int) -> Void

        mutating func next() async throws -> ByteBuffer? {
            let piece = try reader.read(FileBody.pieceSize)
            guard !piece.isEmpty else { return nil }
            onRead(piece.count)
            return ByteBuffer(bytes: piece)
        }
    }

    /// The open file; closed at the end or when the upload is abandoned.
    final class FileReader {
        private let path: String
        private var fd: Int32 = -1
        private var done = false

        init(path: String) { self.path = path }

        func read(_ count: Int) throws -> [UInt8] {
            if done { return [] }
            if fd < 0 {
                fd = open(path, O_RDONLY)
                guard fd >= 0 else { throw AdminError.operation("cannot open \(path): \(String(cString: strerror(errno)))") }
            }
            var buffer = [UInt8](repeating: 0, count: count)
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress, count) }
            guard n >= 0 else { throw AdminError.operation("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 {
                close(fd)
                fd = -1
                done = true
                return []
            }
            return Array(buffer[0..<n])
        }

        deinit {
            if fd >= 0 { close(fd) }
        }
    }
}
