import StrataModel

/// One configurable limit: its YAML key, its flag, its help text, the kind of value it takes and
/// the one parser that reads it.
///
/// Kept as a table (rather than a `switch` per use) so that the flags, the config file's `limits:`
/// block, the runtime overrides file, `-print.config` and `-help` cannot disagree about names or
/// about which values are valid: all of them go through `set(_:in:)`.
public struct LimitKey: Sendable {
    /// What kind of value the key takes.
    public enum Kind: Sendable {
        /// A non-negative finite number, printed with Go's `%v`.
        case double(any WritableKeyPath<Limits, Double> & Sendable)
        /// An integer of at least `LimitKey.minimum`.
        case int(any WritableKeyPath<Limits, Int> & Sendable)
        /// A non-negative Prometheus duration such as `10m`, printed the same way.
        case duration(any WritableKeyPath<Limits, Duration> & Sendable)
        /// A boolean in Go's `strconv.ParseBool` spellings (`true`, `false`, `1`, `0`, `t`, `F`, …).
        case bool(any WritableKeyPath<Limits, Bool> & Sendable)
        /// A legacy Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
        case labelName(any WritableKeyPath<Limits, String> & Sendable)
        /// A YAML list of `{pattern, regex}` (the query blocker); a flag takes the same list in
        /// YAML flow style.
        case blockedQueries(any WritableKeyPath<Limits, [BlockedQuery]> & Sendable)
        /// A string: one of `allowed` when given, otherwise a comma-separated list (Mimir's
        /// `flagext.StringSliceCSV`), stored with its items trimmed.
        case string(any WritableKeyPath<Limits, String> & Sendable, allowed: [String]?)
    }

    /// The YAML key, e.g. `ingestion_rate` (the same under `limits:` and under one tenant in the
    /// runtime config's `overrides:`).
    public let yamlKey: String
    /// The flag without its dash, e.g. `distributor.ingestion-rate-limit`.
    public let flag: String
    /// The field and its type.
    public let kind: Kind
    /// What `-help` says about the flag (Mimir's text where Mimir has the limit).
    public let help: String
    /// Where the key sits in Strata's config file: `["limits", yamlKey]`, except for the keys
    /// Mimir keeps in another block (`distributor.max_recv_msg_size`).
    public let configPath: [String]
    /// The smallest accepted value of an `.int` limit (0 for most, 1 where 0 would refuse everything).
    public let minimum: Int
    /// Whether an `.int` limit is a size in bytes (`-help` shows its type as `bytes`).
    public let isByteSize: Bool
    /// The largest accepted value of an `.int` limit.
    public let maximum: Int

    /// Creates a row of the table.
    init(yamlKey: String, flag: String, kind: Kind, help: String, configPath: [String]? = nil,
         minimum: Int = 0, maximum: Int = .max, isByteSize: Bool = false) {
        self.yamlKey = yamlKey
        self.flag = flag
        self.kind = kind
        self.help = help
        self.configPath = configPath ?? ["limits", yamlKey]
        self.minimum = minimum
        self.maximum = maximum
        self.isByteSize = isByteSize
    }

