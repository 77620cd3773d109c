import StrataWire

/// What the results cache stores under one key: the full key (so that a backend's hash
/// collision reads as a miss, never as another query's answer) and the parts of the range
/// already answered, as non-overlapping extents in time order.
struct CachedExtents: Sendable, Equatable {
    /// One answered stretch of evaluation times, `[start, end]` on the query's step grid.
    struct Extent: Sendable, Equatable {
        var start: Int64
        var end: Int64
        var response: QueryResponse
    }

    /// The cache key the entry was stored under.
    var key: String
    /// The answered stretches.
    var extents: [Extent]

    /// Format version of the stored bytes. 2: responses carry native-histogram points
    /// (`QueryCodec.responseVersion` 2); an entry of version 1 reads as a miss and is replaced.
    static let version: UInt8 = 2
    /// Largest decompressed entry read back; anything larger is treated as corrupt.
    static let maxDecodedBytes = 256 << 20

    /// The stored form: snappy over (version, key, extents with their encoded responses).
    func encoded() -> [UInt8] {
        var w = BinaryWriter(capacity: 1024)
        w.byte(Self.version)
        w.string(key)
        w.count(extents.count)
        for e in extents {
            w.varint(e.start)
            w.varint(e.end)
            w.append(QueryCodec.encode(e.response))
        }
        return Snappy.compress(w.bytes)
    }

    /// Reads a stored entry; nil when it is corrupt, of another version or of another key.
    static func decode(_ bytes: [UInt8], key: String) -> CachedExtents? {
        guard let raw = try? Snappy.decompress(bytes, maxDecodedSize: maxDecodedBytes) else { return nil }
        var r = BinaryReader(raw)
        do {
            guard try r.byte() == version, try r.string() == key else { return nil }
            let n = try r.count()
            var extents: [Extent] = []
            for _ in 0..<n {
                let start = try r.varint(), end = try r.varint()
                let response = try QueryCodec.decodeResponse(try r.blob())
                extents.append(Extent(start: start, end: end, response: response))
            }
            return CachedExtents(key: key, extents: extents)
        } catch {
            return nil
        }
    }
}
