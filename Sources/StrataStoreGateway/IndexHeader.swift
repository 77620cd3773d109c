import StrataBlocks
import StrataModel

/// What opening a block's index and chunk files needs, kept on local disk so a store-gateway
/// opens a block without reading the index object again: the index object's size, the ranges
/// of the index that `IndexReader` reads to open it (header, symbol table, postings offset
/// table, TOC), and each chunk segment's size and 8-byte header.
///
/// File layout (`docs/format/index-header.md`), big-endian:
/// `magic "STIH" <4b> | version 1 <1b> | block ULID <16b> | index size <8b> |
///  #ranges <4b> | (offset <8b> | length <4b> | bytes)… |
///  #segments <4b> | (size <8b> | header <8b>)… | CRC32C <4b>` (over everything before it).
struct IndexHeader: Sendable, Equatable {
    /// `STIH`: Strata index-header.
    static let magic: UInt32 = 0x5354_4948
    /// The format version written and read.
    static let version: UInt8 = 1
    /// Fixed bytes before the first range: magic, version, ULID, index size, range count.
    static let fixedSize = 4 + 1 + 16 + 8 + 4
    /// Per range: offset and length.
    static let rangeEntrySize = 8 + 4
    /// Per segment: size and header.
    static let segmentEntrySize = 8 + segmentHeaderSize
    /// Bytes of a chunk segment header (magic, version, padding).
    static let segmentHeaderSize = BlockFormat.chunksHeaderSize
    /// Trailer.
    static let crcSize = 4
    /// Longest range stored: a section length is 4 bytes in the index format, so a real symbol
    /// table or postings offset table is shorter; a longer planned range means a hostile TOC.
    static let maxRangeSize = Int(UInt32.max)

    /// One range of the index object.
    struct IndexRange: Sendable, Equatable {
        var offset: Int
        var bytes: [UInt8]
    }

    /// One chunk segment file.
    struct Segment: Sendable, Equatable {
        var size: Int
        var header: [UInt8]
    }

    var block: ULID
    var indexSize: Int
    var ranges: [IndexRange]
    var segments: [Segment]

    /// The file bytes.
    func encoded() -> [UInt8] {
        var w = BigEndianWriter()
        w.be32(Self.magic)
        w.byte(Self.version)
        w.be64(UInt64(truncatingIfNeeded: block.rawValue >> 64))
        w.be64(UInt64(truncatingIfNeeded: block.rawValue))
        w.be64(UInt64(indexSize))
        w.be32(UInt32(truncatingIfNeeded: ranges.count))
        for r in ranges {
            w.be64(UInt64(r.offset))
            w.be32(UInt32(truncatingIfNeeded: r.bytes.count))
            w.bytes(r.bytes)
        }
        w.be32(UInt32(truncatingIfNeeded: segments.count))
        for s in segments {
            w.be64(UInt64(s.size))
            w.bytes(s.header)
        }
        w.be32(CRC32C.checksum(w.buffer))
        return w.buffer
    }

