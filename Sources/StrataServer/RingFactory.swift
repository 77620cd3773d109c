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

    /// The KV store of ring `name` (or the process's in-memory store when `forceInMemory`).
    mutating func kv(for name: StrataConfig.RingName, forceInMemory: Bool = false) throws -> any RingKV {
        let r = config[ring: name]
        let endpoints = r.etcdEndpoints.split(separator: ",").map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        let etcd = r.store == RingStoreKind.etcd.rawValue && !forceInMemory
        let key = etcd ? "etcd|\(endpoints.joined(separator: ","))|\(r.prefix)" : "inmemory"
        if let existing = storeByKey[key] { return existing }
        let kv: any RingKV
        if etcd {
            kv = try EtcdKV(config: EtcdConfig(endpoints: endpoints, dialTimeout: r.etcdDialTimeout, maxRetries: r.etcdMaxRetries,
                                               prefix: r.prefix), logger: logger)
        } else {
            kv = InMemoryKV()
        }
        storeByKey[key] = kv
        stores.append(kv)
        return kv
    }

    /// Takes a store built elsewhere into the list closed at shutdown.
    mutating func adopt(_ kv: any RingKV) {
        stores.append(kv)
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
