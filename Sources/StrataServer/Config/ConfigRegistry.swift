import StrataLimits
import StrataModel
import StrataObjstore

/// Every setting of Strata, in the order `-help` and `-print.config` show them.
///
/// Names are Mimir's wherever Mimir has the same setting, so an operator's flags and YAML carry
/// over. Settings Mimir lacks use Mimir's naming style and are marked in docs/configuration.md.
enum ConfigRegistry {
    static let fields: [ConfigField] = [
        .string("target", ["target"], \.target,
                "Comma-separated list of components to run: all, distributor, ingester, querier, query-frontend, store-gateway, compactor. The default runs every component in one process."),
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

    ] + limitFields + [
        .string("blocks-storage.tsdb.dir", ["blocks_storage", "tsdb", "dir"], \.tsdb.dir,
                "Directory to store TSDBs (including the WAL) in the ingesters; one subdirectory per tenant."),
        .duration("blocks-storage.tsdb.block-ranges-period", ["blocks_storage", "tsdb", "block_ranges_period"], \.tsdb.blockRangesPeriod,
                  "TSDB block range period. Samples older than the head's newest sample minus half of it are refused as too old."),
        .int("blocks-storage.tsdb.samples-per-chunk", ["blocks_storage", "tsdb", "samples_per_chunk"], \.tsdb.samplesPerChunk,
             "Samples after which the ingester closes a series' chunk in its head and starts a new one; blocks keep these chunks only with -blocks-storage.tsdb.block-samples-per-chunk=0. More samples per chunk store fewer bytes per sample; a query reading one sample decodes more (1 to 65535)."),
        .int("blocks-storage.tsdb.block-samples-per-chunk", ["blocks_storage", "tsdb", "block_samples_per_chunk"], \.tsdb.blockSamplesPerChunk,
             "Samples per chunk in the blocks the ingester cuts: each series' head chunks are merged into chunks of this many samples, which store fewer bytes per sample and read long ranges faster; 0 keeps the head's chunks (0, or 1 to 65535)."),
        .int("blocks-storage.tsdb.wal-segment-size-bytes", ["blocks_storage", "tsdb", "wal_segment_size_bytes"], \.tsdb.walSegmentSizeBytes,
             "TSDB WAL segment files max size (bytes).", kind: .bytes),
        .duration("blocks-storage.tsdb.wal-checkpoint-interval", ["blocks_storage", "tsdb", "wal_checkpoint_interval"], \.tsdb.walCheckpointInterval,
                  "How often the ingester checks whether a tenant's WAL has grown enough to write a checkpoint (bounds replay time)."),

        .duration("blocks-storage.tsdb.head-compaction-interval", ["blocks_storage", "tsdb", "head_compaction_interval"], \.tsdb.headCompactionInterval,
                  "How frequently the ingester checks whether a tenant's head spans enough time to cut a block."),
        .duration("blocks-storage.tsdb.ship-interval", ["blocks_storage", "tsdb", "ship_interval"], \.tsdb.shipInterval,
                  "How frequently the ingester uploads new blocks to the object storage."),
        .duration("blocks-storage.tsdb.retention-period", ["blocks_storage", "tsdb", "retention_period"], \.tsdb.retentionPeriod,
                  "How long the ingester keeps a block on local disk after it was shipped, counted from the block's end; keep it above -querier.query-store-after."),

        .bool("blocks-storage.tsdb.flush-blocks-on-shutdown", ["blocks_storage", "tsdb", "flush_blocks_on_shutdown"], \.tsdb.flushBlocksOnShutdown,
              "True to flush blocks to storage on shutdown. If false, incomplete blocks will be reused after restart."),

        .string("blocks-storage.backend", ["blocks_storage", "backend"], \.bucket.backendName,
                "Backend storage to use. Supported backends are: filesystem, s3.", allowed: BucketConfig.Backend.allCases.map(\.rawValue)),
        .string("blocks-storage.filesystem.dir", ["blocks_storage", "filesystem", "dir"], \.bucket.filesystem.dir,
                "Local filesystem storage directory."),
        .string("blocks-storage.s3.endpoint", ["blocks_storage", "s3", "endpoint"], \.bucket.s3.endpoint,
                "The S3 bucket endpoint (host[:port], no scheme). Empty: AWS S3 in the configured region."),
        .string("blocks-storage.s3.region", ["blocks_storage", "s3", "region"], \.bucket.s3.region,
                "S3 region (signing region; us-east-1 when empty)."),
        .string("blocks-storage.s3.bucket-name", ["blocks_storage", "s3", "bucket_name"], \.bucket.s3.bucketName,
                "S3 bucket name."),
        .string("blocks-storage.s3.access-key-id", ["blocks_storage", "s3", "access_key_id"], \.bucket.s3.accessKeyID,
                "S3 access key ID (empty: AWS_ACCESS_KEY_ID)."),
        .string("blocks-storage.s3.secret-access-key", ["blocks_storage", "s3", "secret_access_key"], \.bucket.s3.secretAccessKey,
                "S3 secret access key (empty: AWS_SECRET_ACCESS_KEY).", secret: true),
        .string("blocks-storage.s3.session-token", ["blocks_storage", "s3", "session_token"], \.bucket.s3.sessionToken,
                "S3 session token (empty: AWS_SESSION_TOKEN).", secret: true),
        .bool("blocks-storage.s3.insecure", ["blocks_storage", "s3", "insecure"], \.bucket.s3.insecure,
              "If enabled, use http:// for the S3 endpoint instead of https://."),
        .string("blocks-storage.s3.bucket-lookup-type", ["blocks_storage", "s3", "bucket_lookup_type"], \.bucket.s3.lookupTypeName,
                "Bucket lookup style: auto, path or virtual-hosted.", allowed: BucketLookupType.allCases.map(\.rawValue)),
        .int("blocks-storage.s3.max-retries", ["blocks_storage", "s3", "max_retries"], \.bucket.s3.maxRetries,
             "Retries of a failed S3 request after the first attempt (5xx, 429, resets, timeouts)."),
        .duration("blocks-storage.s3.request-timeout", ["blocks_storage", "s3", "request_timeout"], \.bucket.s3.requestTimeout,
                  "Time limit of one attempt of one S3 request."),
        .int("blocks-storage.s3.upload-concurrency", ["blocks_storage", "s3", "upload_concurrency"], \.bucket.s3.uploadConcurrency,
             "Parts of one multipart upload sent in parallel."),
        .int("blocks-storage.s3.part-size", ["blocks_storage", "s3", "part_size"], \.bucket.s3.partSize,
             "Multipart upload part size in bytes (at least 5 MiB); larger objects upload in parts.", kind: .bytes),

        .string("blocks-storage.bucket-store.sync-dir", ["blocks_storage", "bucket_store", "sync_dir"], \.bucketStore.syncDir,
                "Directory to store synchronized TSDB index headers (store-gateway)."),
        .duration("blocks-storage.bucket-store.sync-interval", ["blocks_storage", "bucket_store", "sync_interval"], \.bucketStore.syncInterval,
                  "How frequently the store-gateway scans the bucket (bucket indexes) for new and deleted blocks."),
        .duration("blocks-storage.bucket-store.ignore-deletion-marks-delay", ["blocks_storage", "bucket_store", "ignore_deletion_mark_delay"],
                  \.bucketStore.ignoreDeletionMarksDelay,
                  "Duration after which the blocks marked for deletion will be filtered out while fetching blocks. The idea of ignore-deletion-marks-delay is to ignore blocks that are marked for deletion with some delay. This ensures store can still serve blocks that are meant to be deleted but do not have a replacement yet."),
        .int("blocks-storage.bucket-store.index-cache.inmemory.max-size-bytes", ["blocks_storage", "bucket_store", "index_cache", "inmemory", "max_size_bytes"],
             \.bucketStore.indexCacheBytes, "Maximum size in bytes of the store-gateway's in-memory cache of postings and series.", kind: .bytes),
        .int("blocks-storage.bucket-store.chunks-cache.inmemory.max-size-bytes", ["blocks_storage", "bucket_store", "chunks_cache", "inmemory", "max_size_bytes"],
             \.bucketStore.chunksCacheBytes, "Maximum size in bytes of the store-gateway's in-memory chunks cache.", kind: .bytes),
        .int("blocks-storage.bucket-store.series-hash-cache-max-size-bytes", ["blocks_storage", "bucket_store", "series_hash_cache_max_size_bytes"],
             \.bucketStore.seriesHashCacheBytes, "Max size - in bytes - of the in-memory series hash cache. The cache is shared across all tenants and it's used only when query sharding is enabled.", kind: .bytes),
        .duration("blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout", ["blocks_storage", "bucket_store", "index_header", "lazy_loading_idle_timeout"],
                  \.bucketStore.indexHeaderIdleTimeout, "An index-header not used for this long is released from memory (it stays on disk)."),

        .duration("querier.lookback-delta", ["querier", "lookback_delta"], \.querier.lookbackDelta,
                  "Time since the last sample after which a time series is considered stale and ignored by expression evaluations."),
        .int("querier.max-samples", ["querier", "max_samples"], \.querier.maxSamples,
             "Maximum number of samples a single query can load into memory."),
        .duration("querier.timeout", ["querier", "timeout"], \.querier.timeout,
                  "The timeout for a query. A request's own timeout parameter can only shorten it."),
        .int("querier.evaluation-parallelism", ["querier", "evaluation_parallelism"], \.querier.evaluationParallelism,
             "Most tasks one query evaluates on at once where its work splits across series (range functions and aggregations over large selections). 0 means one per processor core, up to 8; 1 evaluates each query on one task, as Prometheus and Mimir do (Strata only)."),
        .bool("querier.promql-experimental-functions-enabled", ["querier", "promql_experimental_functions_enabled"],
              \.querier.promqlExperimentalFunctionsEnabled,
              "Enable experimental PromQL functions and aggregations (those behind Prometheus's promql-experimental-functions feature flag)."),

        .duration("querier.query-ingesters-within", ["querier", "query_ingesters_within"], \.querier.queryIngestersWithin,
                  "Maximum lookback beyond which queries are not sent to ingesters. 0 means all queries are sent to ingesters."),
        .duration("querier.query-store-after", ["querier", "query_store_after"], \.querier.queryStoreAfter,
                  "The time after which a metric should be queried from storage and not just ingesters. 0 means all queries are sent to the store."),
        .duration("querier.delete-requests-refresh-interval", ["querier", "delete_requests_refresh_interval"],
                  \.querier.deleteRequestsRefreshInterval,
                  "How long a querier applies a tenant's delete requests before reading them from the bucket again. The process that records or cancels a request applies the change at once; others within this interval (Strata only)."),
        .int("querier.max-pending-delete-requests", ["querier", "max_pending_delete_requests"], \.querier.maxPendingDeleteRequests,
             "Most pending delete requests a tenant may have; more are refused with 429 (Strata only)."),

    ] + ringFields(.ingester, flag: "ingester.ring", yaml: ["ingester", "ring"], members: "ingesters", withIngesterOptions: true)
      + ringFields(.storeGateway, flag: "store-gateway.sharding-ring", yaml: ["store_gateway", "sharding_ring"], members: "store-gateways")
      + ringFields(.distributor, flag: "distributor.ring", yaml: ["distributor", "ring"], members: "distributors")
      + compactorFields + frontendFields + bucketStoreCacheFields
      + ringFields(.compactor, flag: "compactor.ring", yaml: ["compactor", "sharding_ring"], members: "compactors") + [
        .duration("distributor.remote-timeout", ["distributor", "remote_timeout"], \.distributor.remoteTimeout,
                  "Timeout for downstream ingesters."),
        .bool("distributor.ha-tracker.enable", ["distributor", "ha_tracker", "enable_ha_tracker"], \.distributor.haTracker.enabled,
              "Enable the HA tracker so that it can accept samples from Prometheus HA replicas gracefully (requires labels); per tenant also accept_ha_samples."),
        .duration("distributor.ha-tracker.update-timeout", ["distributor", "ha_tracker", "ha_tracker_update_timeout"],
                  \.distributor.haTracker.updateTimeout, "Update the timestamp in the KV store for a given cluster/replica only after this amount of time has passed since the current stored timestamp."),
        .duration("distributor.ha-tracker.update-timeout-jitter-max", ["distributor", "ha_tracker", "ha_tracker_update_timeout_jitter_max"],
                  \.distributor.haTracker.updateTimeoutJitterMax, "Maximum jitter applied to the update timeout, in order to spread the HA heartbeats over time."),
        .duration("distributor.ha-tracker.failover-timeout", ["distributor", "ha_tracker", "ha_tracker_failover_timeout"],
                  \.distributor.haTracker.failoverTimeout, "If we don't receive any samples from the accepted replica for a cluster in this amount of time we will failover to the next replica we receive a sample from. This value must be greater than the update timeout."),
        .string("distributor.ha-tracker.store", ["distributor", "ha_tracker", "kvstore", "store"], \.distributor.haTracker.store,
                "Backend storage to use for the HA tracker's elections. Supported values are: etcd, inmemory.", allowed: ["inmemory", "etcd"]),
        .string("distributor.ha-tracker.prefix", ["distributor", "ha_tracker", "kvstore", "prefix"], \.distributor.haTracker.prefix,
                "The prefix for the keys in the store. Should end with a /."),
        .string("distributor.ha-tracker.etcd.endpoints", ["distributor", "ha_tracker", "kvstore", "etcd", "endpoints"],
                \.distributor.haTracker.etcdEndpoints, "The etcd endpoints to connect to (comma-separated host:port or http://host:port)."),
        .duration("distributor.ha-tracker.etcd.dial-timeout", ["distributor", "ha_tracker", "kvstore", "etcd", "dial_timeout"],
                  \.distributor.haTracker.etcdDialTimeout, "The dial timeout for the etcd connection."),
        .int("distributor.ha-tracker.etcd.max-retries", ["distributor", "ha_tracker", "kvstore", "etcd", "max_retries"],
             \.distributor.haTracker.etcdMaxRetries, "The maximum number of retries to do for failed ops."),

        .string("runtime-config.file", ["runtime_config", "file"], \.runtimeConfig.file,
                "Path to the runtime configuration file with per-tenant limit overrides (Mimir's `overrides:` format). Empty: none."),
        .duration("runtime-config.reload-period", ["runtime_config", "period"], \.runtimeConfig.period,
                  "How often to check the runtime config file for changes."),
    ]

