import StrataServer
import Testing

/// Flags, YAML and their precedence; `-help` and `-print.config`.
@Suite struct ConfigTests {
    @Test func defaultsAreMimirs() throws {
        let r = try ConfigLoader.load(arguments: [])
        #expect(r.config.target == "all")
        #expect(r.config.server.httpListenPort == 8080)
        #expect(r.config.server.grpcListenPort == 9095)
        #expect(r.config.multitenancyEnabled)
        #expect(r.config.limits.ingestionRate == 10_000)
    }

    @Test func flagStyles() throws {
        let r = try ConfigLoader.load(arguments: ["-server.http-listen-port=9000", "--log.level", "debug",
                                                  "-auth.multitenancy-enabled=false", "-distributor.ingestion-rate-limit", "2500.5"])
        #expect(r.config.server.httpListenPort == 9000)
        #expect(r.config.server.logLevel == "debug")
        #expect(!r.config.multitenancyEnabled)
        #expect(r.config.limits.ingestionRate == 2500.5)
    }

    @Test func yamlThenFlagsWin() throws {
        let yaml = """
        target: all
        multitenancy_enabled: false
        server:
          http_listen_port: 7000
          log_level: warn
        limits:
          max_label_names_per_series: 40
          creation_grace_period: 5m
        blocks_storage:
          tsdb:
            dir: /tmp/x
            block_ranges_period: [2h]
        """
        let r = try ConfigLoader.load(arguments: ["-config.file=/cfg.yaml", "-server.http-listen-port=7001"]) { path in
            #expect(path == "/cfg.yaml")
            return yaml
        }
        #expect(r.config.server.httpListenPort == 7001)
        #expect(r.config.server.logLevel == "warn")
        #expect(r.config.limits.maxLabelNamesPerSeries == 40)
        #expect(r.config.limits.creationGracePeriod == .seconds(300))
        #expect(r.config.tsdb.dir == "/tmp/x")
        #expect(!r.config.multitenancyEnabled)
    }

    @Test func errorsNameTheProblem() throws {
        #expect(throws: ConfigError.unknownFlag("nope")) { try ConfigLoader.load(arguments: ["-nope=1"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-server.http-listen-port=abc"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-log.level=verbose"]) }
        #expect(try ConfigLoader.load(arguments: ["-target=compactor"]).config.target == "compactor")
        #expect(try ConfigLoader.load(arguments: []).config.compactor.blockRanges == [.seconds(7200), .seconds(43200), .seconds(86400)])
        #expect(try ConfigLoader.load(arguments: ["-compactor.block-ranges=2h,1d"]).config.compactor.blockRanges == [.seconds(7200), .seconds(86400)])
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-compactor.block-ranges=12h,2h"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-compactor.block-ranges=2h,x"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-compactor.samples-per-chunk=0"]) }
        #expect(try ConfigLoader.load(arguments: ["-compactor.split-and-merge-shards=4"]).config.limits.compactorSplitAndMergeShards == 4)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-target=queriers"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-blocks-storage.tsdb.samples-per-chunk=0"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-blocks-storage.tsdb.samples-per-chunk=65536"]) }
        #expect(try ConfigLoader.load(arguments: ["-blocks-storage.tsdb.samples-per-chunk=480"]).config.tsdb.samplesPerChunk == 480)
        #expect(try ConfigLoader.load(arguments: []).config.tsdb.samplesPerChunk == 120)
        #expect(try ConfigLoader.load(arguments: []).config.tsdb.blockSamplesPerChunk == 480)
        #expect(try ConfigLoader.load(arguments: ["-blocks-storage.tsdb.block-samples-per-chunk=0"]).config.tsdb.blockSamplesPerChunk == 0)
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-blocks-storage.tsdb.block-samples-per-chunk=70000"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-blocks-storage.tsdb.block-samples-per-chunk=-1"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-querier.evaluation-parallelism=-1"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-querier.evaluation-parallelism=65"]) }
        #expect(try ConfigLoader.load(arguments: ["-querier.evaluation-parallelism=1"]).config.querier.evaluationParallelism == 1)
        #expect(throws: ConfigError.unknownYAMLKey(path: "server.http_port", file: "c.yaml")) {
            try ConfigLoader.load(arguments: ["-config.file=c.yaml"]) { _ in "server:\n  http_port: 1\n" }
        }
    }

    @Test func clusterTargetsNeedASharedRing() throws {
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-target=querier"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-target=distributor"]) }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(arguments: ["-target=ingester", "-ingester.ring.store=etcd"]) }
        let querier = try ConfigLoader.load(arguments: [
            "-target=querier", "-ingester.ring.store=etcd", "-ingester.ring.etcd.endpoints=127.0.0.1:2379",
            "-store-gateway.sharding-ring.store=etcd", "-store-gateway.sharding-ring.etcd.endpoints=127.0.0.1:2379",
            "-store-gateway.sharding-ring.replication-factor=2",
        ])
        #expect(querier.config.storeGatewayRing.replicationFactor == 2)
        #expect(querier.config.storeGatewayRing.numTokens == 512)
        // The distributor block is printed once even though its keys are declared apart.
        let yaml = ConfigPrinter.yaml(querier.config)
        #expect(yaml.components(separatedBy: "\ndistributor:\n").count == 2)
        #expect(yaml.contains("  ha_tracker:\n"))
    }

    @Test func printConfigRoundTrips() throws {
        let r = try ConfigLoader.load(arguments: ["-server.http-listen-port=1234", "-validation.create-grace-period=15m"])
        let yaml = ConfigPrinter.yaml(r.config)
        let again = try ConfigLoader.load(arguments: ["-config.file=x"]) { _ in yaml }
        #expect(ConfigPrinter.yaml(again.config) == yaml)
        #expect(yaml.contains("creation_grace_period: 15m"))
    }

    @Test func helpListsEveryFlag() {
        let usage = ConfigPrinter.usage(program: "strata")
        for flag in ["-target", "-config.file", "-server.http-listen-port", "-auth.multitenancy-enabled",
                     "-blocks-storage.tsdb.dir", "-distributor.ingestion-rate-limit", "-runtime-config.file",
                     "-runtime-config.reload-period", "-print.config", "-log.level"] {
            #expect(usage.contains(flag + " ") || usage.contains(flag + "\n"), "missing \(flag)")
        }
    }
}
