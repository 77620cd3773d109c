import Foundation
import StrataModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Objects as files under a root directory (`blocks_storage.filesystem.dir`): the embedded,
/// single-node default.
///
/// Key `a/b/c` is file `<root>/a/b/c`. Writes go to a temp file in the target directory, are
/// fsynced, renamed over the target and the directory fsynced, so a crash leaves the old object
/// or the whole new one. Listing follows S3's rules exactly (see `Listing`). File I/O blocks the
/// calling task; objects are read whole or by range, so calls are short.
public struct FilesystemBucket: Bucket {
    /// The root directory, without a trailing slash.
    public let root: String

    public var name: String { root }

    /// Opens (creating if needed) the bucket rooted at `root`.
    public init(root: String) throws(BucketError) {
        guard !root.isEmpty else {
            throw .invalidConfig(field: "blocks_storage.filesystem.dir", reason: "empty; set the directory that holds the blocks")
        }
        var trimmed = root
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
        do {
            try FileManager.default.createDirectory(atPath: trimmed, withIntermediateDirectories: true)
        } catch {
            throw .io(operation: "create bucket directory", path: trimmed, reason: "\(error.localizedDescription); check blocks_storage.filesystem.dir and its permissions")
        }
    }

    func path(_ key: String) -> String { root + "/" + key }

    public func get(_ key: String) async throws(BucketError) -> [UInt8] {
        try ObjectKey.validate(key)
        let fd = try openForRead(key)
        defer { _ = close(fd) }
        let size = try statRegular(fd, key: key).size
        return try read(fd, key: key, offset: 0, count: size)
    }

    public func getRange(_ key: String, _ range: Range<Int>) async throws(BucketError) -> [UInt8] {
        try ObjectKey.validate(key)
        guard range.lowerBound >= 0 else {
            throw .invalidRange(bucket: name, key: key, range: range, size: nil)
        }
        if range.isEmpty { return [] }
        let fd = try openForRead(key)
        defer { _ = close(fd) }
        let size = try statRegular(fd, key: key).size
        guard range.lowerBound < size else {
            throw .invalidRange(bucket: name, key: key, range: range, size: size)
        }
        return try read(fd, key: key, offset: range.lowerBound, count: min(range.upperBound, size) - range.lowerBound)
    }

    public func put(_ key: String, _ bytes: [UInt8]) async throws(BucketError) {
        try ObjectKey.validate(key)
        try await AtomicFile.write(path(key), bytes: bytes)
    }

    public func upload(_ key: String, fromFile source: String) async throws(BucketError) {
        try ObjectKey.validate(key)
        let src: Int32
        switch POSIXFile.openFile(source, O_RDONLY) {
        case .success(let fd): src = fd
        case .failure(let code): throw .io(operation: "open upload source", path: source, reason: POSIXFile.errnoText(code))
        }
        defer { _ = close(src) }
        try await AtomicFile.write(path(key)) { fd, tempPath throws(BucketError) in
            try copy(from: src, sourcePath: source, to: fd, tempPath: tempPath)
        }
    }

    public func download(_ key: String, toFile destination: String) async throws(BucketError) {
        try ObjectKey.validate(key)
        let src = try openForRead(key)
        defer { _ = close(src) }
        _ = try statRegular(src, key: key)
        try await AtomicFile.write(destination) { fd, tempPath throws(BucketError) in
            try copy(from: src, sourcePath: path(key), to: fd, tempPath: tempPath)
        }
    }

    public func delete(_ key: String) async throws(BucketError) {
        try ObjectKey.validate(key)
        let target = path(key)
        if unlink(target) != 0 {
            let code = errno
            // A missing object, or a "directory" key, is already deleted as far as S3 semantics go.
            guard code == ENOENT || code == ENOTDIR || code == EISDIR else {
                throw .io(operation: "delete", path: target, reason: POSIXFile.errnoText(code))
            }
            return
        }
        removeEmptyParents(of: key)
    }

    public func attributes(_ key: String) async throws(BucketError) -> ObjectAttributes {
        try ObjectKey.validate(key)
        let fd = try openForRead(key)
        defer { _ = close(fd) }
        let st = try statRegular(fd, key: key)
        return ObjectAttributes(size: st.size, lastModified: st.mtime)
    }

