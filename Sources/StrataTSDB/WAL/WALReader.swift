import Glibc
import Logging
import StrataModel

/// What a replay read, and whether it had to repair the log.
public struct WALReplayStats: Sendable {
    /// Records passed to the body.
    public var records: Int
    /// Segments read (including a repaired one).
    public var segments: Int
    /// True when a torn or corrupt tail was truncated.
    public var repaired: Bool
    /// What was wrong and what was cut, when `repaired`.
    public var repairDescription: String?

    /// Creates stats.
    public init(records: Int = 0, segments: Int = 0, repaired: Bool = false, repairDescription: String? = nil) {
        self.records = records
        self.segments = segments
        self.repaired = repaired
        self.repairDescription = repairDescription
    }
}

/// Reads WAL segments written by `WAL` (the same reader serves checkpoint directories).
public enum WALReader {
    /// Where a segment stopped being readable.
    struct Corruption: Error {
        /// Byte offset of the first fragment of the bad record (or of the bad bytes).
        var offset: Int
        var reason: String
    }

    /// Reads every record of the segments with index >= `from` (and <= `through` if given), in
    /// order, calling `body` with each record's bytes (valid only during the call).
    ///
    /// A torn or corrupt record (short read, bad CRC, bad fragment sequence, garbage) ends replay
    /// there. With `repair` the segment is truncated at the start of that record and every later
    /// segment is deleted, as Prometheus repairs, and the reason is logged at warning; without it
    /// the replay throws `WALError.corrupt`. Errors thrown by `body` are rethrown unchanged. A
    /// missing directory replays nothing.
    @discardableResult
    public static func replay(directory: String, from: Int = 0, through: Int? = nil, repair: Bool = true, logger: Logger,
                              _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> WALReplayStats {
        // A WAL directory that does not exist yet (first start) simply holds no records.
        guard FileIO.exists(directory) else { return WALReplayStats() }
        let all = try WAL.segments(in: directory)
        let upper = through ?? Int.max
        let selected = all.filter { $0 >= from && $0 <= upper }
        for (a, b) in zip(selected, selected.dropFirst()) where b != a + 1 {
            throw WALError.nonSequentialSegments(directory: directory, after: a, found: b)
        }
        var stats = WALReplayStats()
        var page = [UInt8](repeating: 0, count: WAL.pageSize)
        var assembled: [UInt8] = []
        for segment in selected {
            let path = WAL.segmentPath(directory: directory, index: segment)
            stats.segments += 1
            guard let bad = try read(path: path, page: &page, assembled: &assembled, stats: &stats, body) else { continue }
            guard repair else { throw WALError.corrupt(segment: segment, offset: bad.offset, reason: bad.reason) }
            let later = all.filter { $0 > segment }
            try FileIO.truncate(path, to: bad.offset)
            for s in later { try FileIO.unlink(WAL.segmentPath(directory: directory, index: s)) }
            try FileIO.fsyncDirectory(directory)
            let description = "segment \(segment) corrupt at byte \(bad.offset) (\(bad.reason)): truncated there"
                + (later.isEmpty ? "" : ", deleted later segments \(later.first ?? 0)...\(later.last ?? 0)")
            logger.warning("WAL repaired", metadata: [
                "dir": "\(directory)", "segment": "\(segment)", "offset": "\(bad.offset)",
                "reason": "\(bad.reason)", "deleted_segments": "\(later.count)",
            ])
            stats.repaired = true
            stats.repairDescription = description
            break
        }
        return stats
    }

    /// Reads one segment; returns nil when it ends cleanly, or where it stopped being readable.
    private static func read(path: String, page: inout [UInt8], assembled: inout [UInt8], stats: inout WALReplayStats,
                             _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Corruption? {
        let fd = try FileIO.open(path, flags: O_RDONLY)
        defer { _ = Glibc.close(fd) }
        let pageSize = WAL.pageSize, header = WAL.fragmentHeaderSize
        var pageStart = 0
        // Offset of the first fragment of the record being assembled, when one is open.
        var recordStart: Int? = nil
        assembled.removeAll(keepingCapacity: true)
        while true {
            let n = try page.withUnsafeMutableBytes { buf throws(WALError) in
                try FileIO.readFull(fd, into: buf, count: pageSize, path: path)
            }
            if n == 0 { break }
            let complete = n == pageSize
            let bad: Corruption? = try page.withUnsafeBytes { raw throws -> Corruption? in
                var pos = 0
                func corrupt(_ reason: String) -> Corruption {
                    Corruption(offset: recordStart ?? pageStart + pos, reason: reason)
                }
                while pos < n {
                    let typeByte = raw[pos]
                    if typeByte == 0 {
                        // Padding: the rest of the page must be zeros, and the page complete.
                        for i in pos..<n where raw[i] != 0 {
                            return corrupt("non-zero byte at \(pageStart + i) in page padding")
                        }
                        if !complete { return corrupt("segment ends inside page padding") }
                        break
                    }
                    guard pos + header <= n else { return corrupt("truncated fragment header") }
                    guard typeByte & ~WAL.fragmentTypeMask == 0 else {
                        return corrupt("fragment type byte \(typeByte) has compression bits set (unsupported)")
                    }
                    guard let type = WAL.FragmentType(rawValue: typeByte) else {
                        return corrupt("unknown fragment type \(typeByte)")
                    }
                    let length = Int(raw[pos + 1]) << 8 | Int(raw[pos + 2])
                    let crc = UInt32(raw[pos + 3]) << 24 | UInt32(raw[pos + 4]) << 16 | UInt32(raw[pos + 5]) << 8 | UInt32(raw[pos + 6])
                    let dataStart = pos + header
                    guard dataStart + length <= n else {
                        return corrupt(complete ? "fragment length \(length) overruns its page" : "truncated fragment")
                    }
                    let fragment = UnsafeRawBufferPointer(rebasing: raw[dataStart..<dataStart + length])
                    let actual = CRC32C.checksum(fragment)
                    guard actual == crc else {
                        return corrupt("fragment checksum \(hex(actual)) does not match header \(hex(crc))")
                    }
                    switch type {
                    case .full:
                        if recordStart != nil { return corrupt("full fragment inside an unfinished record") }
                        try body(fragment)
                        stats.records += 1
                    case .first:
                        if recordStart != nil { return corrupt("first fragment inside an unfinished record") }
                        recordStart = pageStart + pos
                        assembled.removeAll(keepingCapacity: true)
                        assembled.append(contentsOf: fragment)
                    case .middle, .last:
                        if recordStart == nil { return corrupt("\(type) fragment without a first fragment") }
                        assembled.append(contentsOf: fragment)
                        if type == .last {
                            try assembled.withUnsafeBytes { try body($0) }
                            stats.records += 1
                            recordStart = nil
                        }
                    }
                    pos = dataStart + length
                }
                return nil
            }
            if let bad { return bad }
            pageStart += n
            if !complete { break }
        }
        if let start = recordStart {
            return Corruption(offset: start, reason: "segment ends inside a record")
        }
        return nil
    }

    private static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }
}
