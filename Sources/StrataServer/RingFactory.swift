import Glibc
import Logging
import StrataRing

/// Builds the rings of one process from their settings, sharing one KV store between rings that
/// are configured with the same store, endpoints and prefix (in-memory rings always share one,
/// so every role of a `-target=all` process sees the same rings).
struct RingFactory {
    let config: StrataConfig
    let logger: Logger
    private(set) var stores: [any RingKV] = []
    private var storeByKey: [String: any RingKV] = [:]

    init(config: StrataConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// The KV store of ring `name`.
    mutating func kv(for name: StrataConfig.RingName) throws -> any RingKV {
        let r = config[ring: name]
        guard r.store == RingStoreKind.etcd.rawValue else { return inMemory() }
        return try etcd(endpoints: r.etcdEndpoints, dialTimeout: r.etcdDialTimeout, maxRetries: r.etcdMaxRetries, prefix: r.prefix)
    }

    /// The process's one in-memory store.
    mutating func inMemory() -> any RingKV {
        store(key: "inmemory") { InMemoryKV() }
    }

    /// An etcd store for the comma-separated `endpoints` (flag syntax) with keys under `prefix`;
    /// one per distinct endpoints and prefix.
    mutating func etcd(endpoints: String, dialTimeout: Duration, maxRetries: Int, prefix: String) throws -> any RingKV {
        let list = endpoints.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        let logger = self.logger
        return try store(key: "etcd|\(list.joined(separator: ","))|\(prefix)") {
            try EtcdKV(config: EtcdConfig(endpoints: list, dialTimeout: dialTimeout, maxRetries: maxRetries, prefix: prefix), logger: logger)
        }
    }

    private mutating func store(key: String, _ make: () throws -> any RingKV) rethrows -> any RingKV {
        if let existing = storeByKey[key] { return existing }
        let kv = try make()
        storeByKey[key] = kv
        stores.append(kv)
        return kv
    }

    /// A client of ring `name` under `key`.
    mutating func ring(_ name: StrataConfig.RingName, key: String) throws -> Ring {
        let r = config[ring: name]
        return Ring(kv: try kv(for: name), key: key, config: RingConfig(
            replicationFactor: r.replicationFactor, heartbeatTimeout: r.heartbeatTimeout,
            zoneAwarenessEnabled: r.zoneAwarenessEnabled), logger: logger)
    }

    /// This process's membership of ring `name`: its ID (the hostname by default, as Mimir) and
    /// the gRPC address other processes reach it at.
    mutating func lifecycler(_ name: StrataConfig.RingName, key: String) throws -> RingLifecycler {
        let r = config[ring: name]
        let id = r.instanceID.isEmpty ? Self.hostname() : r.instanceID
        let listen = config.server.grpcListenAddress
        let host = !r.instanceAddr.isEmpty ? r.instanceAddr : (listen.isEmpty || listen == "0.0.0.0" ? "127.0.0.1" : listen)
        let port = r.instancePort > 0 ? r.instancePort : config.server.grpcListenPort
        return RingLifecycler(kv: try kv(for: name), config: LifecyclerConfig(
            instanceID: id, address: "\(host):\(port)", zone: r.zone, ringKey: key, numTokens: r.numTokens,
            heartbeatPeriod: r.heartbeatPeriod, tokensFilePath: r.tokensFilePath.isEmpty ? nil : r.tokensFilePath,
            unregisterOnShutdown: r.unregisterOnShutdown), logger: logger)
    }

    /// The machine's host name, the default instance ID in rings (as Mimir).
    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "strata" }
        let name = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "strata" : name
    }
}
