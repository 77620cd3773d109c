import StrataLimits
import Testing
import Yams

@Suite struct LimitsTests {
    private func node(_ yaml: String) throws -> Node {
        try #require(try Yams.compose(yaml: yaml))
    }

    @Test func defaultsAreMimirs() {
        let limits = Limits()
        #expect(limits.ingestionRate == 10_000)
        #expect(limits.ingestionBurstSize == 200_000)
        #expect(limits.maxGlobalSeriesPerUser == 150_000)
        #expect(limits.maxGlobalSeriesPerMetric == 0)
        #expect(limits.maxLabelNamesPerSeries == 30)
        #expect(limits.maxLabelNameLength == 1024)
        #expect(limits.maxLabelValueLength == 2048)
        #expect(limits.creationGracePeriod == .seconds(600))
        #expect(limits.pastGracePeriod == .zero)
        #expect(limits.maxRecvMsgSize == 104_857_600)
    }

    @Test func appliesEveryKey() throws {
        var limits = Limits()
        try limits.apply(yaml: node("""
            ingestion_rate: 2500.5
            ingestion_burst_size: 5000
            max_global_series_per_user: 10
            max_global_series_per_metric: 5
            max_label_names_per_series: 12
            max_label_name_length: 64
            max_label_value_length: 128
            creation_grace_period: 10m
            past_grace_period: 1h30m
            max_recv_msg_size: 1048576
            """), context: "limits")
        #expect(limits.ingestionRate == 2500.5)
        #expect(limits.ingestionBurstSize == 5000)
        #expect(limits.maxGlobalSeriesPerUser == 10)
        #expect(limits.maxGlobalSeriesPerMetric == 5)
        #expect(limits.maxLabelNamesPerSeries == 12)
        #expect(limits.maxLabelNameLength == 64)
        #expect(limits.maxLabelValueLength == 128)
        #expect(limits.creationGracePeriod == .seconds(600))
        #expect(limits.pastGracePeriod == .seconds(5_400))
        #expect(limits.maxRecvMsgSize == 1_048_576)
    }

    @Test func partialMappingKeepsOtherValues() throws {
        var limits = Limits()
        limits.maxLabelNamesPerSeries = 99
        try limits.apply(yaml: node("ingestion_rate: 1\npast_grace_period: 2d\nmax_label_name_length: ~"), context: "limits")
        #expect(limits.ingestionRate == 1)
        #expect(limits.pastGracePeriod == .seconds(172_800))
        #expect(limits.maxLabelNamesPerSeries == 99)
        #expect(limits.maxLabelNameLength == 1024)
    }

    @Test func wrongTypeNamesTheKey() throws {
        var limits = Limits()
        let before = limits
        let doc = try node("ingestion_burst_size: 7\ningestion_rate: fast")
        #expect(throws: LimitsError.invalidValue(path: "overrides.team-a.ingestion_rate", expected: "a number", got: #""fast""#)) {
            try limits.apply(yaml: doc, context: "overrides.team-a")
        }
        // All or nothing: the valid key before the bad one was not applied.
        #expect(limits == before)
        let error = LimitsError.invalidValue(path: "runtime config /etc/strata/runtime.yaml: overrides.team-a.ingestion_rate",
                                             expected: "a number", got: #""fast""#)
        #expect(error.description == #"runtime config /etc/strata/runtime.yaml: overrides.team-a.ingestion_rate: expected a number, got "fast""#)
    }