    public func listPage(prefix: String, delimiter: String?, continuationToken: String?, maxKeys: Int) async throws(BucketError) -> ListPage {
        try ObjectKey.validatePrefix(prefix)
        // Only the directory the prefix points into can hold matches; start the walk there.
        let dirKey: String
        if let slash = prefix.lastIndex(of: "/") {
            dirKey = String(prefix[...slash])
        } else {
            dirKey = ""
        }
        let rest = String(prefix.dropFirst(dirKey.count))
        if delimiter == "/" {
            var entries = Set<String>()
            var prefixes = Set<String>()
            for (name, isDir) in children(dirKey) where name.hasPrefix(rest) {
                if isDir {
                    if containsFile(dirKey + name + "/") {
                        entries.insert(dirKey + name + "/")
                        prefixes.insert(dirKey + name + "/")
                    }
                } else {
                    entries.insert(dirKey + name)
                }
            }
            return Listing.page(entries: entries, prefixes: prefixes, after: continuationToken, maxKeys: maxKeys)
        }
        var keys: [String] = []
        walk(dirKey) { keys.append($0) }
        return Listing.page(keys: keys, prefix: prefix, delimiter: delimiter, after: continuationToken, maxKeys: maxKeys)
    }

    public func shutdown() async {}

    // MARK: - Helpers

    /// Copies in 1 MiB chunks so memory stays flat whatever the file size.
    private func copy(from src: Int32, sourcePath: String, to fd: Int32, tempPath: String) throws(BucketError) {
        var offset = 0
        while true {
            let bytes: [UInt8]
            switch POSIXFile.readAt(fd: src, offset: offset, count: 1 << 20) {
            case .success(let b): bytes = b
            case .failure(let code): throw .io(operation: "read", path: sourcePath, reason: POSIXFile.errnoText(code))
            }
            if bytes.isEmpty { return }
            if let code = bytes.withUnsafeBytes({ POSIXFile.writeAll(fd: fd, $0) }) {
                throw .io(operation: "write", path: tempPath, reason: POSIXFile.errnoText(code))
            }
            offset += bytes.count
        }
    }

    private func openForRead(_ key: String) throws(BucketError) -> Int32 {
        switch POSIXFile.openFile(path(key), O_RDONLY) {
        case .success(let fd):
            return fd
        case .failure(let code):
            if code.code == ENOENT || code.code == ENOTDIR { throw .notFound(bucket: name, key: key) }
            throw .io(operation: "open", path: path(key), reason: POSIXFile.errnoText(code))
        }
    }

    /// Directories are not objects: reading one is `.notFound`, as the key does not exist on S3.
    private func statRegular(_ fd: Int32, key: String) throws(BucketError) -> (size: Int, mtime: Date) {
        switch POSIXFile.statFile(fd: fd) {
        case .success(let st):
            guard st.regular else { throw .notFound(bucket: name, key: key) }
            return (st.size, st.mtime)
        case .failure(let code):
            throw .io(operation: "stat", path: path(key), reason: POSIXFile.errnoText(code))
        }
    }

    private func read(_ fd: Int32, key: String, offset: Int, count: Int) throws(BucketError) -> [UInt8] {
        switch POSIXFile.readAt(fd: fd, offset: offset, count: count) {
        case .success(let bytes): return bytes
        case .failure(let code): throw .io(operation: "read", path: path(key), reason: POSIXFile.errnoText(code))
        }
    }

    /// Names in the directory of `dirKey` (which is "" or ends with "/"), without temp files.
    private func children(_ dirKey: String) -> [(name: String, isDir: Bool)] {
        let dir = dirKey.isEmpty ? root : path(String(dirKey.dropLast()))
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var out: [(name: String, isDir: Bool)] = []
        for name in names where !StorageNames.isTemporary(name) {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir) else { continue }
            out.append((name, isDir.boolValue))
        }
        return out
    }

    /// Every object key under the directory `dirKey`, recursively.
    private func walk(_ dirKey: String, _ visit: (String) -> Void) {
        for (name, isDir) in children(dirKey) {
            if isDir { walk(dirKey + name + "/", visit) } else { visit(dirKey + name) }
        }
    }

    /// Whether any object lives under the directory `dirKey`; empty directories are invisible, as on S3.
    private func containsFile(_ dirKey: String) -> Bool {
        for (name, isDir) in children(dirKey) {
            if !isDir || containsFile(dirKey + name + "/") { return true }
        }
        return false
    }

    /// Removes directories left empty by a delete, up to (not including) the root.
    private func removeEmptyParents(of key: String) {
        var parts = key.split(separator: "/").dropLast()
        while !parts.isEmpty {
            if rmdir(path(parts.joined(separator: "/"))) != 0 { return }
            parts = parts.dropLast()
        }
    }
}
