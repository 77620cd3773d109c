import Logging
import NIOPosix
import ServiceLifecycle
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
    let ring: Ring?
    let ringKV: (any RingKV)?
    /// `-blocks-storage.tsdb.flush-blocks-on-shutdown`: cut and ship every head before closing.
    let flushOnShutdown: Bool
    let logger: Logger

    func run() async throws {
        try await ingester.open()
        ring?.start()
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
                let cut = try await ingester.flush()
                logger.info("flushed the heads to the bucket on shutdown", metadata: [
                    "tenants": "\(cut.count)", "blocks": "\(cut.values.reduce(0) { $0 + $1.count })",
                ])
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
        await ring?.stop()
        if let etcd = ringKV as? EtcdKV { try? await etcd.shutdown() }
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
struct StoreGatewayService: Service {
    let storeGateway: StoreGateway

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await storeGateway.run()
        }
    }
}
