#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX wrappers for block files, turning failures into `BlockError.io` with the path.
///
/// Raw descriptors keep durability explicit: every file and directory of a block is fsynced
/// before the rename that publishes it.
enum BlockFileIO {
    static let fileMode: mode_t = 0o644
    static let directoryMode: mode_t = 0o755

    static func error(_ op: String, _ path: String) -> BlockError {
        .io(path: path, operation: op, errno: errno)
    }

    static func open(_ path: String, flags: Int32) throws(BlockError) -> Int32 {
        while true {
            let fd = systemOpen(path, flags | O_CLOEXEC, fileMode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open", path) }
        }
    }

    static func close(_ fd: Int32, path: String) throws(BlockError) {
        if systemClose(fd) != 0 { throw error("close", path) }
    }

    /// Writes every byte, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(BlockError) {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("write", path)
            }
            left -= n
            base += n
        }
    }

    /// Reads exactly `count` bytes at `offset`; fewer available is a truncated file.
    static func pread(_ fd: Int32, offset: Int, count: Int, path: String) throws(BlockError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: BlockError? = nil
        out.withUnsafeMutableBytes { buf in
            while done < count, let base = buf.baseAddress {
                let n = systemPread(fd, base + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = error("pread", path)
                    return
                }
                if n == 0 {
                    failure = .corrupt(file: path, offset: offset + done, reason: "file ends before the \(count) bytes expected at offset \(offset)")
                    return
                }
                done += n
            }
        }
        if let failure { throw failure }
        return out
    }

    static func size(_ fd: Int32, path: String) throws(BlockError) -> Int {
        var st = stat()
        if fstat(fd, &st) != 0 { throw error("fstat", path) }
        return Int(st.st_size)
    }

    static func fsync(_ fd: Int32, path: String) throws(BlockError) {
        if systemFsync(fd) != 0 { throw error("fsync", path) }
    }

    /// Fsyncs a directory so the entries created in it survive a crash.
    static func fsyncDirectory(_ path: String) throws(BlockError) {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { _ = systemClose(fd) }
        try fsync(fd, path: path)
    }

    static func mkdir(_ path: String) throws(BlockError) {
        if systemMkdir(path, directoryMode) != 0 && errno != EEXIST { throw error("mkdir", path) }
    }

    static func rename(_ from: String, _ to: String) throws(BlockError) {
        if systemRename(from, to) != 0 { throw error("rename to \(to)", from) }
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// Removes a directory tree (used to clear a stale `<ulid>.tmp`).
    static func removeTree(_ path: String) throws(BlockError) {
        var st = stat()
        if lstat(path, &st) != 0 { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            guard let dir = opendir(path) else { throw error("opendir", path) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { try removeTree(path + "/" + name) }
            if rmdir(path) != 0 { throw error("rmdir", path) }
        } else if unlink(path) != 0 {
            throw error("unlink", path)
        }
    }

    /// Names in a directory, sorted.
    static func list(_ path: String) throws(BlockError) -> [String] {
        guard let dir = opendir(path) else { throw error("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    // Module-qualified aliases: the wrappers above shadow the C names.
    private static func systemOpen(_ p: String, _ f: Int32, _ m: mode_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.open(p, f, m)
        #else
        Darwin.open(p, f, m)
        #endif
    }
    private static func systemClose(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }
    private static func systemWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, p, n)
        #else
        Darwin.write(fd, p, n)
        #endif
    }
    private static func systemPread(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int, _ o: off_t) -> Int {
        #if canImport(Glibc)
        Glibc.pread(fd, p, n, o)
        #else
        Darwin.pread(fd, p, n, o)
        #endif
    }
    private static func systemFsync(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.fsync(fd)
        #else
        Darwin.fsync(fd)
        #endif
    }
    private static func systemMkdir(_ p: String, _ m: mode_t) -> Int32 {
        #if canImport(Glibc)
        Glibc.mkdir(p, m)
        #else
        Darwin.mkdir(p, m)
        #endif
    }
    private static func systemRename(_ a: String, _ b: String) -> Int32 {
        #if canImport(Glibc)
        Glibc.rename(a, b)
        #else
        Darwin.rename(a, b)
        #endif
    }
}

extension BlockFormat {
    /// The files of the block directory `blockDirectory`, relative to it, in the order an upload
    /// sends them: chunk segments, then the index and the other files, `meta.json` last, so a
    /// reader that finds `meta.json` in the bucket finds the whole block.
    public static func filesInUploadOrder(blockDirectory dir: String) throws(BlockError) -> [String] {
        let chunksDir = dir + "/" + chunksDirectoryName
        let chunks = (BlockFileIO.exists(chunksDir) ? try BlockFileIO.list(chunksDir) : []).sorted()
            .map { chunksDirectoryName + "/" + $0 }
        var top = try BlockFileIO.list(dir).filter { $0 != chunksDirectoryName && $0 != metaFileName }.sorted()
        top.append(metaFileName)
        return chunks + top
    }
}
