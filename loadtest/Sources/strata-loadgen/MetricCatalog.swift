/// The metric names the simulated fleet exposes, grouped by the scrape job that produces them,
/// with the extra labels each carries and how its value moves.

/// How the value of a series evolves from one scrape to the next.
enum ValueModel: Sendable, Equatable {
    /// Monotonic counter growing by about `perSecond` per second (stochastically rounded to whole
    /// numbers when `integer`), with occasional resets to zero.
    case counter(perSecond: Double, integer: Bool)
    /// Mean-reverting random walk around `base`; each step moves by up to `volatility × base`.
    case gauge(base: Double, volatility: Double, integer: Bool)
    /// A value that never changes (limits, capacities, info metrics).
    case constant(Double)
    /// 1 when every extra label takes its first value (e.g. `phase="Running"`), else 0.
    case indicator
    /// The scrape time in seconds (`container_last_seen`).
    case scrapeTimeSeconds
    /// A start time some hours to weeks before now, in seconds (`process_start_time_seconds`).
    case startTimeSeconds
}

/// Which scrape job exposes a metric, which decides its target labels.
enum MetricSource: Sendable, Equatable {
    /// cAdvisor via the kubelet: one series per container.
    case cadvisor
    /// kube-state-metrics: one series per pod object.
    case kubeState
    /// The application's own `/metrics` endpoint (Go client defaults plus HTTP/gRPC metrics).
    case app
    /// node-exporter: one series per node.
    case node
}

/// An extra label dimension of a metric (`method`, `code`, `le`, `cpu`…) and a weight per value
/// that scales counter rates (so `code="500"` grows slower than `code="200"`).
struct ExtraDimension: Sendable {
    var name: String
    var values: [String]
    var weights: [Double]

    init(_ name: String, _ values: [String], weights: [Double]? = nil) {
        self.name = name
        self.values = values
        self.weights = weights ?? Array(repeating: 1, count: values.count)
    }
}

/// One metric family.
struct MetricDef: Sendable {
    var name: String
    var source: MetricSource
    var model: ValueModel
    var extras: [ExtraDimension]

    init(_ name: String, _ source: MetricSource, _ model: ValueModel, _ extras: [ExtraDimension] = []) {
        self.name = name
        self.source = source
        self.model = model
        self.extras = extras
    }

    /// Number of series one target exposes for this metric (product of extra dimensions).
    var seriesPerTarget: Int { extras.reduce(1) { $0 * $1.values.count } }
}

private let gib = 1024.0 * 1024 * 1024
private let mib = 1024.0 * 1024

/// Histogram bucket bounds shared by `http_request_duration_seconds_bucket`, with the cumulative
/// share of requests at or below each bound (used as rate weights).
private let httpBuckets = ExtraDimension(
    "le",
    ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"],
    weights: [0.08, 0.2, 0.45, 0.7, 0.85, 0.94, 0.97, 0.985, 0.995, 0.998, 0.999, 1])

