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
    /// How far in the past a sample may be; zero disables the check.
    /// YAML `past_grace_period`, flag `-validation.past-grace-period`.
    public var pastGracePeriod: Duration = .zero
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

    /// Mimir's defaults.
    public init() {}
}

/// One configurable limit: its YAML key, its flag and the kind of value it takes.
///
/// Kept as a table (rather than a `switch` per use) so that YAML parsing, `-print.config`, flag
/// registration and docs cannot disagree about names.
public struct LimitKey: Sendable {
    /// What kind of YAML scalar the key takes.
    public enum Kind: Sendable {
        /// A number (YAML int or float), printed with Go's `%v`.
        case double(any WritableKeyPath<Limits, Double> & Sendable)
        /// A non-negative integer.
        case int(any WritableKeyPath<Limits, Int> & Sendable)
        /// A Prometheus duration such as `10m`, printed the same way.
        case duration(any WritableKeyPath<Limits, Duration> & Sendable)
        /// `true` or `false`.
        case bool(any WritableKeyPath<Limits, Bool> & Sendable)
        /// A label name (non-empty).
        case labelName(any WritableKeyPath<Limits, String> & Sendable)
    }

    /// The YAML key, e.g. `ingestion_rate`.
    public let yamlKey: String
    /// The flag without its dash, e.g. `distributor.ingestion-rate-limit`.
    public let flag: String
    /// The field and its type.
    public let kind: Kind

    /// Every limit, in the order `-print.config` shows them.
    public static let all: [LimitKey] = [
        LimitKey(yamlKey: "ingestion_rate", flag: "distributor.ingestion-rate-limit", kind: .double(\.ingestionRate)),
        LimitKey(yamlKey: "ingestion_burst_size", flag: "distributor.ingestion-burst-size", kind: .int(\.ingestionBurstSize)),
        LimitKey(yamlKey: "max_global_series_per_user", flag: "ingester.max-global-series-per-user", kind: .int(\.maxGlobalSeriesPerUser)),
        LimitKey(yamlKey: "max_global_series_per_metric", flag: "ingester.max-global-series-per-metric", kind: .int(\.maxGlobalSeriesPerMetric)),
        LimitKey(yamlKey: "max_label_names_per_series", flag: "validation.max-label-names-per-series", kind: .int(\.maxLabelNamesPerSeries)),
        LimitKey(yamlKey: "max_label_name_length", flag: "validation.max-length-label-name", kind: .int(\.maxLabelNameLength)),
        LimitKey(yamlKey: "max_label_value_length", flag: "validation.max-length-label-value", kind: .int(\.maxLabelValueLength)),
        LimitKey(yamlKey: "creation_grace_period", flag: "validation.create-grace-period", kind: .duration(\.creationGracePeriod)),
        LimitKey(yamlKey: "past_grace_period", flag: "validation.past-grace-period", kind: .duration(\.pastGracePeriod)),
        LimitKey(yamlKey: "max_recv_msg_size", flag: "distributor.max-recv-msg-size", kind: .int(\.maxRecvMsgSize)),
        LimitKey(yamlKey: "accept_ha_samples", flag: "distributor.ha-tracker.enable-for-all-users", kind: .bool(\.acceptHASamples)),
        LimitKey(yamlKey: "ha_cluster_label", flag: "distributor.ha-tracker.cluster", kind: .labelName(\.haClusterLabel)),
        LimitKey(yamlKey: "ha_replica_label", flag: "distributor.ha-tracker.replica", kind: .labelName(\.haReplicaLabel)),
        LimitKey(yamlKey: "ha_max_clusters", flag: "distributor.ha-tracker.max-clusters", kind: .int(\.haMaxClusters)),
    ]

    /// The entry for `yamlKey`, or nil.
    public static func named(_ yamlKey: String) -> LimitKey? {
        all.first { $0.yamlKey == yamlKey }
    }
}
