/// Settings of the PromQL engine that an operator tunes with flags.
public struct EngineOptions: Sendable {
    /// How far back an instant selector looks for a sample (`-querier.lookback-delta`), ms.
    public var lookbackDelta: Int64 = 5 * 60 * 1000
    /// Most samples a query may hold in memory at once (`-querier.max-samples`).
    public var maxSamples: Int = 50_000_000
    /// Longest a query may run (`-querier.timeout`).
    public var timeout: Duration = .seconds(120)
    /// Step of subqueries written without one (`[1h:]`), ms — Prometheus's default evaluation
    /// interval, 1m.
    public var defaultSubqueryStep: Int64 = 60 * 1000
    /// Allows the functions and aggregations Prometheus puts behind
    /// `--enable-feature=promql-experimental-functions` (`-querier.promql-experimental-functions-enabled`).
    public var experimentalFunctions: Bool = false
    /// Most tasks one query may use for the parts of its evaluation that split across series
    /// (range functions and aggregations over large selections, such as `sum(rate(x[5m]))`):
    /// 0 means one per processor core, up to 8; 1 keeps every query on one task, as Prometheus does.
    public var parallelism: Int = 0
    /// Which downsampled data selectors may read (`max_source_resolution`); `.auto` follows
    /// Thanos's 5× rule. Stores without downsampled blocks answer with raw data either way.
    public var sourceResolution: SourceResolution = .auto

    /// The defaults, which match Prometheus's.
    public init() {}
}
