import StrataCache
import StrataModel

/// The store-gateway's shared caches behind its in-memory ones (memcached in a cluster, with
/// `-blocks-storage.bucket-store.{index,chunks}-cache.backend=memcached`): postings lists and
/// chunks looked up there after an in-memory miss and before the bucket, and stored there after
/// a bucket read, so store-gateways share what any of them read and keep it across restarts.
///
/// Keys name the tenant and block ULID (globally unique), so entries never collide between
/// blocks or tenants. A remote cache failure is a miss; stores run in the background.
public struct RemoteCaches: Sendable {
    /// Postings lists by block and byte range (`-blocks-storage.bucket-store.index-cache.*`).
    public var index: (any Cache)?
    /// Chunks by block and reference (`-blocks-storage.bucket-store.chunks-cache.*`).
    public var chunks: (any Cache)?
    /// How long an entry lives in the remote caches (Mimir's default TTLs are days: blocks never change).
    public var ttl: Duration

    /// No remote caches.
    public static let none = RemoteCaches(index: nil, chunks: nil)

    /// Remote caches for the index and the chunks (either may be nil).
    public init(index: (any Cache)?, chunks: (any Cache)?, ttl: Duration = .seconds(7 * 24 * 3600)) {
        self.index = index
        self.chunks = chunks
        self.ttl = ttl
    }

    /// The key of a postings list: `sg:P:<tenant>/<block>:<offset>:<length>`.
    static func postingsKey(_ keys: BlockKeys, _ range: Range<Int>) -> String {
        "sg:P:\(keys.tenant.rawValue)/\(keys.id):\(range.lowerBound):\(range.count)"
    }

    /// The key of a chunk: `sg:C:<tenant>/<block>:<ref>`.
    static func chunkKey(_ keys: BlockKeys, _ ref: UInt64) -> String {
        "sg:C:\(keys.tenant.rawValue)/\(keys.id):\(ref)"
    }

    /// A chunk as stored: encoding byte, min and max time (8 bytes each, little-endian), data.
    static func encode(_ chunk: EncodedChunk) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(17 + chunk.data.count)
        out.append(chunk.encoding.rawValue)
        for v in [chunk.minTime, chunk.maxTime] {
            var le = UInt64(bitPattern: v).littleEndian
            withUnsafeBytes(of: &le) { out.append(contentsOf: $0) }
        }
        out.append(contentsOf: chunk.data)
        return out
    }

    /// A stored chunk; nil for bytes that are not one.
    static func decodeChunk(_ bytes: [UInt8]) -> EncodedChunk? {
        guard bytes.count >= 17, let encoding = ChunkEncoding(rawValue: bytes[0]) else { return nil }
        func int64(at i: Int) -> Int64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[i + k]) << (8 * UInt64(k)) }
            return Int64(bitPattern: v)
        }
        return EncodedChunk(minTime: int64(at: 1), maxTime: int64(at: 9), encoding: encoding, data: Array(bytes[17...]))
    }

    /// Stores entries without making the query wait for the cache.
    static func storeInBackground(_ cache: any Cache, _ entries: [(key: String, value: [UInt8])], ttl: Duration) {
        guard !entries.isEmpty else { return }
        Task { await cache.store(entries, ttl: ttl) }
    }
}
