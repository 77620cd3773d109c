import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Index-header files under the sync directory: `<sync-dir>/<tenant>/<ULID>/index-header`, as
/// Mimir lays them out. Writes go to a temp file that is fsynced and renamed over the target, so
/// a crash leaves the old file or the new one, never a torn one (and a torn one would fail its
/// CRC anyway and be rebuilt).
enum IndexHeaderFile {
    /// The file name inside a block's directory.
    static let fileName = "index-header"
    /// Prefix of temp files; never a ULID, so cleanup never mistakes one for a block.
    static let temporaryPrefix = ".index-header.tmp-"
    static let fileMode: mode_t = 0o644

    static func directory(syncDirectory: String, tenant: String, block: String) -> String {
        "\(syncDirectory)/\(tenant)/\(block)"
    }

    static func path(syncDirectory: String, tenant: String, block: String) -> String {
        directory(syncDirectory: syncDirectory, tenant: tenant, block: block) + "/" + fileName
    }

    /// The file's bytes, or nil if it does not exist.
    static func read(_ path: String) throws(StoreGatewayError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .indexHeader(path: path, reason: "cannot be read")
        }
        return [UInt8](data)
    }

    /// Writes `bytes` to `path` atomically and durably (temp file, fsync, rename, fsync dir).
    static func write(_ bytes: [UInt8], to path: String) throws(StoreGatewayError) {
        let dir = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw .indexHeader(path: dir, reason: "cannot create the directory: \(error)")
        }
        let temp = dir + "/" + temporaryPrefix + UUID().uuidString
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw .indexHeader(path: temp, reason: "open failed: \(errnoText())") }
        var failure: String? = nil
        bytes.withUnsafeBytes { raw in
            guard var base = raw.baseAddress else { return }
            var left = raw.count
            while left > 0 {
                let n = systemWrite(fd, base, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(errnoText())"
                    return
                }
                left -= n
                base += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = "fsync failed: \(errnoText())" }
        if close(fd) != 0 && failure == nil { failure = "close failed: \(errnoText())" }
        if failure == nil && rename(temp, path) != 0 { failure = "rename to \(path) failed: \(errnoText())" }
        if let failure {
            unlink(temp)
            throw .indexHeader(path: path, reason: failure)
        }
        syncDirectory(dir)
    }

    /// Removes a block's (or a tenant's) directory and everything in it.
    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Names in `path`, or none if it is not a readable directory.
    static func list(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    /// Makes the rename durable; a failure only loses the file on a crash, and a lost file is
    /// rebuilt, so it is not an error.
    private static func syncDirectory(_ dir: String) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    private static func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, p, n)
        #else
        Darwin.write(fd, p, n)
        #endif
    }

    private static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
