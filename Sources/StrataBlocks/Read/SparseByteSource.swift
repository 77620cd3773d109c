import Synchronization

/// The bytes of a remote file (an object in a bucket) that have been fetched so far.
///
/// The block decoders are synchronous and object storage is async, so a remote reader works in
/// rounds: fetch the ranges it expects to need, `add` them, run the decoders, and when a decoder
/// asks for bytes that are not here (`BlockError.rangeNotLoaded` naming the range) fetch those and
/// decode again. A read is served only when one loaded piece covers it entirely; pieces that
/// touch or overlap are merged when added, so that is the same as "every byte is loaded".
///
/// Thread-safe: pieces can be added while other tasks read.
public final class SparseByteSource: BlockByteSource {
    /// One contiguous loaded range.
    struct Piece {
        var offset: Int
        var bytes: [UInt8]
        var end: Int { offset + bytes.count }
    }

    /// The object key or path, for error messages.
    public let name: String
    /// Size of the whole remote file.
    public let size: Int
    /// Sorted by offset, never overlapping or touching.
    private let pieces = Mutex<[Piece]>([])

    /// An empty source for a file of `size` bytes.
    public init(name: String, size: Int) {
        self.name = name
        self.size = max(0, size)
    }

    /// Records `bytes` as the file's content at `offset`. Bytes past `size` are dropped; an
    /// overlap with an earlier piece keeps the earlier bytes (the file is immutable, so they are
    /// the same unless the object changed, which block files never do).
    public func add(_ bytes: [UInt8], at offset: Int) {
        guard offset >= 0, offset < size, !bytes.isEmpty else { return }
        let usable = min(bytes.count, size - offset)
        var incoming = Piece(offset: offset, bytes: usable == bytes.count ? bytes : Array(bytes[0..<usable]))
        pieces.withLock { list in
            // First piece that ends at or after the new one's start: it may touch or overlap.
            var lo = 0
            var hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].end < incoming.offset { lo = mid + 1 } else { hi = mid }
            }
            var last = lo
            while last < list.count && list[last].offset <= incoming.end { last += 1 }
            if last == lo {
                list.insert(incoming, at: lo)
                return
            }
            // Merge list[lo..<last] with the incoming piece into one.
            let start = min(list[lo].offset, incoming.offset)
            let end = max(list[last - 1].end, incoming.end)
            var merged = [UInt8](repeating: 0, count: end - start)
            merged.withUnsafeMutableBufferPointer { out in
                // Incoming first, then the earlier pieces over it: earlier bytes win.
                for p in CollectionOfOne(incoming) + list[lo..<last] {
                    let at = p.offset - start
                    p.bytes.withUnsafeBufferPointer { src in
                        _ = UnsafeMutableBufferPointer(rebasing: out[at..<(at + src.count)]).update(fromContentsOf: src)
                    }
                }
            }
            incoming = Piece(offset: start, bytes: merged)
            list.replaceSubrange(lo..<last, with: [incoming])
        }
    }

    /// The loaded ranges, in offset order.
    public var loadedRanges: [Range<Int>] {
        pieces.withLock { $0.map { $0.offset..<$0.end } }
    }

    /// Every loaded piece as (offset, bytes), in offset order.
    public var loadedPieces: [(offset: Int, bytes: [UInt8])] {
        pieces.withLock { $0.map { ($0.offset, $0.bytes) } }
    }

    /// Total loaded bytes.
    public var loadedByteCount: Int {
        pieces.withLock { $0.reduce(0) { $0 + $1.bytes.count } }
    }

    /// Whether every byte of `range` is loaded.
    public func contains(_ range: Range<Int>) -> Bool {
        if range.isEmpty { return true }
        return pieces.withLock { list in Self.index(covering: range, in: list) != nil }
    }

    /// The bytes of `range` if they are loaded; `.rangeNotLoaded` naming the range otherwise.
    public func read(_ range: Range<Int>) throws(BlockError) -> [UInt8] {
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw .corrupt(file: name, offset: range.lowerBound, reason: "read past the end of the \(size)-byte file")
        }
        if range.isEmpty { return [] }
        let found: [UInt8]? = pieces.withLock { list in
            guard let i = Self.index(covering: range, in: list) else { return nil }
            let p = list[i]
            return Array(p.bytes[(range.lowerBound - p.offset)..<(range.upperBound - p.offset)])
        }
        guard let found else { throw .rangeNotLoaded(file: name, range: range) }
        return found
    }

    /// The piece covering all of `range`, by binary search on the offsets.
    private static func index(covering range: Range<Int>, in list: [Piece]) -> Int? {
        var lo = 0
        var hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].offset <= range.lowerBound { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let p = list[lo - 1]
        return p.end >= range.upperBound ? lo - 1 : nil
    }
}
