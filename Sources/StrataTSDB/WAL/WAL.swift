import Glibc
import Logging
import StrataModel

/// A segmented write-ahead log in Prometheus's `tsdb/wlog` page format (uncompressed).
///
/// Records are cut into fragments that never cross a 32 KiB page; each fragment carries a 7-byte
/// header (type, BE16 length, BE32 CRC-32C). A record never spans segments. Each `log` call
/// encodes its pages into one buffer and issues one `write(2)`; durability is the caller's choice
/// of `sync()`. Byte layout: `docs/format/wal.md`.
///
/// Not thread-safe: the head serialises calls under its own lock.
public final class WAL: @unchecked Sendable {
    /// Size of a page; fragments never cross a page boundary.
    public static let pageSize = 32 * 1024
    /// Default segment size: 128 MiB, as Prometheus.
    public static let defaultSegmentSize = 128 * 1024 * 1024
    /// Bytes of a fragment header: type, BE16 length, BE32 CRC-32C.
    static let fragmentHeaderSize = 7
    /// Digits of a segment file name (`%08d`).
    static let segmentNameWidth = 8
    /// A call's buffered pages are written early once they pass this, bounding memory.
    static let flushThreshold = 4 * 1024 * 1024

    /// Fragment types (low 3 bits of the header's first byte; 0 marks page padding).
    enum FragmentType: UInt8 {
        case full = 1, first = 2, middle = 3, last = 4
    }
    /// Header bits Prometheus uses for snappy / zstd compression; Strata writes them as 0.
    static let fragmentTypeMask: UInt8 = 0x07

    /// The WAL directory.
    public let directory: String
    /// Target size of a segment file (a multiple of `pageSize`).
    public let segmentSize: Int
    private let logger: Logger
    private var fd: Int32
    private var segmentPath: String
    /// Index of the segment being written.
    public private(set) var currentSegment: Int
    /// Bytes of the current segment, written or buffered in `pending`.
    private var segmentOffset = 0
    /// Bytes of the current segment handed to `write(2)`; a failed write rolls back to here.
    private var writtenOffset = 0
    /// Encoded pages of the current call, not yet written.
    private var pending: [UInt8] = []
    private var isClosed = false
    /// Bytes written since open, for metrics.
    public private(set) var bytesWritten: UInt64 = 0
    /// fsync calls since open, for metrics.
    public private(set) var fsyncCount: UInt64 = 0

    /// Opens the WAL in `directory` (created if needed) and starts a new segment numbered after
    /// the last existing one, so that a torn tail of a previous run is never appended to.
    public init(directory: String, segmentSize: Int = WAL.defaultSegmentSize, logger: Logger) throws(WALError) {
        guard segmentSize > 0, segmentSize % Self.pageSize == 0 else { throw .invalidSegmentSize(segmentSize) }
        self.directory = directory
        self.segmentSize = segmentSize
        self.logger = logger
        try FileIO.makeDirectories(directory)
        let next = (try Self.segments(in: directory).last ?? -1) + 1
        currentSegment = next
        segmentPath = Self.segmentPath(directory: directory, index: next)
        fd = try Self.createSegment(segmentPath, directory: directory)
        pending.reserveCapacity(Self.pageSize)
        logger.debug("WAL opened", metadata: ["dir": "\(directory)", "segment": "\(next)"])
    }

    deinit {
        if !isClosed { _ = Glibc.close(fd) }
    }

    /// The path of segment `index` in `directory`.
    public static func segmentPath(directory: String, index: Int) -> String {
        directory + "/" + FileIO.zeroPadded(index, width: segmentNameWidth)
    }

    private static func createSegment(_ path: String, directory: String) throws(WALError) -> Int32 {
        let fd = try FileIO.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try FileIO.fsyncDirectory(directory)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return fd
    }

    /// Writes all records; returns once every byte has been handed to `write(2)` (no fsync).
    /// On error, a prefix of the records may have been written (calls over 4 MiB are written in
    /// parts); the rest were not.
    public func log(_ records: [[UInt8]]) throws(WALError) {
        guard !isClosed else { throw .closed(directory: directory) }
        for record in records {
            try encode(record)
            if pending.count >= Self.flushThreshold { try flush() }
        }
        try flush()
    }

    /// Writes one record; returns once its bytes have been handed to `write(2)` (no fsync).
    public func log(_ record: [UInt8]) throws(WALError) {
        guard !isClosed else { throw .closed(directory: directory) }
        try encode(record)
        try flush()
    }

    /// Appends `record`'s fragments to `pending`, cutting a segment first if it would not fit.
    private func encode(_ record: [UInt8]) throws(WALError) {
        let page = Self.pageSize, header = Self.fragmentHeaderSize
        // Payload the rest of this segment can take, as Prometheus computes it.
        let pagesPerSegment = segmentSize / page
        let donePages = segmentOffset / page
        let left = (page - segmentOffset % page - header) + (page - header) * (pagesPerSegment - donePages - 1)
        if record.count > left && segmentOffset > 0 {
            try nextSegment()
        }
        record.withUnsafeBytes { raw in
            var start = 0
            // Tracked apart from `start`: with exactly a header's room left in the page, the first
            // fragment is empty (as in Prometheus) and the next one is not the first.
            var isFirst = true
            repeat {
                let room = page - segmentOffset % page - header
                let length = min(raw.count - start, room)
                let isLast = start + length == raw.count
                let type: FragmentType = isFirst ? (isLast ? .full : .first) : (isLast ? .last : .middle)
                let fragment = UnsafeRawBufferPointer(rebasing: raw[start..<start + length])
                let crc = CRC32C.checksum(fragment)
                pending.append(type.rawValue)
                pending.append(UInt8(truncatingIfNeeded: length >> 8))
                pending.append(UInt8(truncatingIfNeeded: length))
                withUnsafeBytes(of: crc.bigEndian) { pending.append(contentsOf: $0) }
                pending.append(contentsOf: fragment)
                segmentOffset += header + length
                start += length
                isFirst = false
                padPageIfFull()
            } while start < raw.count
        }
    }