    /// Every limit: the per-tenant limits first in the order `-print.config` shows them, then the
    /// per-query limits in Mimir's order.
    public static let all: [LimitKey] = [
        LimitKey(yamlKey: "ingestion_rate", flag: "distributor.ingestion-rate-limit", kind: .double(\.ingestionRate),
                 help: "Per-tenant ingestion rate limit in samples per second (samples, exemplars and metadata count)."),
        LimitKey(yamlKey: "ingestion_burst_size", flag: "distributor.ingestion-burst-size", kind: .int(\.ingestionBurstSize),
                 help: "Per-tenant allowed ingestion burst size (in number of samples)."),
        LimitKey(yamlKey: "max_global_series_per_user", flag: "ingester.max-global-series-per-user", kind: .int(\.maxGlobalSeriesPerUser),
                 help: "The maximum number of in-memory series per tenant. 0 to disable."),
        LimitKey(yamlKey: "max_global_series_per_metric", flag: "ingester.max-global-series-per-metric", kind: .int(\.maxGlobalSeriesPerMetric),
                 help: "The maximum number of in-memory series per metric name, per tenant. 0 to disable."),
        LimitKey(yamlKey: "max_global_exemplars_per_user", flag: "ingester.max-global-exemplars-per-user", kind: .int(\.maxGlobalExemplarsPerUser),
                 help: "The maximum number of exemplars in memory per tenant, across the cluster. 0 to disable exemplars ingestion."),
        LimitKey(yamlKey: "out_of_order_time_window", flag: "ingester.out-of-order-time-window", kind: .duration(\.outOfOrderTimeWindow),
                 help: "Non-zero value enables out-of-order support for most recent samples that are within the time window in relation to the TSDB's maximum time, i.e., within [db.maxTime-timeWindow, db.maxTime]). The ingester will need more memory as a factor of rate of out-of-order samples being ingested and the number of series that are getting out-of-order samples."),
        LimitKey(yamlKey: "max_label_names_per_series", flag: "validation.max-label-names-per-series", kind: .int(\.maxLabelNamesPerSeries),
                 help: "Maximum number of label names per series."),
        LimitKey(yamlKey: "max_label_name_length", flag: "validation.max-length-label-name", kind: .int(\.maxLabelNameLength),
                 help: "Maximum length accepted for label names."),
        LimitKey(yamlKey: "max_label_value_length", flag: "validation.max-length-label-value", kind: .int(\.maxLabelValueLength),
                 help: "Maximum length accepted for label value. This setting also applies to the metric name."),
        LimitKey(yamlKey: "creation_grace_period", flag: "validation.create-grace-period", kind: .duration(\.creationGracePeriod),
                 help: "Controls how far into the future incoming samples are accepted compared to the wall clock."),
        LimitKey(yamlKey: "past_grace_period", flag: "validation.past-grace-period", kind: .duration(\.pastGracePeriod),
                 help: "Controls how far into the past incoming samples are accepted compared to the wall clock. 0 to disable."),
        LimitKey(yamlKey: "max_native_histogram_buckets", flag: "validation.max-native-histogram-buckets",
                 kind: .int(\.maxNativeHistogramBuckets),
                 help: "Maximum number of buckets per native histogram sample. 0 to disable the limit."),
        LimitKey(yamlKey: "reduce_native_histogram_over_max_buckets", flag: "validation.reduce-native-histogram-over-max-buckets",
                 kind: .bool(\.reduceNativeHistogramOverMaxBuckets),
                 help: "Whether to reduce or reject native histogram samples with more buckets than the configured limit."),
        // Zero would refuse every push, so the smallest size is one byte.
        LimitKey(yamlKey: "max_recv_msg_size", flag: "distributor.max-recv-msg-size", kind: .int(\.maxRecvMsgSize),
                 help: "Max message size in bytes that the distributors will accept for incoming push requests, compressed and decompressed. Per-tenant override key: max_recv_msg_size.",
                 configPath: ["distributor", "max_recv_msg_size"], minimum: 1, isByteSize: true),
        LimitKey(yamlKey: "accept_ha_samples", flag: "distributor.ha-tracker.enable-for-all-users", kind: .bool(\.acceptHASamples),
                 help: "Flag to enable, for all tenants, handling of samples with external labels identifying replicas in an HA Prometheus setup."),
        LimitKey(yamlKey: "ha_cluster_label", flag: "distributor.ha-tracker.cluster", kind: .labelName(\.haClusterLabel),
                 help: "Prometheus label to look for in samples to identify a Prometheus HA cluster."),
        LimitKey(yamlKey: "ha_replica_label", flag: "distributor.ha-tracker.replica", kind: .labelName(\.haReplicaLabel),
                 help: "Prometheus label to look for in samples to identify a Prometheus HA replica."),
        LimitKey(yamlKey: "ha_max_clusters", flag: "distributor.ha-tracker.max-clusters", kind: .int(\.haMaxClusters),
                 help: "Maximum number of clusters that the HA tracker keeps track of for a single tenant. 0 to disable the limit."),
        LimitKey(yamlKey: "max_fetched_series_per_query", flag: QueryLimitError.maxFetchedSeriesFlag, kind: .int(\.maxFetchedSeriesPerQuery),
                 help: "The maximum number of unique series for which a query can fetch samples from ingesters and store-gateways. 0 to disable."),
        LimitKey(yamlKey: "max_fetched_chunk_bytes_per_query", flag: QueryLimitError.maxFetchedChunkBytesFlag,
                 kind: .int(\.maxFetchedChunkBytesPerQuery),
                 help: "The maximum size of all chunks in bytes that a query can fetch from ingesters and store-gateways. 0 to disable.",
                 isByteSize: true),
        LimitKey(yamlKey: "max_query_lookback", flag: "querier.max-query-lookback", kind: .duration(\.maxQueryLookback),
                 help: "Limit how long back data (series and metadata) can be queried, up until <lookback> duration ago. If the requested time range is outside the allowed range, the request will not fail but will be manipulated to only query data within the allowed time range. 0 to disable."),
        LimitKey(yamlKey: "max_partial_query_length", flag: QueryLimitError.maxPartialQueryLengthFlag, kind: .duration(\.maxPartialQueryLength),
                 help: "Limit the time range (end - start) that one selector of a query reads from storage, including the lookback and range of the selector. 0 to disable."),
        LimitKey(yamlKey: "max_total_query_length", flag: QueryLimitError.maxTotalQueryLengthFlag, kind: .duration(\.maxTotalQueryLength),
                 help: "Limit the total query time range (end - start time) of a range query. Checked before the query is evaluated. 0 to disable."),
        LimitKey(yamlKey: "compactor_blocks_retention_period", flag: "compactor.blocks-retention-period",
                 kind: .duration(\.compactorBlocksRetentionPeriod),
                 help: "Delete raw blocks containing samples older than the specified retention period. 0 to disable."),
        LimitKey(yamlKey: "compactor_blocks_retention_period_5m", flag: "compactor.blocks-retention-period.5m",
                 kind: .duration(\.compactorBlocksRetentionPeriod5m),
                 help: "Delete 5m-resolution (downsampled) blocks containing samples older than the specified retention period. 0 to disable."),
        LimitKey(yamlKey: "compactor_blocks_retention_period_1h", flag: "compactor.blocks-retention-period.1h",
                 kind: .duration(\.compactorBlocksRetentionPeriod1h),
                 help: "Delete 1h-resolution (downsampled) blocks containing samples older than the specified retention period. 0 to disable."),
        LimitKey(yamlKey: "compactor_split_and_merge_shards", flag: "compactor.split-and-merge-shards",
                 kind: .int(\.compactorSplitAndMergeShards),
                 help: "The number of shards to use when splitting blocks. 0 to disable splitting."),
        LimitKey(yamlKey: "max_query_parallelism", flag: "querier.max-query-parallelism", kind: .int(\.maxQueryParallelism),
                 help: "Maximum number of split (by time) or partial (by shard) queries that will be scheduled in parallel by the query-frontend for a single input query.",
                 minimum: 1),
        LimitKey(yamlKey: "max_queriers_per_tenant", flag: "query-frontend.max-queriers-per-tenant", kind: .int(\.maxQueriersPerTenant),
                 help: "Maximum number of queriers that can handle requests for a single tenant. If set to 0 or value higher than number of available queriers, *all* queriers will handle requests for the tenant."),
        LimitKey(yamlKey: "query_sharding_total_shards", flag: "query-frontend.query-sharding-total-shards",
                 kind: .int(\.queryShardingTotalShards),
                 help: "The amount of shards to use when doing parallelisation via query sharding by tenant. 0 to disable query sharding for tenant. Query sharding implementation will adjust the number of query shards based on compatibility with the query.",
                 maximum: QueryShard.maxShards),
        LimitKey(yamlKey: "query_sharding_max_sharded_queries", flag: "query-frontend.query-sharding-max-sharded-queries",
                 kind: .int(\.queryShardingMaxShardedQueries),
                 help: "The max number of sharded queries that can be run for a given received query. 0 to disable limit.",
                 maximum: 16_384),
        LimitKey(yamlKey: "results_cache_ttl", flag: "query-frontend.results-cache-ttl", kind: .duration(\.resultsCacheTTL),
                 help: "Time to live duration for cached query results."),
        LimitKey(yamlKey: "max_cache_freshness", flag: "query-frontend.max-cache-freshness", kind: .duration(\.maxCacheFreshness),
                 help: "Most recent allowed cacheable result per-tenant, to prevent caching very recent results that might still be in flux."),
        LimitKey(yamlKey: "otel_translation_strategy", flag: "distributor.otel-translation-strategy",
                 kind: .string(\.otelTranslationStrategy, allowed: ["UnderscoreEscapingWithSuffixes", "NoUTF8EscapingWithSuffixes"]),
                 help: "Translation strategy to apply in the OTLP endpoint for metric and label names. Supported values: UnderscoreEscapingWithSuffixes, NoUTF8EscapingWithSuffixes."),
        LimitKey(yamlKey: "promote_otel_resource_attributes", flag: "distributor.otel-promote-resource-attributes",
                 kind: .string(\.promoteOTelResourceAttributes, allowed: nil),
                 help: "Optionally specify OTel resource attributes to promote to labels (comma-separated)."),
        LimitKey(yamlKey: "blocked_queries", flag: "query-frontend.blocked-queries", kind: .blockedQueries(\.blockedQueries),
                 help: "List of queries to block, as YAML [{pattern: <text or regex>, regex: <bool>}]. A regex blocks every query it matches anywhere."),
    ]