    /// `compactor:` settings, Mimir's names; the downsampling ones are Strata's (Mimir has none).
    static let compactorFields: [ConfigField] = [
        .string("compactor.data-dir", ["compactor", "data_dir"], \.compactor.dataDirectory,
                "Directory to temporarily store blocks during compaction. This directory is not required to be persisted between restarts."),
        .duration("compactor.compaction-interval", ["compactor", "compaction_interval"], \.compactor.compactionInterval,
                  "The frequency at which the compaction runs."),
        .durationList("compactor.block-ranges", ["compactor", "block_ranges"], \.compactor.blockRanges,
                      "List of compaction time ranges."),
        .duration("compactor.deletion-delay", ["compactor", "deletion_delay"], \.compactor.deletionDelay,
                  "Time before a block marked for deletion is deleted from the bucket. Keep it above -blocks-storage.bucket-store.ignore-deletion-marks-delay plus the store-gateways' sync interval, so no query misses data."),
        .duration("compactor.partial-block-deletion-delay", ["compactor", "partial_block_deletion_delay"], \.compactor.partialBlockDeletionDelay,
                  "If a partial block (unfinished block without meta.json) has not been modified for this time, it is deleted. 0 disables the deletion of partial blocks."),
        .int("compactor.compaction-concurrency", ["compactor", "compaction_concurrency"], \.compactor.compactionConcurrency,
             "Max number of concurrent compactions running."),
        .duration("compactor.first-level-compaction-wait-period", ["compactor", "first_level_compaction_wait_period"],
                  \.compactor.firstLevelCompactionWaitPeriod,
                  "How long the compactor waits before compacting first-level blocks that are uploaded by the ingesters. This configuration option allows for the reduction of cases where the compactor begins to compact blocks before all ingesters have uploaded their blocks to the storage."),
        .int("compactor.samples-per-chunk", ["compactor", "samples_per_chunk"], \.compactor.samplesPerChunk,
             "Samples per chunk in the blocks the compactor writes (1 to 65535)."),
        .int("compactor.tenant-concurrency", ["compactor", "tenant_concurrency"], \.compactor.tenantConcurrency,
             "Tenants compacted at the same time by one compactor."),
        .duration("compactor.delete-requests-settle-period", ["compactor", "delete_requests_settle_period"],
                  \.compactor.deleteRequestsSettlePeriod,
                  "A delete request stays pending, and the compactor keeps rewriting new blocks holding samples it covers, until its end time is this much older than now; keep it above the ingesters' block range plus their ship interval (Strata only)."),
        .bool("compactor.downsampling-enabled", ["compactor", "downsampling_enabled"], \.compactor.downsamplingEnabled,
              "Downsample old raw data to 5m and 1h resolution blocks (Thanos's aggregate chunks)."),
        .duration("compactor.downsampling.5m-block-range", ["compactor", "downsampling", "block_range_5m"], \.compactor.fiveMinuteBlockRange,
                  "Aligned time window of one 5m-resolution block."),
        .duration("compactor.downsampling.1h-block-range", ["compactor", "downsampling", "block_range_1h"], \.compactor.oneHourBlockRange,
                  "Aligned time window of one 1h-resolution block."),
        .duration("compactor.downsampling.5m-min-source-range", ["compactor", "downsampling", "min_source_range_5m"],
                  \.compactor.fiveMinuteMinSourceRange, "Least time span of raw data in a window for it to be downsampled to 5m (Thanos: 40h)."),
        .duration("compactor.downsampling.1h-min-source-range", ["compactor", "downsampling", "min_source_range_1h"],
                  \.compactor.oneHourMinSourceRange, "Least time span of 5m data in a window for it to be downsampled to 1h (Thanos: 10 days)."),
    ]

