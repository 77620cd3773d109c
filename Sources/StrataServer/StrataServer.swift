import Glibc
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle
import StrataCache
import StrataIngester
import StrataQueryFrontend
import StrataRPC

/// The Strata version printed by `-version`.
public let strataVersion = "0.1.0"

/// Runs a Strata process: parses flags and config, builds the roles, serves HTTP, and shuts
/// down gracefully on SIGTERM or SIGINT.
public enum StrataServer {
    /// Entry point of the `strata` executable; returns the process exit code.
    public static func main(arguments: [String]) async -> Int32 {
        let program = "strata"
        let request: CommandLineRequest
        do {
            request = try ConfigLoader.load(arguments: arguments)
        } catch {
            printError("error loading config: \(error)")
            if case .unknownFlag = error { printError(ConfigPrinter.usage(program: program)); return 2 }
            return 1
        }
        if request.help {
            print(ConfigPrinter.usage(program: program), terminator: "")
            return 0
        }
        if request.version {
            print("strata, version \(strataVersion)")
            return 0
        }
        if request.printConfig {
            print(ConfigPrinter.yaml(request.config), terminator: "")
            return 0
        }
        let config = request.config
        let level = StructuredLogHandler.level(named: config.server.logLevel) ?? .info
        let format = StructuredLogHandler.Format(rawValue: config.server.logFormat) ?? .logfmt
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, level: level, format: format) }
        let logger = Logger(label: "strata")
        do {
            try await run(config: config, logger: logger)
            return 0
        } catch {
            logger.error("strata stopped with an error", metadata: ["err": "\(error)"])
            return 1
        }
    }

    /// Builds and runs every role of `config` until a shutdown signal.
    public static func run(config: StrataConfig, logger: Logger) async throws {
        let components = try ServerComponents(config: config, logger: logger)
        MetricsSystem.bootstrap(components.metricsFactory)
        let host = config.server.httpListenAddress.isEmpty ? "0.0.0.0" : config.server.httpListenAddress
        let api = components.api()
        let app = api.application(
            configuration: .init(address: .hostname(host, port: config.server.httpListenPort), serverName: "strata"),
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let rings = [components.ingesterRing, components.storeGatewayRing, components.distributorRing, components.compactorRing].compactMap { $0 }
        services.append(.init(service: RingClientsService(rings: rings, kvStores: components.kvStores, peers: components.peers)))
        if let tracker = components.haTracker {
            services.append(.init(service: HATrackerService(tracker: tracker)))
        }
        if let ingester = components.ingester {
            components.ringMembershipExpected.set()
            services.append(.init(service: IngesterService(ingester: ingester, checkpointInterval: config.tsdb.walCheckpointInterval,
                                                           lifecycler: components.ingesterLifecycler,
                                                           flushOnShutdown: config.tsdb.flushBlocksOnShutdown && components.bucket != nil,
                                                           logger: logger)))
        }
        if let ingester = components.ingester, components.bucket != nil {
            services.append(.init(service: BlockShippingService(ingester: ingester,
                                                                compactionInterval: config.tsdb.headCompactionInterval,
                                                                shipInterval: config.tsdb.shipInterval)))
        }
        if let storeGateway = components.storeGateway {
            components.storeGatewaySyncExpected.set()
            services.append(.init(service: StoreGatewayService(storeGateway: storeGateway,
                                                               lifecycler: components.storeGatewayLifecycler,
                                                               ring: components.storeGatewayRing, logger: logger)))
        }
        if let compactor = components.compactor {
            services.append(.init(service: CompactorService(compactor: compactor, lifecycler: components.compactorLifecycler, logger: logger)))
        }
        if let lifecycler = components.distributorLifecycler {
            services.append(.init(service: RingMembershipService(lifecycler: lifecycler, logger: logger)))
        }
        if let queriers = components.localQueriers.current {
            services.append(.init(service: LocalQueriersService(queriers: queriers)))
        }
        let frontendAddresses = config.frontendWorker.frontendAddress.split(separator: ",")
            .map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        if !frontendAddresses.isEmpty, components.targets.runs(.querier), let runner = api.querierRunner() {
            let pool = RPCClientPool(logger: logger)
            let worker = FrontendWorker(addresses: frontendAddresses, querierID: ServerComponents.querierID(config),
                                        concurrency: config.frontendWorker.maxConcurrent, runner: runner, pool: pool, logger: logger)
            services.append(.init(service: FrontendWorkerService(worker: worker, pool: pool)))
        }
        for cache in [components.resultsCache, components.storeGatewayRemoteCaches.index, components.storeGatewayRemoteCaches.chunks] {
            if let memcached = cache as? MemcachedCache {
                services.append(.init(service: CacheShutdownService(cache: memcached)))
            }
        }
        if components.servesRPC {
            services.append(.init(service: try RPCServerService(components: components, logger: logger)))
        }
        if let loader = components.runtimeConfig {
            services.append(.init(service: RuntimeConfigService(loader: loader)))
        }
        if let queryLog = components.queryLog {
            services.append(.init(service: QueryStatsService(log: queryLog)))
        }
        // Last in the list, first to stop: the HTTP server drains in-flight pushes before the
        // ingester closes its WALs.
        services.append(.init(service: app))
        var groupConfig = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: logger
        )
        // Past this, remaining services are cancelled; the ingester still closes its WALs.
        groupConfig.maximumGracefulShutdownDuration = config.server.gracefulShutdownTimeout
        let group = ServiceGroup(configuration: groupConfig)
        logger.info("starting strata", metadata: [
            "version": "\(strataVersion)", "target": "\(config.target)",
            "http": "\(host):\(config.server.httpListenPort)", "tsdb_dir": "\(config.tsdb.dir)",
            "blocks_storage": "\(config.bucket.backend.rawValue)",
        ])
        do {
            try await group.run()
        } catch {
            await components.bucket?.shutdown()
            throw error
        }
        await components.bucket?.shutdown()
        logger.info("strata stopped")
    }

    private static func printError(_ s: String) {
        var err = StandardError()
        print(s, to: &err)
    }
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        let bytes = Array(string.utf8)
        bytes.withUnsafeBytes { raw in
            _ = Glibc.write(STDERR_FILENO, raw.baseAddress, raw.count)
        }
    }
}