    /// The entry for `yamlKey`, or nil.
    public static func named(_ yamlKey: String) -> LimitKey? {
        all.first { $0.yamlKey == yamlKey }
    }
}

/// Why a value of one limit was refused: what the limit takes and what it got.
///
/// The same text is given for a flag, a key of the config file and a key of the runtime overrides
/// file, because all three are read by `LimitKey.set(_:in:)`.
public struct LimitValueError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What the limit accepts, e.g. `a non-negative integer`.
    public let expected: String
    /// The value as given (quoted), with the parser's reason when it has one.
    public let got: String

    /// `expected <what>, got <value>`.
    public var description: String { "expected \(expected), got \(got)" }
}

extension LimitKey {
    /// What the limit accepts, as error messages say it.
    public var expectation: String {
        switch kind {
        case .double: return "a number"
        case .int:
            switch minimum {
            case 0: return "a non-negative integer"
            case 1: return "a positive integer"
            default: return "an integer of at least \(minimum)"
            }
        case .duration: return "a duration such as 10m or 1h30m"
        case .bool: return "true or false"
        case .labelName: return "a label name ([a-zA-Z_][a-zA-Z0-9_]*)"
        case .blockedQueries: return "a list of {pattern, regex} mappings"
        case .string(_, let allowed):
            return allowed.map { "one of " + $0.joined(separator: ", ") } ?? "a comma-separated list"
        }
    }

