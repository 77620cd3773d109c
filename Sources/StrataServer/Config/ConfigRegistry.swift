import StrataModel

/// Every setting of Strata, in the order `-help` and `-print.config` show them.
///
/// Names are Mimir's wherever Mimir has the same setting, so an operator's flags and YAML carry
/// over. Settings Mimir lacks use Mimir's naming style and are marked in docs/configuration.md.
enum ConfigRegistry {
    static let fields: [ConfigField] = [
        .string("target", ["target"], \.target,
                "Comma-separated list of components to run: all, distributor, ingester. The default runs every component in one process."),
        .bool("auth.multitenancy-enabled", ["multitenancy_enabled"], \.multitenancyEnabled,
              "When true, every request must carry the X-Scope-OrgID header naming its tenant; when false, every request belongs to -auth.no-auth-tenant."),
        .string("auth.no-auth-tenant", ["no_auth_tenant"], \.noAuthTenant,
                "Tenant ID used for every request when multitenancy is disabled."),

        .string("server.http-listen-address", ["server", "http_listen_address"], \.server.httpListenAddress,
                "HTTP server listen address (empty: all interfaces)."),
        .int("server.http-listen-port", ["server", "http_listen_port"], \.server.httpListenPort,
             "HTTP server listen port."),
        .string("server.grpc-listen-address", ["server", "grpc_listen_address"], \.server.grpcListenAddress,
                "gRPC server listen address (reserved for the cluster RPC; not opened by a single-process Strata)."),
        .int("server.grpc-listen-port", ["server", "grpc_listen_port"], \.server.grpcListenPort,
             "gRPC server listen port (reserved for the cluster RPC; not opened by a single-process Strata)."),
        .duration("server.graceful-shutdown-timeout", ["server", "graceful_shutdown_timeout"], \.server.gracefulShutdownTimeout,
                  "How long to wait for in-flight requests to finish after SIGTERM before the process stops anyway."),
        .string("log.level", ["server", "log_level"], \.server.logLevel,
                "Only log messages with the given severity or above. Valid levels: [debug, info, warn, error]",
                allowed: ["debug", "info", "warn", "error"]),
        .string("log.format", ["server", "log_format"], \.server.logFormat,
                "Output log messages in the given format. Valid formats: [logfmt, json]", allowed: ["logfmt", "json"]),

        .int("distributor.max-recv-msg-size", ["distributor", "max_recv_msg_size"], \.limits.maxRecvMsgSize,
             "Max message size in bytes that the distributors will accept for incoming push requests, compressed and decompressed. Per-tenant override key: max_recv_msg_size.",
             kind: .bytes),
        .float("distributor.ingestion-rate-limit", ["limits", "ingestion_rate"], \.limits.ingestionRate,
               "Per-tenant ingestion rate limit in samples per second (samples, exemplars and metadata count)."),
        .int("distributor.ingestion-burst-size", ["limits", "ingestion_burst_size"], \.limits.ingestionBurstSize,
             "Per-tenant allowed ingestion burst size (in number of samples)."),
        .int("ingester.max-global-series-per-user", ["limits", "max_global_series_per_user"], \.limits.maxGlobalSeriesPerUser,
             "The maximum number of in-memory series per tenant. 0 to disable."),
        .int("ingester.max-global-series-per-metric", ["limits", "max_global_series_per_metric"], \.limits.maxGlobalSeriesPerMetric,
             "The maximum number of in-memory series per metric name, per tenant. 0 to disable."),
        .int("validation.max-label-names-per-series", ["limits", "max_label_names_per_series"], \.limits.maxLabelNamesPerSeries,
             "Maximum number of label names per series."),
        .int("validation.max-length-label-name", ["limits", "max_label_name_length"], \.limits.maxLabelNameLength,
             "Maximum length accepted for label names."),
        .int("validation.max-length-label-value", ["limits", "max_label_value_length"], \.limits.maxLabelValueLength,
             "Maximum length accepted for label value. This setting also applies to the metric name."),
        .duration("validation.create-grace-period", ["limits", "creation_grace_period"], \.limits.creationGracePeriod,
                  "Controls how far into the future incoming samples are accepted compared to the wall clock."),
        .duration("validation.past-grace-period", ["limits", "past_grace_period"], \.limits.pastGracePeriod,
                  "Controls how far into the past incoming samples are accepted compared to the wall clock. 0 to disable."),

        .string("blocks-storage.tsdb.dir", ["blocks_storage", "tsdb", "dir"], \.tsdb.dir,
                "Directory to store TSDBs (including the WAL) in the ingesters; one subdirectory per tenant."),
        .duration("blocks-storage.tsdb.block-ranges-period", ["blocks_storage", "tsdb", "block_ranges_period"], \.tsdb.blockRangesPeriod,
                  "TSDB block range period. Samples older than the head's newest sample minus half of it are refused as too old."),
        .int("blocks-storage.tsdb.wal-segment-size-bytes", ["blocks_storage", "tsdb", "wal_segment_size_bytes"], \.tsdb.walSegmentSizeBytes,
             "TSDB WAL segment files max size (bytes).", kind: .bytes),
        .duration("blocks-storage.tsdb.wal-checkpoint-interval", ["blocks_storage", "tsdb", "wal_checkpoint_interval"], \.tsdb.walCheckpointInterval,
                  "How often the ingester checks whether a tenant's WAL has grown enough to write a checkpoint (bounds replay time)."),

        .duration("querier.lookback-delta", ["querier", "lookback_delta"], \.querier.lookbackDelta,
                  "Time since the last sample after which a time series is considered stale and ignored by expression evaluations."),
        .int("querier.max-samples", ["querier", "max_samples"], \.querier.maxSamples,
             "Maximum number of samples a single query can load into memory."),
        .duration("querier.timeout", ["querier", "timeout"], \.querier.timeout,
                  "The timeout for a query. A request's own timeout parameter can only shorten it."),
        .bool("querier.promql-experimental-functions-enabled", ["querier", "promql_experimental_functions_enabled"],
              \.querier.promqlExperimentalFunctionsEnabled,
              "Enable experimental PromQL functions and aggregations (those behind Prometheus's promql-experimental-functions feature flag)."),

        .string("runtime-config.file", ["runtime_config", "file"], \.runtimeConfig.file,
                "Path to the runtime configuration file with per-tenant limit overrides (Mimir's `overrides:` format). Empty: none."),
        .duration("runtime-config.reload-period", ["runtime_config", "period"], \.runtimeConfig.period,
                  "How often to check the runtime config file for changes."),
    ]

    /// Fields by flag name.
    static let byFlag: [String: ConfigField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.flag, $0) })

    /// Fields by dotted YAML path.
    static let byYAMLKey: [String: ConfigField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.yamlKey, $0) })
}