    /// The flags and keys of one ring, Mimir's names under `flag` and `yaml`.
    /// `withIngesterOptions` adds those only the ingester ring has (tokens count, unregister on
    /// shutdown); replication factor and zone awareness belong to the rings that replicate data.
    static func ringFields(_ name: StrataConfig.RingName, flag f: String, yaml y: [String], members: String,
                           withIngesterOptions: Bool = false) -> [ConfigField] {
        var fields: [ConfigField] = [
            .string("\(f).store", y + ["kvstore", "store"], \StrataConfig.[ring: name].store,
                    "Backend storage to use for the ring. Supported values are: etcd, inmemory.", allowed: ["inmemory", "etcd"]),
            .string("\(f).prefix", y + ["kvstore", "prefix"], \StrataConfig.[ring: name].prefix,
                    "The prefix for the keys in the store. Should end with a /."),
            .string("\(f).etcd.endpoints", y + ["kvstore", "etcd", "endpoints"], \StrataConfig.[ring: name].etcdEndpoints,
                    "The etcd endpoints to connect to (comma-separated host:port or http://host:port)."),
            .duration("\(f).etcd.dial-timeout", y + ["kvstore", "etcd", "dial_timeout"], \StrataConfig.[ring: name].etcdDialTimeout,
                      "The dial timeout for the etcd connection."),
            .int("\(f).etcd.max-retries", y + ["kvstore", "etcd", "max_retries"], \StrataConfig.[ring: name].etcdMaxRetries,
                 "The maximum number of retries to do for failed ops."),
        ]
        if name != .distributor && name != .compactor {
            fields += [
                .int("\(f).replication-factor", y + ["replication_factor"], \StrataConfig.[ring: name].replicationFactor,
                     name == .ingester ? "Number of ingesters that each time series is replicated to."
                         : "The replication factor to use when sharding blocks."),
                .bool("\(f).zone-awareness-enabled", y + ["zone_awareness_enabled"], \StrataConfig.[ring: name].zoneAwarenessEnabled,
                      "True to enable zone-awareness and replicate across different availability zones."),
            ]
        }
        fields += [
            .duration("\(f).heartbeat-period", y + ["heartbeat_period"], \StrataConfig.[ring: name].heartbeatPeriod,
                      "Period at which to heartbeat to the ring."),
            .duration("\(f).heartbeat-timeout", y + ["heartbeat_timeout"], \StrataConfig.[ring: name].heartbeatTimeout,
                      "The heartbeat timeout after which \(members) are considered unhealthy within the ring. 0 = never."),
            .string("\(f).instance-id", y + ["instance_id"], \StrataConfig.[ring: name].instanceID,
                    "Instance ID to register in the ring (empty: the hostname)."),
            .string("\(f).instance-addr", y + ["instance_addr"], \StrataConfig.[ring: name].instanceAddr,
                    "IP address to advertise in the ring (empty: the gRPC listen address, or 127.0.0.1)."),
            .int("\(f).instance-port", y + ["instance_port"], \StrataConfig.[ring: name].instancePort,
                 "Port to advertise in the ring (0: the gRPC listen port)."),
            .string("\(f).instance-availability-zone", y + ["instance_availability_zone"], \StrataConfig.[ring: name].zone,
                    "The availability zone where this instance is running."),
        ]
        if name != .distributor {
            fields.append(.string("\(f).tokens-file-path", y + ["tokens_file_path"], \StrataConfig.[ring: name].tokensFilePath,
                                  "File path where tokens are stored. If empty, tokens are not stored at shutdown and restored at startup."))
        }
        if withIngesterOptions {
            fields += [
                .int("\(f).num-tokens", y + ["num_tokens"], \StrataConfig.[ring: name].numTokens,
                     "Number of tokens for each ingester."),
                .bool("\(f).unregister-on-shutdown", y + ["unregister_on_shutdown"], \StrataConfig.[ring: name].unregisterOnShutdown,
                      "Unregister from the ring upon clean shutdown."),
            ]
        }
        return fields
    }