    /// Parses `text` and stores it in `limits`; on error `limits` is unchanged.
    ///
    /// The only parser of limit values: flags, the config file and the runtime overrides file all
    /// call it, so they accept and refuse the same values with the same message. Surrounding
    /// whitespace is ignored. Negative numbers and durations are refused: no limit gives them a
    /// meaning (0 is how a limit is disabled), and accepting `-1` in one place but not another
    /// made a flag that worked fail as an override.
    public func set(_ text: String, in limits: inout Limits) throws(LimitValueError) {
        let value = Self.trimmed(text)
        let got = quoteLabelValue(value)
        switch kind {
        case .double(let field):
            guard let number = Double(value), number.isFinite else {
                throw LimitValueError(expected: expectation, got: got)
            }
            if number < 0 { throw LimitValueError(expected: "a non-negative number", got: got) }
            limits[keyPath: field] = number
        case .int(let field):
            guard let number = Int(value), number >= minimum else {
                throw LimitValueError(expected: expectation, got: got)
            }
            if number > maximum { throw LimitValueError(expected: "at most \(maximum)", got: got) }
            limits[keyPath: field] = number
        case .duration(let field):
            let duration: Duration
            do {
                duration = try GoDuration.parseThrowing(value)
            } catch {
                throw LimitValueError(expected: expectation, got: "\(got) (\(error))")
            }
            if duration < .zero { throw LimitValueError(expected: expectation, got: got) }
            limits[keyPath: field] = duration
        case .bool(let field):
            // Go's strconv.ParseBool, which Mimir's flags and YAML both use.
            switch value {
            case "1", "t", "T", "true", "TRUE", "True": limits[keyPath: field] = true
            case "0", "f", "F", "false", "FALSE", "False": limits[keyPath: field] = false
            default: throw LimitValueError(expected: expectation, got: got)
            }
        case .labelName(let field):
            guard Limits.isLabelName(value) else { throw LimitValueError(expected: expectation, got: got) }
            limits[keyPath: field] = value
        case .blockedQueries(let field):
            limits[keyPath: field] = try BlockedQuery.list(text: value)
        case .string(let field, let allowed):
            if let allowed {
                guard allowed.contains(value) else { throw LimitValueError(expected: expectation, got: got) }
                limits[keyPath: field] = value
            } else {
                limits[keyPath: field] = value.split(separator: ",").map { Self.trimmed(String($0)) }
                    .filter { !$0.isEmpty }.joined(separator: ",")
            }
        }
    }

    /// The value in `limits` as `-print.config` and `/runtime_config` print it (Mimir's forms:
    /// floats with Go's `%v`, durations in Prometheus notation such as `10m`).
    public func format(_ limits: Limits) -> String {
        switch kind {
        case .double(let field): return formatGoFloat(limits[keyPath: field])
        case .int(let field): return String(limits[keyPath: field])
        case .duration(let field): return GoDuration.format(limits[keyPath: field])
        case .bool(let field): return limits[keyPath: field] ? "true" : "false"
        case .labelName(let field): return limits[keyPath: field]
        case .blockedQueries(let field): return BlockedQuery.format(limits[keyPath: field])
        case .string(let field, _): return limits[keyPath: field]
        }
    }

    private static func trimmed(_ text: String) -> String {
        var s = Substring(text)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
