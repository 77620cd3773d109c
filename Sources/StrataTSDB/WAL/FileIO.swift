import Glibc

/// Thin wrappers over the POSIX calls the WAL needs, turning failures into `WALError.io`.
///
/// The write path stays on raw file descriptors (no Foundation) so that a log call is exactly
/// one `write(2)` and durability points are explicit `fsync(2)` calls.
enum FileIO {
    /// Mode of new files and directories before the umask.
    static let fileMode: mode_t = 0o666
    static let directoryMode: mode_t = 0o777

    static func error(_ op: String, _ path: String) -> WALError {
        .io(path: path, errno: errno, op: op)
    }

    static func open(_ path: String, flags: Int32) throws(WALError) -> Int32 {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, fileMode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw error("open", path) }
        }
    }

    static func close(_ fd: Int32, path: String) throws(WALError) {
        if Glibc.close(fd) != 0 { throw error("close", path) }
    }

    /// Writes every byte, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(WALError) {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = Glibc.write(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("write", path)
            }
            left -= n
            base += n
        }
    }

    /// Reads up to `count` bytes, retrying short reads until EOF; returns the bytes read.
    static func readFull(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, count: Int, path: String) throws(WALError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < count {
            let n = Glibc.read(fd, base + done, count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw error("read", path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    static func fsync(_ fd: Int32, path: String) throws(WALError) {
        while Glibc.fsync(fd) != 0 {
            if errno != EINTR { throw error("fsync", path) }
        }
    }

    /// fsyncs a directory so that creations, renames and deletions in it are durable.
    static func fsyncDirectory(_ path: String) throws(WALError) {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { _ = Glibc.close(fd) }
        try fsync(fd, path: path)
    }

    /// Creates `path` and any missing parents.
    static func makeDirectories(_ path: String) throws(WALError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if Glibc.mkdir(prefix, directoryMode) != 0 && errno != EEXIST {
                throw error("mkdir", prefix)
            }
            prefix += "/"
        }
        if !isDirectory(path) { throw .io(path: path, errno: ENOTDIR, op: "mkdir") }
    }

    /// True when `path` is a directory (or a symlink to one).
    static func isDirectory(_ path: String) -> Bool {
        guard let dir = Glibc.opendir(path) else { return false }
        Glibc.closedir(dir)
        return true
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return Glibc.lstat(path, &st) == 0
    }

    /// Names in a directory, without `.` and `..`.
    static func list(_ path: String) throws(WALError) -> [String] {
        guard let dir = Glibc.opendir(path) else { throw error("opendir", path) }
        defer { Glibc.closedir(dir) }
        var names: [String] = []
        while let entry = Glibc.readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { ptr in
                ptr.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: ptr.pointee)) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func unlink(_ path: String) throws(WALError) {
        if Glibc.unlink(path) != 0 && errno != ENOENT { throw error("unlink", path) }
    }

    static func rename(_ from: String, _ to: String) throws(WALError) {
        if Glibc.rename(from, to) != 0 { throw error("rename", from + " -> " + to) }
    }

    /// Deletes a file or a directory tree; a missing path is not an error.
    static func removeTree(_ path: String) throws(WALError) {
        var st = stat()
        if Glibc.lstat(path, &st) != 0 {
            if errno == ENOENT { return }
            throw error("lstat", path)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) { try removeTree(path + "/" + name) }
            if Glibc.rmdir(path) != 0 && errno != ENOENT { throw error("rmdir", path) }
        } else {
            try unlink(path)
        }
    }

    /// Truncates the file at `path` to `size` bytes and fsyncs it.
    static func truncate(_ path: String, to size: Int) throws(WALError) {
        let fd = try open(path, flags: O_WRONLY)
        defer { _ = Glibc.close(fd) }
        if Glibc.ftruncate(fd, off_t(size)) != 0 { throw error("ftruncate", path) }
        try fsync(fd, path: path)
    }

    /// `value` in decimal, zero-padded to `width` digits (Go's `%08d` for non-negative values).
    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