    @Test func badIntegersAndDurations() throws {
        var limits = Limits()
        #expect(throws: LimitsError.invalidValue(path: "max_label_names_per_series", expected: "a non-negative integer", got: #""1.5""#)) {
            try limits.apply(yaml: node("max_label_names_per_series: 1.5"), context: "")
        }
        #expect(throws: LimitsError.invalidValue(path: "limits.ingestion_burst_size", expected: "a non-negative integer", got: #""-1""#)) {
            try limits.apply(yaml: node("ingestion_burst_size: -1"), context: "limits")
        }
        #expect(throws: LimitsError.invalidValue(path: "limits.ingestion_rate", expected: "a non-negative number", got: #""-1""#)) {
            try limits.apply(yaml: node("ingestion_rate: -1"), context: "limits")
        }
        let unitless = try node("creation_grace_period: 600")
        do throws(LimitsError) {
            try limits.apply(yaml: unitless, context: "limits")
            Issue.record("a duration without unit was accepted")
        } catch {
            #expect(error.description == #"limits.creation_grace_period: expected a duration such as 10m or 1h30m, got "600" (not a valid duration string: "600")"#)
        }
        #expect(throws: LimitsError.self) { try limits.apply(yaml: node("past_grace_period: [1, 2]"), context: "limits") }
        #expect(throws: LimitsError.self) { try limits.apply(yaml: node("past_grace_period: -1h"), context: "limits") }
    }

    @Test func unknownKeyIsAnError() throws {
        var limits = Limits()
        let doc = try node("ingestion_rat: 5")
        do throws(LimitsError) {
            try limits.apply(yaml: doc, context: "limits")
            Issue.record("unknown key accepted")
        } catch {
            guard case .unknownKey(let path, let known) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(path == "limits.ingestion_rat")
            #expect(known.contains("ingestion_rate"))
            #expect(error.description.hasPrefix("limits.ingestion_rat: unknown key (known keys: ingestion_rate, "))
        }
    }

    @Test func duplicateKeyInABuiltNodeIsAnError() {
        var limits = Limits()
        let doc = Node.mapping(Node.Mapping([(Node("ingestion_rate"), Node("1")), (Node("ingestion_rate"), Node("2"))]))
        #expect(throws: LimitsError.duplicateKey(path: "limits.ingestion_rate")) {
            try limits.apply(yaml: doc, context: "limits")
        }
        #expect(limits == Limits())
    }

    @Test func notAMappingIsAnError() throws {
        var limits = Limits()
        #expect(throws: LimitsError.invalidValue(path: "limits", expected: "a mapping of limits", got: #""5""#)) {
            try limits.apply(yaml: node("5"), context: "limits")
        }
    }

    @Test func yamlFieldsRenderLikeMimir() {
        var limits = Limits()
        limits.ingestionRate = 1_000_000
        let fields = limits.yamlFields
        #expect(fields.map(\.key) == [
            "ingestion_rate", "ingestion_burst_size", "max_global_series_per_user", "max_global_series_per_metric",
            "max_global_exemplars_per_user", "out_of_order_time_window",
            "max_label_names_per_series", "max_label_name_length", "max_label_value_length",
            "creation_grace_period", "past_grace_period",
            "max_native_histogram_buckets", "reduce_native_histogram_over_max_buckets", "max_recv_msg_size",
            "accept_ha_samples", "ha_cluster_label", "ha_replica_label", "ha_max_clusters",
            "max_fetched_series_per_query", "max_fetched_chunk_bytes_per_query", "max_query_lookback",
            "max_partial_query_length", "max_total_query_length",
            "compactor_blocks_retention_period", "compactor_blocks_retention_period_5m", "compactor_blocks_retention_period_1h",
            "compactor_split_and_merge_shards",
            "max_query_parallelism", "max_queriers_per_tenant", "query_sharding_total_shards", "query_sharding_max_sharded_queries",
            "results_cache_ttl", "max_cache_freshness", "otel_translation_strategy", "promote_otel_resource_attributes",
            "blocked_queries",
        ])
        let values = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.value) })
        #expect(values["ingestion_rate"] == "1e+06")
        #expect(values["creation_grace_period"] == "10m")
        #expect(values["past_grace_period"] == "0s")
        #expect(values["max_native_histogram_buckets"] == "0")
        #expect(values["reduce_native_histogram_over_max_buckets"] == "true")
        #expect(values["max_recv_msg_size"] == "104857600")
        #expect(limits.yamlFields(differingFrom: Limits()).map(\.key) == ["ingestion_rate"])
    }

    @Test func yamlFieldsRoundTripThroughApply() throws {
        var original = Limits()
        original.ingestionRate = 12.5
        original.pastGracePeriod = .seconds(5_400)
        original.maxLabelValueLength = 77
        original.acceptHASamples = true
        original.haReplicaLabel = "prometheus_replica"
        let text = original.yamlFields.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
        var parsed = Limits()
        try parsed.apply(yaml: node(text), context: "limits")
        #expect(parsed == original)
    }

    @Test func everyKeyHasAFlag() {
        // 18 write-path limits, 5 query limits, 4 compactor limits, 7 query-frontend limits and
        // 2 OTLP limits, each key and flag once.
        #expect(LimitKey.all.count == 36)
        #expect(Set(LimitKey.all.map(\.yamlKey)).count == LimitKey.all.count)
        #expect(Set(LimitKey.all.map(\.flag)).count == LimitKey.all.count)
        #expect(LimitKey.named("ingestion_rate")?.flag == "distributor.ingestion-rate-limit")
        #expect(LimitKey.named("creation_grace_period")?.flag == "validation.create-grace-period")
        #expect(LimitKey.named("nope") == nil)
    }

    @Test(arguments: [
        (10_000.0, "10000"), (0.5, "0.5"), (1e6, "1e+06"), (1.5e-5, "1.5e-05"), (123456.0, "123456"),
        (1234567.0, "1.234567e+06"), (0.0001, "0.0001"), (-2.0, "-2"), (0.0, "0"), (Double.infinity, "+Inf"),
    ] as [(Double, String)])
    func goFloatFormatting(value: Double, expected: String) {
        #expect(formatGoFloat(value) == expected)
    }
}
