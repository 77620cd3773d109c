import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file replacement shared by the filesystem backend's writes and every backend's
/// downloads: temp file in the target directory, fsync, rename over the target, fsync the
/// directory. A crash leaves the old file or the complete new one, never a torn one. Public for
/// other modules' small state files (the ingester's shipper file).
public enum AtomicFile {
    /// Replaces `target` with `bytes`, crash-safely.
    public static func write(_ target: String, bytes: [UInt8]) async throws(BucketError) {
        try await write(target) { fd, tempPath throws(BucketError) in
            if let code = bytes.withUnsafeBytes({ POSIXFile.writeAll(fd: fd, $0) }) {
                throw .io(operation: "write", path: tempPath, reason: POSIXFile.errnoText(code))
            }
        }
    }

    /// Creates missing parent directories, lets `fill` write the temp file, then moves it into
    /// place. The temp file is removed on any failure.
    static func write(
        _ target: String,
        _ fill: (_ fd: Int32, _ tempPath: String) async throws(BucketError) -> Void
    ) async throws(BucketError) {
        let directory = (target as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .io(operation: "create directory", path: directory, reason: "\(error.localizedDescription) (a prefix of the key may already be an object)")
            }
        }
        let base = (target as NSString).lastPathComponent
        let temp = (directory.isEmpty ? "" : directory + "/") + "." + base + ObjectKey.tempMarker + UUID().uuidString
        let fd: Int32
        switch POSIXFile.openFile(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644) {
        case .success(let d): fd = d
        case .failure(let code): throw .io(operation: "create temp file", path: temp, reason: POSIXFile.errnoText(code))
        }
        var closed = false
        var renamed = false
        defer {
            if !closed { _ = close(fd) }
            if !renamed { _ = unlink(temp) }
        }
        try await fill(fd, temp)
        if fsync(fd) != 0 { throw .io(operation: "fsync", path: temp, reason: POSIXFile.errnoText()) }
        closed = true
        if close(fd) != 0 { throw .io(operation: "close", path: temp, reason: POSIXFile.errnoText()) }
        if rename(temp, target) != 0 {
            let code = errno
            let hint = code == EISDIR ? " (the key is a prefix of other objects)" : ""
            throw .io(operation: "rename into place", path: target, reason: POSIXFile.errnoText(code) + hint)
        }
        renamed = true
        if let code = POSIXFile.syncDirectory(directory.isEmpty ? "." : directory) {
            throw .io(operation: "fsync directory", path: directory, reason: POSIXFile.errnoText(code))
        }
    }
}
