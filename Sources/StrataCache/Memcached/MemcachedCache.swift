import Logging
import Metrics
import NIOCore
import StrataModel

/// A `Cache` on a memcached cluster, shared by every querier or store-gateway that points at it.
///
/// Cache keys are arbitrary strings, memcached keys are not (250 bytes, no spaces), so each key
/// is sent as the hex of a 128-bit hash of it (`memcachedKey(for:)`). A hash can collide, so the
/// stored item also carries the full key — `uvarint(key length) ‖ key ‖ value` — and a fetched
/// item whose key differs from the one asked for is a miss rather than someone else's value.
public final class MemcachedCache: Cache {
    /// The client underneath, for health checks (`versions()`) and tests.
    public let client: MemcachedClient

    private let logger: Logger
    private let requests: Counter
    private let hits: Counter
    private let collisions: Counter

    /// A cache on the servers in `config` (validated first; see `MemcachedClient.init` for the
    /// event loop group, `name` and the other parameters).
    public init(
        config: MemcachedConfig,
        eventLoopGroup: (any EventLoopGroup)? = nil,
        ownsEventLoopGroup: Bool = false,
        name: String = "memcached",
        logger: Logger = Logger(label: "strata.memcached"),
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) throws(MemcachedError) {
        client = try MemcachedClient(
            config: config, eventLoopGroup: eventLoopGroup, ownsEventLoopGroup: ownsEventLoopGroup,
            name: name, logger: logger, metricsFactory: metricsFactory)
        self.logger = logger
        requests = Counter(label: "strata_cache_requests_total", dimensions: [("name", name)], factory: metricsFactory)
        hits = Counter(label: "strata_cache_hits_total", dimensions: [("name", name)], factory: metricsFactory)
        collisions = Counter(label: "strata_cache_key_collisions_total", dimensions: [("name", name)], factory: metricsFactory)
    }

    /// The memcached key a cache key is stored under: 32 hex digits of two independent 64-bit
    /// hashes (xxHash64 and FNV-1a 64), safe for memcached whatever the cache key contains.
    public static func memcachedKey(for key: String) -> String {
        var xx = LabelsHasher()
        xx.add(key)
        return hex(xx.finish()) + hex(fnv1a64(key))
    }

    /// The values found for `keys`; anything memcached did not return in time, or returned for a
    /// different key, is absent.
    public func fetch(_ keys: [String]) async -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        var wanted: [String: [String]] = [:]
        for key in keys {
            wanted[Self.memcachedKey(for: key), default: []].append(key)
        }
        let items = await client.get(Array(wanted.keys))
        var found: [String: [UInt8]] = [:]
        for (memcachedKey, item) in items {
            guard let callers = wanted[memcachedKey], let (storedKey, value) = Self.decode(item) else { continue }
            var matched = false
            for key in callers where key.utf8.elementsEqual(storedKey) {
                found[key] = Array(value)
                matched = true
            }
            if !matched {
                collisions.increment()
                logger.debug("memcached item holds another key", metadata: ["memcachedKey": "\(memcachedKey)"])
            }
        }
        requests.increment(by: keys.count)
        hits.increment(by: found.count)
        return found
    }

    /// Stores the entries for `ttl` (zero: until memcached evicts them). Entries whose item
    /// would exceed `maxItemSize` are skipped; failures and timeouts drop the entry silently.
    public func store(_ entries: [(key: String, value: [UInt8])], ttl: Duration) async {
        let maxItemSize = client.config.maxItemSize
        var items: [(key: String, item: [UInt8])] = []
        items.reserveCapacity(entries.count)
        for entry in entries {
            let item = Self.encode(key: entry.key, value: entry.value)
            guard item.count <= maxItemSize else { continue }
            items.append((Self.memcachedKey(for: entry.key), item))
        }
        guard !items.isEmpty else { return }
        let client = self.client
        let concurrency = client.config.maxAsyncConcurrency
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            while next < items.count && next < concurrency {
                let item = items[next]
                group.addTask { try? await client.set(item.key, item.item, ttl: ttl) }
                next += 1
            }
            while await group.next() != nil {
                if next < items.count {
                    let item = items[next]
                    group.addTask { try? await client.set(item.key, item.item, ttl: ttl) }
                    next += 1
                }
            }
        }
    }

    /// Closes the connections (and the event loop group, when the cache owns it).
    public func shutdown() async {
        await client.shutdown()
    }

    /// The stored item for `value` under `key`: the key, length-prefixed, then the value.
    static func encode(key: String, value: [UInt8]) -> [UInt8] {
        let keyBytes = key.utf8
        var item: [UInt8] = []
        item.reserveCapacity(10 + keyBytes.count + value.count)
        var length = UInt64(keyBytes.count)
        while length >= 0x80 {
            item.append(UInt8(truncatingIfNeeded: length) | 0x80)
            length >>= 7
        }
        item.append(UInt8(length))
        item.append(contentsOf: keyBytes)
        item.append(contentsOf: value)
        return item
    }

    /// The key and value in a stored item, or nil when it is not one `encode` made.
    static func decode(_ item: [UInt8]) -> (key: ArraySlice<UInt8>, value: ArraySlice<UInt8>)? {
        var length: UInt64 = 0
        var shift: UInt64 = 0
        var i = item.startIndex
        while true {
            guard i < item.endIndex, shift < 63 else { return nil }
            let byte = item[i]
            i += 1
            length |= UInt64(byte & 0x7f) << shift
            if byte < 0x80 { break }
            shift += 7
        }
        guard length <= UInt64(item.endIndex - i) else { return nil }
        let keyEnd = i + Int(length)
        return (item[i..<keyEnd], item[keyEnd...])
    }
}

/// 64-bit FNV-1a of the key's UTF-8: the second, unrelated half of `memcachedKey(for:)`.
private func fnv1a64(_ key: String) -> UInt64 {
    var hash: UInt64 = 14_695_981_039_346_656_037
    for byte in key.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 1_099_511_628_211
    }
    return hash
}

/// `value` as 16 lowercase hex digits.
private func hex(_ value: UInt64) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: 16)
    var v = value
    for i in stride(from: 15, through: 0, by: -1) {
        out[i] = digits[Int(v & 0xf)]
        v >>= 4
    }
    return String(decoding: out, as: UTF8.self)
}
