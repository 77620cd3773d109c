import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX wrappers: the filesystem backend needs `fsync`, `pread` and `rename`, which
/// Foundation's file APIs don't expose with the durability guarantees blocks require.
enum POSIXFile {
    /// A failed call's `errno`.
    struct Errno: Error, Sendable {
        let code: Int32
    }

    static func errnoText(_ e: Errno) -> String { errnoText(e.code) }

    /// The current `errno` as text, for messages.
    static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// `open(2)`, retrying on EINTR; returns the descriptor or the errno.
    static func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0o644) -> Result<Int32, Errno> {
        while true {
            let fd = path.withCString { open($0, flags, mode) }
            if fd >= 0 { return .success(fd) }
            if errno != EINTR { return .failure(Errno(code: errno)) }
        }
    }

    /// `fstat(2)` size, mtime and whether the descriptor is a regular file.
    static func statFile(fd: Int32) -> Result<(size: Int, mtime: Date, regular: Bool), Errno> {
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(Errno(code: errno)) }
        #if canImport(Darwin)
        let mtime = Date(timeIntervalSince1970: Double(st.st_mtimespec.tv_sec) + Double(st.st_mtimespec.tv_nsec) / 1e9)
        #else
        let mtime = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
        #endif
        return .success((Int(st.st_size), mtime, (st.st_mode & S_IFMT) == S_IFREG))
    }

    /// Reads up to `count` bytes at `offset`, stopping early only at end of file.
    static func readAt(fd: Int32, offset: Int, count: Int) -> Result<[UInt8], Errno> {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = out.withUnsafeMutableBytes { buf in
                pread(fd, buf.baseAddress.map { $0 + done }, count - done, off_t(offset + done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Errno(code: errno))
            }
            if n == 0 { break }
            done += n
        }
        out.removeLast(count - done)
        return .success(out)
    }

    /// Writes every byte of `bytes`, retrying short writes and EINTR.
    static func writeAll(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress.map { $0 + done }, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return nil
    }

    /// `fsync(2)` on a directory, making a rename inside it durable.
    static func syncDirectory(_ path: String) -> Int32? {
        switch openFile(path, O_RDONLY | O_DIRECTORY) {
        case .failure(let e):
            return e.code
        case .success(let fd):
            defer { _ = close(fd) }
            return fsync(fd) == 0 ? nil : errno
        }
    }
}