    /// Zero-fills the rest of the page when it cannot hold another fragment header.
    private func padPageIfFull() {
        let used = segmentOffset % Self.pageSize
        let rest = Self.pageSize - used
        if used != 0 && rest < Self.fragmentHeaderSize {
            pending.append(contentsOf: repeatElement(0, count: rest))
            segmentOffset += rest
        }
    }

    /// Writes `pending` with one `write(2)`.
    private func flush() throws(WALError) {
        guard !pending.isEmpty else { return }
        let count = pending.count
        defer {
            // A call that logged a huge record should not pin that much memory for good.
            if pending.capacity > Self.flushThreshold * 2 {
                pending = []
                pending.reserveCapacity(Self.pageSize)
            } else {
                pending.removeAll(keepingCapacity: true)
            }
        }
        let fd = self.fd, path = segmentPath
        var failure: WALError?
        pending.withUnsafeBytes { raw in
            do throws(WALError) { try FileIO.writeAll(fd, raw, path: path) } catch { failure = error }
        }
        if let failure {
            rollBack()
            throw failure
        }
        bytesWritten += UInt64(count)
        writtenOffset = segmentOffset
    }

    /// After a failed write (e.g. ENOSPC), cuts the segment back to the last complete write so
    /// that page accounting matches the file and the next call appends whole records again. The
    /// records of the failed call are not logged, which the caller learns from the error. If even
    /// that fails, the WAL closes itself rather than write misaligned pages.
    private func rollBack() {
        if Glibc.ftruncate(fd, off_t(writtenOffset)) == 0 && Glibc.lseek(fd, off_t(writtenOffset), SEEK_SET) >= 0 {
            segmentOffset = writtenOffset
            logger.error("WAL write failed; rolled the segment back to its last complete write",
                         metadata: ["segment": "\(segmentPath)", "offset": "\(writtenOffset)"])
        } else {
            isClosed = true
            _ = Glibc.close(fd)
            logger.error("WAL write failed and the segment could not be rolled back; WAL closed",
                         metadata: ["segment": "\(segmentPath)"])
        }
    }

    /// Pads the open page (as Prometheus does), writes, fsyncs and closes the segment, then opens
    /// the next one.
    private func nextSegment() throws(WALError) {
        let used = segmentOffset % Self.pageSize
        if used != 0 {
            pending.append(contentsOf: repeatElement(0, count: Self.pageSize - used))
            segmentOffset += Self.pageSize - used
        }
        try flush()
        try FileIO.fsync(fd, path: segmentPath)
        fsyncCount += 1
        try FileIO.close(fd, path: segmentPath)
        isClosed = true
        let next = currentSegment + 1
        let path = Self.segmentPath(directory: directory, index: next)
        fd = try Self.createSegment(path, directory: directory)
        isClosed = false
        segmentPath = path
        currentSegment = next
        segmentOffset = 0
        writtenOffset = 0
    }

    /// fsyncs and closes the current segment and opens the next; returns the new segment's index.
    @discardableResult
    public func cutSegment() throws(WALError) -> Int {
        guard !isClosed else { throw .closed(directory: directory) }
        try nextSegment()
        logger.debug("WAL segment cut", metadata: ["dir": "\(directory)", "segment": "\(currentSegment)"])
        return currentSegment
    }

    /// fsyncs the current segment.
    public func sync() throws(WALError) {
        guard !isClosed else { throw .closed(directory: directory) }
        try flush()
        try FileIO.fsync(fd, path: segmentPath)
        fsyncCount += 1
    }

    /// Flushes, fsyncs and closes the current segment; every later call throws `.closed`.
    public func close() throws(WALError) {
        guard !isClosed else { throw .closed(directory: directory) }
        isClosed = true
        try flush()
        try FileIO.fsync(fd, path: segmentPath)
        fsyncCount += 1
        try FileIO.close(fd, path: segmentPath)
    }

    /// Deletes segment files with index < `index` (never the segment being written).
    public func removeSegments(before index: Int) throws(WALError) {
        let limit = isClosed ? index : min(index, currentSegment)
        var removed = 0
        for segment in try Self.segments(in: directory) where segment < limit {
            try FileIO.unlink(Self.segmentPath(directory: directory, index: segment))
            removed += 1
        }
        if removed > 0 {
            try FileIO.fsyncDirectory(directory)
            logger.debug("WAL segments removed", metadata: ["dir": "\(directory)", "before": "\(limit)", "count": "\(removed)"])
        }
    }

    /// Indices of the segment files in `directory` (names made only of digits), ascending.
    public static func segments(in directory: String) throws(WALError) -> [Int] {
        var out: [Int] = []
        for name in try FileIO.list(directory) {
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let index = Int(name) else { continue }
            out.append(index)
        }
        return out.sorted()
    }
}
