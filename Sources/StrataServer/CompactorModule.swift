import Logging
import Metrics
import ServiceLifecycle
import StrataCompactor
import StrataLimits
import StrataModel
import StrataObjstore
import StrataRing

extension ServerComponents {
    /// The compactor of `-target=compactor` (or `all`): per-tenant limits from the overrides,
    /// tenants shared out by the compactor ring — with an in-memory ring this process owns them all.
    static func makeCompactor(config: StrataConfig, bucket: any Bucket, overrides: Overrides, ring: Ring?,
                              lifecycler: RingLifecycler?, metricsFactory: any MetricsFactory, logger: Logger) -> Compactor {
        var owns: Compactor.TenantOwnership = { _ in true }
        if let ring, let lifecycler, config.compactorRing.store != RingStoreKind.inMemory.rawValue {
            let me = lifecycler.config.instanceID
            owns = { tenant in
                guard let set = try? ring.replicationSet(forKey: FNV1a32.hash(tenant.rawValue), operation: .write) else { return false }
                return set.instances.first?.id == me
            }
        }
        return Compactor(bucket: bucket, config: config.compactor, settings: { tenant in
            compactorSettings(overrides.limits(for: tenant))
        }, ownsTenant: owns, metricsFactory: metricsFactory, logger: logger)
    }

    /// A tenant's compactor limits: shards and the retention of each resolution (which the
    /// store-gateway also applies to queries).
    static func compactorSettings(_ limits: Limits) -> CompactorTenantSettings {
        CompactorTenantSettings(
            shards: limits.compactorSplitAndMergeShards, rawRetention: limits.compactorBlocksRetentionPeriod,
            fiveMinuteRetention: limits.compactorBlocksRetentionPeriod5m, oneHourRetention: limits.compactorBlocksRetentionPeriod1h)
    }
}

/// Runs the compactor: joins the compactor ring (ACTIVE at once, as Mimir's compactor), compacts
/// every `-compactor.compaction-interval` until shutdown, then leaves the ring. A run in
/// progress at shutdown is cancelled between objects; what it uploaded without `meta.json` is
/// a partial block no reader lists, and its inputs are untouched.
struct CompactorService: Service {
    let compactor: Compactor
    let lifecycler: RingLifecycler?
    let logger: Logger

    func run() async throws {
        if let lifecycler {
            try await lifecycler.start()
            try await lifecycler.changeState(to: .active)
        }
        await cancelWhenGracefulShutdown {
            await compactor.run()
        }
        if let lifecycler {
            do { try await lifecycler.stop() } catch {
                logger.warning("leaving the compactor ring failed", metadata: ["err": "\(error)"])
            }
        }
    }
}