    /// Parses and checks a file: magic, version, CRC, that it belongs to `block`, and that every
    /// range lies inside the index. `path` names the file in errors.
    static func decode(_ bytes: [UInt8], path: String, block expected: ULID) throws(IndexHeaderError) -> IndexHeader {
        guard bytes.count >= fixedSize + 4 + crcSize else {
            throw IndexHeaderError(path: path, reason: "file of \(bytes.count) bytes is too short")
        }
        let bodyEnd = bytes.count - crcSize
        var trailer = BigEndianReader(bytes, start: bodyEnd, path: path)
        let stored = try trailer.be32()
        let actual = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<bodyEnd])) }
        guard stored == actual else {
            throw IndexHeaderError(path: path, reason: "CRC32C mismatch (stored 0x\(String(stored, radix: 16)), computed 0x\(String(actual, radix: 16)))")
        }
        var r = BigEndianReader(bytes, start: 0, end: bodyEnd, path: path)
        let magic = try r.be32()
        guard magic == Self.magic else { throw IndexHeaderError(path: path, reason: "bad magic 0x\(String(magic, radix: 16))") }
        let version = try r.byte()
        guard version == Self.version else { throw IndexHeaderError(path: path, reason: "unsupported version \(version)") }
        let high = try r.be64()
        let low = try r.be64()
        let block = ULID(rawValue: UInt128(high) << 64 | UInt128(low))
        guard block == expected else {
            throw IndexHeaderError(path: path, reason: "belongs to block \(block), expected \(expected)")
        }
        let indexSize = try r.size()
        let rangeCount = try r.count(entrySize: rangeEntrySize)
        var ranges: [IndexRange] = []
        ranges.reserveCapacity(rangeCount)
        for _ in 0..<rangeCount {
            let offset = try r.size()
            let length = Int(try r.be32())
            guard offset <= indexSize, length <= indexSize - offset else {
                throw IndexHeaderError(path: path, reason: "range \(offset)+\(length) lies outside the \(indexSize)-byte index")
            }
            ranges.append(IndexRange(offset: offset, bytes: try r.bytes(length)))
        }
        let segmentCount = try r.count(entrySize: segmentEntrySize)
        var segments: [Segment] = []
        segments.reserveCapacity(segmentCount)
        for _ in 0..<segmentCount {
            let size = try r.size()
            segments.append(Segment(size: size, header: try r.bytes(segmentHeaderSize)))
        }
        guard r.remaining == 0 else { throw IndexHeaderError(path: path, reason: "\(r.remaining) unexpected trailing bytes") }
        return IndexHeader(block: block, indexSize: indexSize, ranges: ranges, segments: segments)
    }
}

/// A local index-header file that cannot be used; the store-gateway rebuilds it.
struct IndexHeaderError: Error, Equatable, Sendable, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "index-header \(path): \(reason)" }
}

/// Appends big-endian integers to a byte buffer.
struct BigEndianWriter {
    var buffer: [UInt8] = []

    mutating func byte(_ v: UInt8) { buffer.append(v) }

    mutating func be32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
    }

    mutating func be64(_ v: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
    }

    mutating func bytes(_ b: [UInt8]) { buffer.append(contentsOf: b) }
}

/// Bounds-checked big-endian reads from an untrusted local file.
struct BigEndianReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int
    let path: String

    init(_ bytes: [UInt8], start: Int, end: Int? = nil, path: String) {
        self.bytes = bytes
        position = start
        self.end = min(end ?? bytes.count, bytes.count)
        self.path = path
    }

    var remaining: Int { max(0, end - position) }

    private func truncated(_ what: String) -> IndexHeaderError {
        IndexHeaderError(path: path, reason: "truncated at offset \(position) reading \(what)")
    }

    mutating func byte() throws(IndexHeaderError) -> UInt8 {
        guard remaining >= 1 else { throw truncated("a byte") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func be32() throws(IndexHeaderError) -> UInt32 {
        guard remaining >= 4 else { throw truncated("a 4-byte integer") }
        var v: UInt32 = 0
        for i in 0..<4 { v = v << 8 | UInt32(bytes[position + i]) }
        position += 4
        return v
    }

    mutating func be64() throws(IndexHeaderError) -> UInt64 {
        guard remaining >= 8 else { throw truncated("an 8-byte integer") }
        var v: UInt64 = 0
        for i in 0..<8 { v = v << 8 | UInt64(bytes[position + i]) }
        position += 8
        return v
    }

    /// An 8-byte size that must fit in an `Int`.
    mutating func size() throws(IndexHeaderError) -> Int {
        let v = try be64()
        guard v <= UInt64(Int.max) else { throw IndexHeaderError(path: path, reason: "size \(v) at offset \(position - 8) is out of range") }
        return Int(v)
    }

    /// A 4-byte count of entries of at least `entrySize` bytes each, checked against what is left.
    mutating func count(entrySize: Int) throws(IndexHeaderError) -> Int {
        let n = Int(try be32())
        guard n <= remaining / entrySize else {
            throw IndexHeaderError(path: path, reason: "count \(n) at offset \(position - 4) exceeds the file")
        }
        return n
    }

    mutating func bytes(_ n: Int) throws(IndexHeaderError) -> [UInt8] {
        guard n >= 0, remaining >= n else { throw truncated("\(n) bytes") }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }
}
