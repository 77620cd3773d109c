import StrataModel
/// Magic numbers, versions and sizes of the Prometheus TSDB block files (see
/// `docs/format/block.md`). They are fixed by Prometheus; changing one breaks compatibility.
public enum BlockFormat {
    /// File name of the index inside a block directory.
    public static let indexFileName = "index"
    /// File name of the tombstones inside a block directory.
    public static let tombstonesFileName = "tombstones"
    /// File name of the metadata inside a block directory.
    public static let metaFileName = "meta.json"
    /// Directory holding the chunk segment files.
    public static let chunksDirectoryName = "chunks"
    /// Suffix of the directory a block is written to before its atomic rename.
    public static let temporarySuffix = ".tmp"

    /// First 4 bytes of an index file (big-endian).
    public static let indexMagic: UInt32 = 0xBAAA_D700
    /// The index format version written and read (v2: symbol references are sequence numbers).
    public static let indexVersion: UInt8 = 2
    /// Magic (4) + version (1).
    public static let indexHeaderSize = 5
    /// Series entries start at multiples of this, so a series reference is `offset / 16`.
    public static let seriesAlignment = 16
    /// Postings lists and label indices start at multiples of this.
    public static let sectionAlignment = 4
    /// Six 8-byte offsets plus a CRC32C.
    public static let tocSize = 6 * 8 + 4

    /// First 4 bytes of a chunk segment file (big-endian).
    public static let chunksMagic: UInt32 = 0x85BD_40DD
    /// The chunk segment format version.
    public static let chunksVersion: UInt8 = 1
    /// Magic (4) + version (1) + padding (3).
    public static let chunksHeaderSize = 8
    /// Default largest segment file, as Prometheus (512 MiB).
    public static let defaultMaxSegmentSize = 512 * 1024 * 1024
    /// Width of segment file names (`000001`).
    public static let segmentNameDigits = 6

    /// First 4 bytes of a tombstones file (big-endian).
    public static let tombstonesMagic: UInt32 = 0x0130_BA30
    /// The tombstones format version.
    public static let tombstonesVersion: UInt8 = 1

    /// The `version` field of `meta.json`.
    public static let metaVersion = 1

    /// Size of a CRC32C trailer.
    static let crcSize = 4
    /// Longest uvarint encoding of a 64-bit value.
    static let maxUvarintSize = 10

    /// The segment file name for 0-based sequence `seq` (`000001` for 0).
    public static func segmentFileName(_ seq: Int) -> String {
        let digits = String(seq + 1)
        return String(repeating: "0", count: max(0, segmentNameDigits - digits.count)) + digits
    }
}

/// A chunk reference inside a block: segment sequence in the upper 32 bits, byte offset in the
/// segment file in the lower 32 bits (Prometheus `BlockChunkRef`).
public struct ChunkRef: Hashable, Sendable, Comparable {
    /// The packed value, as stored in the index.
    public var rawValue: UInt64

    /// Wraps a packed value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Packs a 0-based segment sequence and an offset.
    public init(segment: UInt32, offset: UInt32) {
        rawValue = UInt64(segment) << 32 | UInt64(offset)
    }

    /// 0-based segment sequence (file `000001` is 0).
    public var segment: Int { Int(rawValue >> 32) }
    /// Byte offset of the chunk in its segment file.
    public var offset: Int { Int(rawValue & 0xFFFF_FFFF) }

    public static func < (lhs: ChunkRef, rhs: ChunkRef) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A series reference inside a block's index: the series entry's byte offset divided by 16.
public typealias SeriesRef = UInt32

/// Where a chunk lives and which time range it covers, as the index stores it per series.
public struct ChunkMeta: Hashable, Sendable {
    /// Timestamp of the first sample, ms.
    public var minTime: Int64
    /// Timestamp of the last sample, ms (inclusive).
    public var maxTime: Int64
    /// Where the chunk bytes are.
    public var ref: ChunkRef

    /// Creates a chunk meta.
    public init(minTime: Int64, maxTime: Int64, ref: ChunkRef) {
        self.minTime = minTime
        self.maxTime = maxTime
        self.ref = ref
    }
}