/// The catalog: 56 metric names as a Kubernetes fleet scraped by Prometheus exposes them.
let metricCatalog: [MetricDef] = [
    // cAdvisor (per container).
    MetricDef("container_cpu_usage_seconds_total", .cadvisor, .counter(perSecond: 0.25, integer: false)),
    MetricDef("container_cpu_cfs_periods_total", .cadvisor, .counter(perSecond: 10, integer: true)),
    MetricDef("container_cpu_cfs_throttled_periods_total", .cadvisor, .counter(perSecond: 0.3, integer: true)),
    MetricDef("container_cpu_cfs_throttled_seconds_total", .cadvisor, .counter(perSecond: 0.02, integer: false)),
    MetricDef("container_memory_working_set_bytes", .cadvisor, .gauge(base: 300 * mib, volatility: 0.02, integer: true)),
    MetricDef("container_memory_rss", .cadvisor, .gauge(base: 250 * mib, volatility: 0.02, integer: true)),
    MetricDef("container_memory_cache", .cadvisor, .gauge(base: 80 * mib, volatility: 0.05, integer: true)),
    MetricDef("container_memory_usage_bytes", .cadvisor, .gauge(base: 380 * mib, volatility: 0.02, integer: true)),
    MetricDef("container_network_receive_bytes_total", .cadvisor, .counter(perSecond: 120_000, integer: true),
              [ExtraDimension("interface", ["eth0"])]),
    MetricDef("container_network_transmit_bytes_total", .cadvisor, .counter(perSecond: 90_000, integer: true),
              [ExtraDimension("interface", ["eth0"])]),
    MetricDef("container_network_receive_packets_total", .cadvisor, .counter(perSecond: 150, integer: true),
              [ExtraDimension("interface", ["eth0"])]),
    MetricDef("container_network_transmit_packets_total", .cadvisor, .counter(perSecond: 130, integer: true),
              [ExtraDimension("interface", ["eth0"])]),
    MetricDef("container_fs_reads_bytes_total", .cadvisor, .counter(perSecond: 4_000, integer: true),
              [ExtraDimension("device", ["/dev/nvme0n1"])]),
    MetricDef("container_fs_writes_bytes_total", .cadvisor, .counter(perSecond: 12_000, integer: true),
              [ExtraDimension("device", ["/dev/nvme0n1"])]),
    MetricDef("container_spec_memory_limit_bytes", .cadvisor, .constant(1 * gib)),
    MetricDef("container_spec_cpu_shares", .cadvisor, .constant(512)),
    MetricDef("container_last_seen", .cadvisor, .scrapeTimeSeconds),
    MetricDef("container_threads", .cadvisor, .gauge(base: 40, volatility: 0.05, integer: true)),
    // kube-state-metrics (per pod).
    MetricDef("kube_pod_status_phase", .kubeState, .indicator,
              [ExtraDimension("phase", ["Running", "Pending", "Succeeded", "Failed", "Unknown"])]),
    MetricDef("kube_pod_container_status_restarts_total", .kubeState, .counter(perSecond: 0.00002, integer: true)),
    MetricDef("kube_pod_container_resource_requests", .kubeState, .constant(0.5),
              [ExtraDimension("resource", ["cpu", "memory"])]),
    MetricDef("kube_pod_container_resource_limits", .kubeState, .constant(1),
              [ExtraDimension("resource", ["cpu", "memory"])]),
    MetricDef("kube_pod_info", .kubeState, .constant(1)),
    MetricDef("kube_pod_container_status_ready", .kubeState, .constant(1)),
    // The application's own metrics.
    MetricDef("http_requests_total", .app, .counter(perSecond: 20, integer: true), [
        ExtraDimension("method", ["GET", "POST"], weights: [1, 0.3]),
        ExtraDimension("code", ["200", "404", "500"], weights: [1, 0.03, 0.005]),
        ExtraDimension("handler", ["/api/v1/items", "/healthz"], weights: [1, 0.05]),
    ]),
    MetricDef("http_request_duration_seconds_bucket", .app, .counter(perSecond: 20, integer: true),
              [ExtraDimension("method", ["GET"]), httpBuckets]),
    MetricDef("http_request_duration_seconds_sum", .app, .counter(perSecond: 1.1, integer: false),
              [ExtraDimension("method", ["GET"])]),
    MetricDef("http_request_duration_seconds_count", .app, .counter(perSecond: 20, integer: true),
              [ExtraDimension("method", ["GET"])]),
    MetricDef("http_requests_in_flight", .app, .gauge(base: 4, volatility: 0.5, integer: true)),
    MetricDef("grpc_server_handled_total", .app, .counter(perSecond: 8, integer: true), [
        ExtraDimension("grpc_method", ["Get", "List"], weights: [1, 0.4]),
        ExtraDimension("grpc_code", ["OK", "Unavailable"], weights: [1, 0.002]),
    ]),
    MetricDef("process_cpu_seconds_total", .app, .counter(perSecond: 0.2, integer: false)),
    MetricDef("process_resident_memory_bytes", .app, .gauge(base: 180 * mib, volatility: 0.02, integer: true)),
    MetricDef("process_virtual_memory_bytes", .app, .gauge(base: 1.8 * gib, volatility: 0.005, integer: true)),
    MetricDef("process_open_fds", .app, .gauge(base: 60, volatility: 0.1, integer: true)),
    MetricDef("process_max_fds", .app, .constant(1_048_576)),
    MetricDef("process_start_time_seconds", .app, .startTimeSeconds),
    MetricDef("go_goroutines", .app, .gauge(base: 120, volatility: 0.1, integer: true)),
    MetricDef("go_threads", .app, .gauge(base: 14, volatility: 0.05, integer: true)),
    MetricDef("go_memstats_alloc_bytes", .app, .gauge(base: 40 * mib, volatility: 0.2, integer: true)),
    MetricDef("go_memstats_heap_inuse_bytes", .app, .gauge(base: 55 * mib, volatility: 0.1, integer: true)),
    MetricDef("go_gc_duration_seconds", .app, .gauge(base: 0.0004, volatility: 0.3, integer: false),
              [ExtraDimension("quantile", ["0", "0.25", "0.5", "0.75", "1"])]),
    MetricDef("go_gc_duration_seconds_count", .app, .counter(perSecond: 0.5, integer: true)),
    MetricDef("up", .app, .constant(1)),
    MetricDef("scrape_duration_seconds", .app, .gauge(base: 0.012, volatility: 0.3, integer: false)),
    MetricDef("scrape_samples_scraped", .app, .gauge(base: 450, volatility: 0.01, integer: true)),
    // node-exporter (per node).
    MetricDef("node_cpu_seconds_total", .node, .counter(perSecond: 0.25, integer: false), [
        ExtraDimension("cpu", ["0", "1", "2", "3"]),
        ExtraDimension("mode", ["idle", "user", "system", "iowait"], weights: [2.5, 1, 0.3, 0.05]),
    ]),
    MetricDef("node_memory_Active_bytes", .node, .gauge(base: 9 * gib, volatility: 0.01, integer: true)),
    MetricDef("node_memory_MemAvailable_bytes", .node, .gauge(base: 6 * gib, volatility: 0.01, integer: true)),
    MetricDef("node_memory_MemTotal_bytes", .node, .constant(16 * gib)),
    MetricDef("node_filesystem_avail_bytes", .node, .gauge(base: 60 * gib, volatility: 0.001, integer: true),
              [ExtraDimension("mountpoint", ["/", "/var/lib/kubelet"])]),
    MetricDef("node_network_receive_bytes_total", .node, .counter(perSecond: 2_000_000, integer: true),
              [ExtraDimension("device", ["eth0", "lo"], weights: [1, 0.1])]),
    MetricDef("node_network_transmit_bytes_total", .node, .counter(perSecond: 1_500_000, integer: true),
              [ExtraDimension("device", ["eth0", "lo"], weights: [1, 0.1])]),
    MetricDef("node_load1", .node, .gauge(base: 1.5, volatility: 0.2, integer: false)),
    MetricDef("node_load5", .node, .gauge(base: 1.4, volatility: 0.05, integer: false)),
    MetricDef("node_disk_io_time_seconds_total", .node, .counter(perSecond: 0.05, integer: false),
              [ExtraDimension("device", ["nvme0n1"])]),
    MetricDef("node_context_switches_total", .node, .counter(perSecond: 9_000, integer: true)),
]