    /// The per-tenant limits, one field per `LimitKey`: flag, YAML key, help, default and parser
    /// all come from that table, so a flag, the config file and the runtime overrides file accept
    /// and refuse the same values. Keys kept outside `limits:` (`distributor.max_recv_msg_size`)
    /// come first so that their block keeps its place in `-print.config`.
    static let limitFields: [ConfigField] =
        (LimitKey.all.filter { $0.configPath.first != "limits" } + LimitKey.all.filter { $0.configPath.first == "limits" })
            .map(ConfigField.limit)

    /// Fields by flag name.
    static let byFlag: [String: ConfigField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.flag, $0) })

    /// Fields by dotted YAML path.
    static let byYAMLKey: [String: ConfigField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.yamlKey, $0) })
}

extension ConfigField {
    /// The field of one per-tenant limit, read and printed by the limit's own parser and printer.
    static func limit(_ key: LimitKey) -> ConfigField {
        let kind: Kind = switch key.kind {
        case .double: .float
        case .int: key.isByteSize ? .bytes : .int
        case .duration: .duration
        case .bool: .bool
        case .labelName, .blockedQueries, .string: .string
        }
        var acceptsList = false
        if case .blockedQueries = key.kind { acceptsList = true }
        return ConfigField(flag: key.flag, yamlPath: key.configPath, help: key.help, kind: kind, acceptsYAMLList: acceptsList,
                           get: { key.format($0.limits) }) { (c: inout StrataConfig, v: String) throws(ConfigValueError) in
            do throws(LimitValueError) {
                try key.set(v, in: &c.limits)
            } catch {
                throw ConfigValueError(reason: error.description)
            }
        }
    }
}
