import Logging
import NIOPosix
import ServiceLifecycle
import StrataHATracker
import StrataIngester
import StrataLimits
import StrataRing
import StrataStoreGateway

/// Runs the ingester's lifecycle: WAL replay on start, periodic checkpoints, clean close on
/// graceful shutdown (after the HTTP server has drained).
struct IngesterService: Service {
    let ingester: Ingester
    let checkpointInterval: Duration
    /// Ring membership: joined after the WAL replay, left after the WALs are closed.
    let lifecycler: RingLifecycler?
    /// `-blocks-storage.tsdb.flush-blocks-on-shutdown`: cut and ship every head before closing.
    let flushOnShutdown: Bool
    let logger: Logger

    func run() async throws {
        try await ingester.open()
        if let lifecycler {
            // As Mimir's ingester: JOINING once the WAL is replayed, then ACTIVE.
            try await lifecycler.start()
            try await lifecycler.changeState(to: .active)
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: checkpointInterval) } catch { break }
                // Checkpoints write whole files: keep that off the cooperative pool that serves requests.
                let ingester = self.ingester
                try? await NIOThreadPool.singleton.runIfActive { ingester.maintain() }
            }
        }
        if flushOnShutdown {
            // The HTTP server has drained, so no push races the flush; the WAL stays until the
            // blocks are in the bucket.
            do {
                let result = try await ingester.flush()
                logger.info("flushed the heads to the bucket on shutdown", metadata: [
                    "tenants": "\(result.blocks.count)", "blocks": "\(result.blocks.values.reduce(0) { $0 + $1.count })",
                ])
                for (tenant, reason) in result.failures.sorted(by: { $0.key < $1.key }) {
                    logger.error("flush on shutdown failed for a tenant; the WAL keeps its data for a restart", metadata: [
                        "user": "\(tenant)", "err": "\(reason)",
                    ])
                }
            } catch {
                logger.error("flush on shutdown failed; the WAL keeps the data for a restart", metadata: ["err": "\(error)"])
            }
        }
        ingester.close()
        if let lifecycler {
            do { try await lifecycler.stop() } catch {
                logger.warning("leaving the ingester ring failed", metadata: ["err": "\(error)"])
            }
        }
    }
}

/// Follows the rings this process reads (ingester, store-gateway, distributor) from start to
/// the very end: first in the service list, so it stops last, after every role that looks up
/// replication sets; then closes the KV stores and the connections to other processes.
struct RingClientsService: Service {
    let rings: [Ring]
    let kvStores: [any RingKV]
    let peers: RemotePeers?

    func run() async throws {
        for ring in rings { ring.start() }
        // Until SIGTERM (or cancellation): ServiceLifecycle's own wait.
        try? await gracefulShutdown()
        for ring in rings { await ring.stop() }
        await peers?.shutdown()
        for kv in kvStores {
            if let etcd = kv as? EtcdKV { try? await etcd.shutdown() }
        }
    }
}

/// Keeps a role that has no other lifecycle (the distributor) registered in its ring: ACTIVE at
/// once, heartbeating, and unregistered on shutdown.
struct RingMembershipService: Service {
    let lifecycler: RingLifecycler
    let logger: Logger

    func run() async throws {
        try await lifecycler.start()
        try await lifecycler.changeState(to: .active)
        // Until SIGTERM (or cancellation): ServiceLifecycle's own wait.
        try? await gracefulShutdown()
        do { try await lifecycler.stop() } catch {
            logger.warning("leaving the ring failed", metadata: ["ring": "\(lifecycler.config.ringKey)", "err": "\(error)"])
        }
    }
}

/// Reloads the runtime config file until shutdown.
struct RuntimeConfigService: Service {
    let loader: RuntimeConfigLoader

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await loader.run()
        }
    }
}

/// Cuts heads into blocks every `-blocks-storage.tsdb.head-compaction-interval` and ships them
/// every `-blocks-storage.tsdb.ship-interval`, removing shipped blocks past retention.
struct BlockShippingService: Service {
    let ingester: Ingester
    let compactionInterval: Duration
    let shipInterval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: compactionInterval) } catch { break }
                        await ingester.cutBlocksPeriodically()
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: shipInterval) } catch { break }
                        await ingester.shipAndExpirePeriodically()
                    }
                }
            }
        }
    }
}

/// Keeps the store-gateway's view of the bucket current: a first sync at start, then one every
/// `-blocks-storage.bucket-store.sync-interval`.
///
/// In a cluster it is a member of the store-gateway ring: JOINING until the first sync has loaded
/// the blocks, then ACTIVE (queriers only ask ACTIVE store-gateways), and it leaves on shutdown.
struct StoreGatewayService: Service {
    let storeGateway: StoreGateway
    let lifecycler: RingLifecycler?
    /// The store-gateway ring as this process sees it: block ownership is computed from it.
    let ring: Ring?
    let logger: Logger
    /// How long to wait for the ring watch to show this instance before the first sync.
    static let ringVisibleTimeout: Duration = .seconds(30)

    func run() async throws {
        if let lifecycler {
            try await lifecycler.start()
            // Sharding asks the ring which blocks are ours: sync only once the ring shows us,
            // or the first sync would load nothing.
            if let ring {
                let deadline = ContinuousClock.now + Self.ringVisibleTimeout
                while !ring.instances.contains(where: { $0.id == lifecycler.config.instanceID }) && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await storeGateway.run() }
                if let lifecycler {
                    group.addTask {
                        while storeGateway.stats.syncsCompleted == 0 {
                            do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
                        }
                        do { try await lifecycler.changeState(to: .active) } catch {
                            logger.error("store-gateway could not become ACTIVE in its ring", metadata: ["err": "\(error)"])
                        }
                    }
                }
            }
        }
        if let lifecycler {
            do { try await lifecycler.stop() } catch {
                logger.warning("leaving the store-gateway ring failed", metadata: ["err": "\(error)"])
            }
        }
    }
}

/// Runs the HA tracker: reads the current elections before pushes are served, follows the KV
/// store and cleans up silent clusters until shutdown.
struct HATrackerService: Service {
    let tracker: HATracker

    func run() async throws {
        try await tracker.start()
        // Until SIGTERM (or cancellation): ServiceLifecycle's own wait.
        try? await gracefulShutdown()
        await tracker.stop()
    }
}
