/// Every per-tenant limit, in one type.
///
/// Each field has a YAML key (Mimir's `limits:` block and the keys of one tenant under the runtime
/// config's `overrides:`) and a flag, both with Mimir's names, so an operator's Mimir limits file
/// works unchanged. `LimitKey` is the single table tying field, key and flag together.
public struct Limits: Sendable, Equatable {
    /// Samples per second a tenant may push, counting samples + exemplars + metadata as Mimir does.
    /// YAML `ingestion_rate`, flag `-distributor.ingestion-rate-limit`.
    public var ingestionRate: Double = 10_000
    /// The token-bucket size for `ingestionRate`: the largest single request a tenant can send.
    /// YAML `ingestion_burst_size`, flag `-distributor.ingestion-burst-size`.
    public var ingestionBurstSize: Int = 200_000
    /// In-memory series per tenant across the cluster; 0 = unlimited.
    /// YAML `max_global_series_per_user`, flag `-ingester.max-global-series-per-user`.
    public var maxGlobalSeriesPerUser: Int = 150_000
    /// In-memory series per metric name per tenant; 0 = unlimited.
    /// YAML `max_global_series_per_metric`, flag `-ingester.max-global-series-per-metric`.
    public var maxGlobalSeriesPerMetric: Int = 0
    /// Exemplars kept in memory per tenant (a circular buffer: the oldest are overwritten);
    /// 0 = exemplars are not stored, as Mimir's default.
    /// YAML `max_global_exemplars_per_user`, flag `-ingester.max-global-exemplars-per-user`.
    public var maxGlobalExemplarsPerUser: Int = 0
    /// Labels (including `__name__`) a series may have.
    /// YAML `max_label_names_per_series`, flag `-validation.max-label-names-per-series`.
    public var maxLabelNamesPerSeries: Int = 30
    /// Bytes in one label name. YAML `max_label_name_length`, flag `-validation.max-length-label-name`.
    public var maxLabelNameLength: Int = 1024
    /// Bytes in one label value. YAML `max_label_value_length`, flag `-validation.max-length-label-value`.
    public var maxLabelValueLength: Int = 2048
    /// How far in the future (vs. the distributor's clock) a sample may be.
    /// YAML `creation_grace_period`, flag `-validation.create-grace-period`.
    public var creationGracePeriod: Duration = .seconds(600)
    /// How far behind the newest sample of the tenant's head an out-of-order sample may be and
    /// still be stored (Prometheus's and Mimir's out-of-order window); zero disables out-of-order
    /// ingestion. YAML `out_of_order_time_window`, flag `-ingester.out-of-order-time-window`.
    public var outOfOrderTimeWindow: Duration = .zero
    /// How far in the past a sample may be; zero disables the check.
    /// YAML `past_grace_period`, flag `-validation.past-grace-period`.
    public var pastGracePeriod: Duration = .zero
    /// Buckets (positive + negative) one native histogram sample may have; 0 = unlimited.
    /// YAML `max_native_histogram_buckets`, flag `-validation.max-native-histogram-buckets`.
    public var maxNativeHistogramBuckets: Int = 0
    /// Whether a native histogram over `maxNativeHistogramBuckets` is brought under it by
    /// lowering its resolution (refused only when even schema -4 is over); false refuses it.
    /// YAML `reduce_native_histogram_over_max_buckets`, flag
    /// `-validation.reduce-native-histogram-over-max-buckets`.
    public var reduceNativeHistogramOverMaxBuckets = true
    /// Largest decompressed remote-write body in bytes. Per-tenant key `max_recv_msg_size`; the
    /// server-wide default comes from `-distributor.max-recv-msg-size`.
    public var maxRecvMsgSize: Int = 100 << 20
    /// Whether the HA tracker deduplicates this tenant's Prometheus HA pairs.
    /// YAML `accept_ha_samples`, flag `-distributor.ha-tracker.enable-for-all-users` sets the default.
    public var acceptHASamples = false
    /// The label naming a Prometheus HA pair. YAML `ha_cluster_label`, flag `-distributor.ha-tracker.cluster`.
    public var haClusterLabel = "cluster"
    /// The label naming a replica of an HA pair (removed before storage).
    /// YAML `ha_replica_label`, flag `-distributor.ha-tracker.replica`.
    public var haReplicaLabel = "__replica__"
    /// HA clusters the tracker keeps per tenant; 0 = unlimited.
    /// YAML `ha_max_clusters`, flag `-distributor.ha-tracker.max-clusters`.
    public var haMaxClusters = 100
    /// Unique series one query may fetch from ingesters and store-gateways; 0 = unlimited.
    /// YAML `max_fetched_series_per_query`, flag `-querier.max-fetched-series-per-query`.
    public var maxFetchedSeriesPerQuery = 0
    /// Bytes of chunks one query may fetch from ingesters and store-gateways; 0 = unlimited.
    /// YAML `max_fetched_chunk_bytes_per_query`, flag `-querier.max-fetched-chunk-bytes-per-query`.
    public var maxFetchedChunkBytesPerQuery = 0
    /// How far back from now a query may read; older data reads as absent. Zero = no limit.
    /// YAML `max_query_lookback`, flag `-querier.max-query-lookback`.
    public var maxQueryLookback: Duration = .zero
    /// Longest storage range one selector may read (its part of the query range plus lookback and
    /// range); zero = no limit. YAML `max_partial_query_length`, flag `-querier.max-partial-query-length`.
    public var maxPartialQueryLength: Duration = .zero
    /// Longest end − start of a range query; zero = no limit.
    /// YAML `max_total_query_length`, flag `-query-frontend.max-total-query-length`.
    public var maxTotalQueryLength: Duration = .zero
    /// How long raw blocks are kept, counted from a block's end; zero = forever.
    /// YAML `compactor_blocks_retention_period`, flag `-compactor.blocks-retention-period`.
    public var compactorBlocksRetentionPeriod: Duration = .zero
    /// How long 5m-resolution blocks are kept; zero = forever.
    /// YAML `compactor_blocks_retention_period_5m`, flag `-compactor.blocks-retention-period.5m`.
    public var compactorBlocksRetentionPeriod5m: Duration = .zero
    /// How long 1h-resolution blocks are kept; zero = forever.
    /// YAML `compactor_blocks_retention_period_1h`, flag `-compactor.blocks-retention-period.1h`.
    public var compactorBlocksRetentionPeriod1h: Duration = .zero
    /// Shards the compactor splits a tenant's blocks into by series hash; 0 or 1 = no splitting.
    /// YAML `compactor_split_and_merge_shards`, flag `-compactor.split-and-merge-shards`.
    public var compactorSplitAndMergeShards = 0
    /// Split or shard queries of one query the frontend runs at once.
    /// YAML `max_query_parallelism`, flag `-querier.max-query-parallelism`.
    public var maxQueryParallelism = 14
    /// Queriers that may run a tenant's queries (shuffle sharding of the frontend's queue); 0 = all.
    /// YAML `max_queriers_per_tenant`, flag `-query-frontend.max-queriers-per-tenant`.
    public var maxQueriersPerTenant = 0
    /// Shards a shardable query is split into by series; 0 or 1 = no sharding.
    /// YAML `query_sharding_total_shards`, flag `-query-frontend.query-sharding-total-shards`.
    public var queryShardingTotalShards = 16
    /// Most shard queries one split part of a query may run (shards are reduced to fit).
    /// YAML `query_sharding_max_sharded_queries`, flag `-query-frontend.query-sharding-max-sharded-queries`.
    public var queryShardingMaxShardedQueries = 128
    /// How long the results cache keeps an entry.
    /// YAML `results_cache_ttl`, flag `-query-frontend.results-cache-ttl`.
    public var resultsCacheTTL: Duration = .seconds(7 * 24 * 3600)
    /// Results newer than this are not cached (samples may still arrive for them).
    /// YAML `max_cache_freshness`, flag `-query-frontend.max-cache-freshness`.
    public var maxCacheFreshness: Duration = .seconds(600)
    /// Queries the frontend refuses. YAML `blocked_queries` (a list of `{pattern, regex}`).
    public var blockedQueries: [BlockedQuery] = []
    /// How OTLP metric and attribute names become Prometheus names: `UnderscoreEscapingWithSuffixes`
    /// or `NoUTF8EscapingWithSuffixes`. YAML `otel_translation_strategy`, flag
    /// `-distributor.otel-translation-strategy`.
    public var otelTranslationStrategy = "UnderscoreEscapingWithSuffixes"
    /// OTLP resource attributes copied onto every series of their resource, comma-separated.
    /// YAML `promote_otel_resource_attributes`, flag `-distributor.otel-promote-resource-attributes`.
    public var promoteOTelResourceAttributes = ""

    /// Mimir's defaults.
    public init() {}
}
