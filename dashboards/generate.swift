// Generates Strata's Grafana dashboards (`dashboards/*.json`) and Prometheus alerting rules
// (`dashboards/alerts.yaml`) from the definitions in this one file, so that every dashboard uses
// the same selectors, variables and layout, and every alert links its runbook section the same way.
//
//   swift dashboards/generate.swift        # from anywhere; rewrites the files next to this script
//
// The output is deterministic (fixed key order, no timestamps): running it twice changes nothing.
// Every query uses only metrics Strata exports (plus `up` and `scrape_*`, which Prometheus adds
// to every target); Tests/StrataIntegrationTests/DashboardsTests.swift runs each panel query
// against a Strata that scrapes itself and fails on any panel without data, runs
// `promtool check rules` on alerts.yaml and checks that each alert has a section in
// docs/runbooks.md. No package dependencies: Foundation only.

import Foundation

// MARK: - JSON with a fixed key order

/// A JSON value whose objects keep the order they were written in, so the files diff well.
indirect enum JSON {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    func rendered(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        let inner = String(repeating: "  ", count: indent + 1)
        switch self {
        case .string(let s): return JSON.quote(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { inner + $0.rendered(indent: indent + 1) }.joined(separator: ",\n") + "\n\(pad)]"
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { inner + JSON.quote($0.0) + ": " + $0.1.rendered(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(pad)}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

// MARK: - Dashboard model

/// One PromQL query of a panel and its legend.
struct Query {
    let expr: String
    let legend: String
}

/// How a panel draws its queries.
enum PanelKind {
    case timeseries
    case stat
    /// Markdown only, no query.
    case text(String)
}

/// A panel: a title, what it shows (the description Grafana shows on hover), a unit and queries.
struct Panel {
    var title: String
    var description: String
    var unit: String
    var queries: [Query]
    var kind: PanelKind = .timeseries
    var width = 8
    /// For stat panels: value above which the panel turns yellow, then red.
    var thresholds: (warn: Int, crit: Int)? = nil
}

/// A titled row of panels.
struct Row {
    let title: String
    let panels: [Panel]
}

/// Template variables a dashboard offers besides the data source.
enum Variable {
    case job
    case instance
    /// The tenant, from the `user` label of the given metric.
    case tenant(metric: String)
}

struct Dashboard {
    let file: String
    let uid: String
    let title: String
    let description: String
    let variables: [Variable]
    let rows: [Row]
}

// MARK: - Selectors and query helpers

/// The selector every panel starts from: the scrape job(s) and instance(s) picked at the top.
let S = #"job=~"$job", instance=~"$instance""#
/// The same, restricted to the tenant(s) picked at the top (`user` label, as Mimir).
let T = S + #", user=~"$tenant""#

func rate(_ metric: String, _ selector: String) -> String {
    "rate(\(metric){\(selector)}[$__rate_interval])"
}

func increase1h(_ metric: String, _ selector: String) -> String {
    "increase(\(metric){\(selector)}[1h])"
}

/// `histogram_quantile` of a `_bucket` histogram over the rate interval, grouped by `by`.
func quantile(_ q: String, _ histogram: String, _ selector: String, by: String = "") -> String {
    let groups = by.isEmpty ? "le" : "le, \(by)"
    return "histogram_quantile(\(q), sum by (\(groups)) (\(rate(histogram + "_bucket", selector))))"
}

let requests = "strata_request_duration_seconds"
let readRoutes = #"route=~"(prometheus_)?api_v1_.+", route!="api_v1_push""#
let queryRoutes = #"route=~"(prometheus_)?api_v1_query(_range)?""#
let metadataRoutes = #"route=~"(prometheus_)?api_v1_(series|labels|label_.+|metadata|query_exemplars)""#

/// The `reason` values of `strata_discarded_samples_total` that a per-tenant limit causes.
let limitReasons = "rate_limited|per_user_series_limit|per_metric_series_limit|max_label_names_per_series|label_name_too_long|label_value_too_long|too_far_in_future|too_far_in_past"

// MARK: - The dashboards

let writes = Dashboard(
    file: "strata-writes.json", uid: "strata-writes", title: "Strata / Writes",
    description: "The write path: remote-write requests at the distributors, validation and rate limits, HA deduplication, and the ingesters' heads and WALs.",
    variables: [.job, .instance, .tenant(metric: "strata_distributor_received_samples_total")],
    rows: [
        Row(title: "Distributor", panels: [
            Panel(title: "Samples in and accepted",
                  description: "Samples arriving in remote-write requests (before validation) and samples that passed validation and rate limits.",
                  unit: "cps", queries: [
                      Query(expr: "sum(\(rate("strata_distributor_samples_in_total", T)))", legend: "in"),
                      Query(expr: "sum(\(rate("strata_distributor_received_samples_total", T)))", legend: "accepted"),
                  ]),
            Panel(title: "Push requests by status",
                  description: "POST /api/v1/push answers: 200 stored, 202 deduplicated HA replica, 400 bad data (not retried), 429 rate limited, 5xx transient (retried by Prometheus).",
                  unit: "reqps", queries: [
                      Query(expr: #"sum by (status_code) (\#(rate(requests + "_count", S + #", route="api_v1_push""#)))"#, legend: "{{status_code}}"),
                  ]),
            Panel(title: "Push latency",
                  description: "Time to answer a push; a push is answered once its samples are in the WAL of enough ingesters.",
                  unit: "s", queries: [
                      Query(expr: quantile("0.99", requests, S + #", route="api_v1_push""#), legend: "p99"),
                      Query(expr: quantile("0.50", requests, S + #", route="api_v1_push""#), legend: "p50"),
                      Query(expr: #"sum(\#(rate(requests + "_sum", S + #", route="api_v1_push""#))) / sum(\#(rate(requests + "_count", S + #", route="api_v1_push""#)))"#, legend: "average"),
                  ]),
            Panel(title: "Discarded samples by reason",
                  description: "Samples refused, by reason: the reason is the err-strata-* ID with _ for - (docs/errors.md), or rate_limited, per_user_series_limit, per_metric_series_limit, sample-out-of-order, new-value-for-timestamp, sample-out-of-bounds.",
                  unit: "cps", queries: [
                      Query(expr: "sum by (reason) (\(rate("strata_discarded_samples_total", T)))", legend: "{{reason}}"),
                  ]),
            Panel(title: "Push requests per tenant",
                  description: "Remote-write requests received per tenant, before validation.",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (user) (\(rate("strata_distributor_requests_in_total", T)))", legend: "{{user}}"),
                  ]),
            Panel(title: "Exemplars and metadata in",
                  description: "Exemplars and metric metadata in remote-write requests (counted, not stored).",
                  unit: "cps", queries: [
                      Query(expr: "sum(\(rate("strata_distributor_exemplars_in_total", T)))", legend: "exemplars"),
                      Query(expr: "sum(\(rate("strata_distributor_metadata_in_total", T)))", legend: "metadata"),
                  ]),
        ]),
        Row(title: "HA deduplication", panels: [
            Panel(title: "Samples dropped as the non-elected HA replica",
                  description: "Samples of an HA pair's replica that is not the elected one (answered 202 and dropped), per tenant and cluster.",
                  unit: "cps", queries: [
                      Query(expr: "sum by (user, cluster) (\(rate("strata_distributor_deduped_samples_total", T)))", legend: "{{user}} / {{cluster}}"),
                  ]),
            Panel(title: "Samples without HA labels",
                  description: "Samples of tenants with HA tracking on whose series carry no cluster/replica labels: stored as they are.",
                  unit: "cps", queries: [
                      Query(expr: "sum by (user) (\(rate("strata_distributor_non_ha_samples_received_total", T)))", legend: "{{user}}"),
                  ]),
            Panel(title: "Elected replica changes (1h)",
                  description: "Fail-overs between the replicas of an HA pair in the last hour; a steady stream means both replicas take turns (check -distributor.ha-tracker.failover-timeout).",
                  unit: "short", queries: [
                      Query(expr: "sum by (user, cluster) (\(increase1h("strata_ha_tracker_elected_replica_changes_total", T)))", legend: "{{user}} / {{cluster}}"),
                  ]),
        ]),
        Row(title: "Ingester", panels: [
            Panel(title: "Samples appended to the head",
                  description: "Samples the ingesters appended to their in-memory heads (after the WAL write), per tenant.",
                  unit: "cps", queries: [
                      Query(expr: "sum by (user) (\(rate("strata_ingester_ingested_samples_total", T)))", legend: "{{user}}"),
                  ]),
            Panel(title: "In-memory series",
                  description: "Series held in the ingesters' heads, all tenants.",
                  unit: "short", queries: [
                      Query(expr: "sum(strata_ingester_memory_series{\(S)})", legend: "series"),
                  ]),
            Panel(title: "Series created per second",
                  description: "New series in the heads per tenant; a jump is a cardinality change (strata admin cardinality top names the metric).",
                  unit: "cps", queries: [
                      Query(expr: "sum by (user) (\(rate("strata_ingester_memory_series_created_total", T)))", legend: "{{user}}"),
                  ]),
            Panel(title: "Ingestion delay",
                  description: "Age of the newest sample in each tenant's head: how far behind real time the tenant's data is (or how long ago it last sent).",
                  unit: "s", queries: [
                      Query(expr: "time() - max by (user) (strata_ingester_tsdb_head_max_timestamp_seconds{\(T)})", legend: "{{user}}"),
                  ]),
            Panel(title: "WAL bytes written",
                  description: "Write-ahead-log traffic; every acknowledged push is in the WAL first.",
                  unit: "Bps", queries: [
                      Query(expr: "sum(\(rate("strata_ingester_tsdb_wal_written_bytes_total", T)))", legend: "written"),
                  ]),
            Panel(title: "WAL fsyncs",
                  description: "fsync calls on WAL segments.",
                  unit: "ops", queries: [
                      Query(expr: "sum(\(rate("strata_ingester_tsdb_wal_fsyncs_total", T)))", legend: "fsyncs"),
                  ]),
            Panel(title: "WAL checkpoints and repairs (1h)",
                  description: "Checkpoints written (they bound the replay time at start) and torn or corrupt WAL tails repaired at start.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_ingester_tsdb_checkpoint_creations_total", T)))", legend: "checkpoints"),
                      Query(expr: "sum(\(increase1h("strata_ingester_tsdb_wal_corruptions_total", T)))", legend: "repairs"),
                  ]),
            Panel(title: "Blocks cut from heads (1h)",
                  description: "Head compactions: the 2h blocks the ingesters cut, then ship to the bucket.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_ingester_tsdb_compactions_total", S)))", legend: "blocks cut"),
                  ]),
        ]),
    ])

let reads = Dashboard(
    file: "strata-reads.json", uid: "strata-reads", title: "Strata / Reads",
    description: "The read API by route (queries, series, labels, remote read), the store-gateways serving the blocks in the bucket, and the memcached caches.",
    variables: [.job, .instance],
    rows: [
        Row(title: "Read API", panels: [
            Panel(title: "Read requests by route",
                  description: "Every read endpoint of the Prometheus API (and remote read), per route.",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (route) (\(rate(requests + "_count", S + ", " + readRoutes)))", legend: "{{route}}"),
                  ]),
            Panel(title: "Read latency p99 by route",
                  description: "99th percentile answer time per read route.",
                  unit: "s", queries: [
                      Query(expr: quantile("0.99", requests, S + ", " + readRoutes, by: "route"), legend: "{{route}}"),
                  ]),
            Panel(title: "Read errors by route and status",
                  description: "4xx (bad query, limits: 422, queue full: 429) and 5xx answers of the read routes; the body names the err-strata-* ID.",
                  unit: "reqps", queries: [
                      Query(expr: #"sum by (route, status_code) (\#(rate(requests + "_count", S + ", " + readRoutes + #", status_code=~"[45]..""#)))"#, legend: "{{route}} {{status_code}}"),
                  ]),
        ]),
        Row(title: "Store-gateway", panels: [
            Panel(title: "Blocks and tenants served",
                  description: "Blocks the store-gateways serve from the bucket, and their tenants.",
                  unit: "short", queries: [
                      Query(expr: "sum(strata_bucket_store_blocks_loaded{\(S)})", legend: "blocks"),
                      Query(expr: "sum(strata_bucket_store_tenants{\(S)})", legend: "tenants"),
                  ]),
            Panel(title: "Index-headers",
                  description: "Index-headers on local disk and loaded in memory (unloaded after -blocks-storage.bucket-store.index-header.lazy-loading-idle-timeout).",
                  unit: "short", queries: [
                      Query(expr: "sum(strata_bucket_store_index_headers_on_disk{\(S)})", legend: "on disk"),
                      Query(expr: "sum(strata_bucket_store_index_headers_loaded{\(S)})", legend: "in memory"),
                  ]),
            Panel(title: "Index-header activity",
                  description: "Index-headers built from the bucket, rebuilt (a corrupt one on disk), lazily loaded and unloaded.",
                  unit: "ops", queries: [
                      Query(expr: "sum(\(rate("strata_bucket_store_index_header_builds_total", S)))", legend: "built"),
                      Query(expr: "sum(\(rate("strata_bucket_store_index_header_rebuilds_total", S)))", legend: "rebuilt"),
                      Query(expr: "sum(\(rate("strata_bucket_store_index_header_lazy_load_total", S)))", legend: "loaded"),
                      Query(expr: "sum(\(rate("strata_bucket_store_index_header_lazy_unload_total", S)))", legend: "unloaded"),
                  ]),
            Panel(title: "Bucket syncs",
                  description: "Store-gateway syncs of the bucket indexes, and failed ones (the log names the block).",
                  unit: "ops", queries: [
                      Query(expr: "sum(\(rate("strata_blocks_meta_syncs_total", S)))", legend: "syncs"),
                      Query(expr: "sum(\(rate("strata_blocks_meta_sync_failures_total", S)))", legend: "failed"),
                  ]),
        ]),
        Row(title: "Store-gateway caches", panels: [
            Panel(title: "Cache hit ratio by item type",
                  description: "Hits over lookups of the postings, series and chunks caches.",
                  unit: "percentunit", queries: [
                      Query(expr: "sum by (item_type) (\(rate("strata_store_index_cache_hits_total", S))) / sum by (item_type) (\(rate("strata_store_index_cache_requests_total", S)))", legend: "{{item_type}}"),
                  ]),
            Panel(title: "Cache lookups by item type",
                  description: "Lookups per second in each cache.",
                  unit: "ops", queries: [
                      Query(expr: "sum by (item_type) (\(rate("strata_store_index_cache_requests_total", S)))", legend: "{{item_type}}"),
                  ]),
            Panel(title: "Cache evictions by item type",
                  description: "Entries evicted to stay within the cache's byte limit; many evictions with a low hit ratio mean the cache is too small.",
                  unit: "ops", queries: [
                      Query(expr: "sum by (item_type) (\(rate("strata_store_index_cache_evicted_total", S)))", legend: "{{item_type}}"),
                  ]),
            Panel(title: "Cache size by item type",
                  description: "Bytes held by each in-memory cache (bounded by the *.inmemory.max-size-bytes flags).",
                  unit: "bytes", queries: [
                      Query(expr: "sum by (item_type) (strata_store_index_cache_total_size_bytes{\(S)})", legend: "{{item_type}}"),
                  ]),
            Panel(title: "Cache items by item type",
                  description: "Entries held by each in-memory cache.",
                  unit: "short", queries: [
                      Query(expr: "sum by (item_type) (strata_store_index_cache_items{\(S)})", legend: "{{item_type}}"),
                  ]),
        ]),
        Row(title: "Memcached", panels: [
            Panel(title: "Memcached hit ratio by cache",
                  description: "Keys found over keys looked up, per memcached cache: frontend-results (-query-frontend.results-cache.backend=memcached), index-cache and chunks-cache (the store-gateway's *-cache.backend=memcached). No data when no cache uses memcached.",
                  unit: "percentunit", queries: [
                      Query(expr: "sum by (name) (\(rate("strata_cache_hits_total", S))) / sum by (name) (\(rate("strata_cache_requests_total", S)))", legend: "{{name}}"),
                  ]),
            Panel(title: "Memcached operations by cache",
                  description: "Requests to the memcached servers per cache and operation (getmulti batches, set, delete, version health checks).",
                  unit: "ops", queries: [
                      Query(expr: "sum by (name, operation) (\(rate("strata_memcached_operations_total", S)))", legend: "{{name}} {{operation}}"),
                  ]),
            Panel(title: "Memcached failures by cache and reason",
                  description: "Failed memcached operations: timeout (-*.memcached.timeout), connect, malformed, server-error, bad-request, shutdown. Each is a cache miss (runbook StrataMemcachedErrors).",
                  unit: "ops", queries: [
                      Query(expr: "sum by (name, reason) (\(rate("strata_memcached_operation_failures_total", S)))", legend: "{{name}} {{reason}}"),
                  ]),
            Panel(title: "Memcached operations skipped",
                  description: "Operations not sent: an item larger than -*.memcached.max-item-size, or a key memcached cannot store.",
                  unit: "ops", queries: [
                      Query(expr: "sum by (name, operation) (\(rate("strata_memcached_operation_skipped_total", S)))", legend: "{{name}} {{operation}}"),
                  ]),
            Panel(title: "Memcached key collisions",
                  description: "Items fetched under a key's hash that held another key (counted as misses); any steady rate is worth a bug report.",
                  unit: "ops", queries: [
                      Query(expr: "sum by (name) (\(rate("strata_cache_key_collisions_total", S)))", legend: "{{name}}"),
                  ]),
        ]),
    ])

let queries = Dashboard(
    file: "strata-queries.json", uid: "strata-queries", title: "Strata / Queries",
    description: "PromQL queries through the query-frontend: rate, latency, answers, the per-tenant queue (length, wait, 429), splitting, sharding, the results cache, and limits.",
    variables: [.job, .instance],
    rows: [
        Row(title: "Query-frontend", panels: [
            Panel(title: "Queries per second",
                  description: "Instant and range queries, per route.",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (route) (\(rate(requests + "_count", S + ", " + queryRoutes)))", legend: "{{route}}"),
                  ]),
            Panel(title: "Query latency",
                  description: "Answer time of instant and range queries, queue time included.",
                  unit: "s", queries: [
                      Query(expr: quantile("0.99", requests, S + ", " + queryRoutes, by: "route"), legend: "{{route}} p99"),
                      Query(expr: quantile("0.90", requests, S + ", " + queryRoutes, by: "route"), legend: "{{route}} p90"),
                      Query(expr: quantile("0.50", requests, S + ", " + queryRoutes, by: "route"), legend: "{{route}} p50"),
                  ]),
            Panel(title: "Query answers by status",
                  description: "200 answered, 400 bad or blocked query (err-strata-query-blocked), 422 over a query limit, 429 queue full, 5xx failed.",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (status_code) (\(rate(requests + "_count", S + ", " + queryRoutes)))", legend: "{{status_code}}"),
                  ]),
            Panel(title: "Refused: queue full (429)",
                  description: "Queued requests (split and shard parts included) refused per tenant because the tenant already had -query-frontend.max-outstanding-requests-per-tenant requests waiting (err-strata-too-many-outstanding-requests): the queriers do not keep up.",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (user) (\(rate("strata_query_frontend_discarded_requests_total", S)))", legend: "{{user}}"),
                  ]),
            Panel(title: "Refused: limits and bad queries (4xx)",
                  description: "422: a query limit (err-strata-max-samples-per-query, -max-series-per-query, -max-chunks-bytes-per-query, -max-query-length); 400: a malformed, blocked or too long query.",
                  unit: "reqps", queries: [
                      Query(expr: #"sum by (status_code) (\#(rate(requests + "_count", S + ", " + queryRoutes + #", status_code=~"4..""#)))"#, legend: "{{status_code}}"),
                  ]),
            Panel(title: "Server error ratio",
                  description: "Share of queries answered 5xx (a querier, ingester or store-gateway failing, or err-strata-query-timeout).",
                  unit: "percentunit", queries: [
                      Query(expr: #"(sum(\#(rate(requests + "_count", S + ", " + queryRoutes + #", status_code=~"5..""#))) or vector(0)) / sum(\#(rate(requests + "_count", S + ", " + queryRoutes)))"#, legend: "5xx ratio"),
                  ]),
            Panel(title: "Average query time",
                  description: "Mean answer time per route.",
                  unit: "s", queries: [
                      Query(expr: "sum by (route) (\(rate(requests + "_sum", S + ", " + queryRoutes))) / sum by (route) (\(rate(requests + "_count", S + ", " + queryRoutes)))", legend: "{{route}}"),
                  ]),
            Panel(title: "Queries per tenant",
                  description: "Client requests through the query-frontend per tenant and operation (query, query_range).",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (user, op) (\(rate("strata_query_frontend_queries_total", S)))", legend: "{{user}} {{op}}"),
                  ]),
        ]),
        Row(title: "Queue", panels: [
            Panel(title: "Queue length per tenant",
                  description: "Requests waiting in each tenant's queue for a querier (split and shard parts count one each). A queue that stays long means the queriers do not keep up; at -query-frontend.max-outstanding-requests-per-tenant the tenant gets 429.",
                  unit: "short", queries: [
                      Query(expr: "sum by (user) (strata_query_frontend_queue_length{\(S)})", legend: "{{user}}"),
                  ]),
            Panel(title: "Queue wait",
                  description: "How long queued requests waited before a querier took them.",
                  unit: "s", queries: [
                      Query(expr: quantile("0.99", "strata_query_frontend_queue_duration_seconds", S), legend: "p99"),
                      Query(expr: quantile("0.50", "strata_query_frontend_queue_duration_seconds", S), legend: "p50"),
                  ]),
            Panel(title: "Connected queriers",
                  description: "Queriers pulling from each query-frontend's queue (under -target=all, the process's own -querier.max-concurrent workers).",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (strata_query_frontend_connected_clients{\(S)})", legend: "{{instance}}"),
                  ]),
        ]),
        Row(title: "Splitting, sharding and results cache", panels: [
            Panel(title: "Split parts per range query",
                  description: "Parts a range query is split into by -query-frontend.split-queries-by-interval (24h), on average: a 7-day query is 7 or 8 parts.",
                  unit: "short", queries: [
                      Query(expr: #"sum(\#(rate("strata_frontend_split_queries_total", S))) / sum(\#(rate("strata_query_frontend_queries_total", S + #", op="query_range""#)))"#, legend: "parts per query"),
                  ]),
            Panel(title: "Sharded queries",
                  description: "Shard queries run for sharded queries (-query-frontend.parallelize-shardable-queries, query_sharding_total_shards per tenant), and the share of the PromQL queries sharding was tried on that ran sharded.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(rate("strata_frontend_sharded_queries_total", S)))", legend: "shard queries/s"),
                      Query(expr: "sum(\(rate("strata_frontend_query_sharding_rewrites_succeeded_total", S))) / sum(\(rate("strata_frontend_query_sharding_rewrites_attempted_total", S)))", legend: "sharded ratio"),
                  ]),
            Panel(title: "Results cache hit ratio",
                  description: "Split parts of range queries answered, wholly or partly, from the results cache (-query-frontend.cache-results), over all lookups. Dashboards refreshed every minute should be near 1 once the cache is warm.",
                  unit: "percentunit", queries: [
                      Query(expr: "sum(\(rate("strata_frontend_query_result_cache_hits_total", S))) / sum(\(rate("strata_frontend_query_result_cache_requests_total", S)))", legend: "hit ratio"),
                  ]),
            Panel(title: "Results cache lookups",
                  description: "Results cache lookups and hits per second.",
                  unit: "ops", queries: [
                      Query(expr: "sum(\(rate("strata_frontend_query_result_cache_requests_total", S)))", legend: "lookups"),
                      Query(expr: "sum(\(rate("strata_frontend_query_result_cache_hits_total", S)))", legend: "hits"),
                  ]),
        ]),
        Row(title: "Series, labels and metadata", panels: [
            Panel(title: "Metadata requests by route",
                  description: "series, labels, label values, metadata and exemplar lookups (Grafana's variable and autocomplete queries).",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (route) (\(rate(requests + "_count", S + ", " + metadataRoutes)))", legend: "{{route}}"),
                  ]),
            Panel(title: "Metadata latency p99 by route",
                  description: "99th percentile answer time of the metadata routes.",
                  unit: "s", queries: [
                      Query(expr: quantile("0.99", requests, S + ", " + metadataRoutes, by: "route"), legend: "{{route}}"),
                  ]),
        ]),
    ])

let objectStore = Dashboard(
    file: "strata-object-store.json", uid: "strata-object-store", title: "Strata / Object store",
    description: "Traffic to the bucket: store-gateway reads, blocks shipped by the ingesters, and the compactor's writes and deletions.",
    variables: [.job, .instance, .tenant(metric: "strata_bucket_blocks_count")],
    rows: [
        Row(title: "Reads (store-gateway)", panels: [
            Panel(title: "Bucket requests",
                  description: "Object-store requests of the store-gateways (index-header builds, range reads of postings, series and chunks), and failed ones.",
                  unit: "ops", queries: [
                      Query(expr: "sum(\(rate("strata_bucket_store_bucket_requests_total", S)))", legend: "requests"),
                      Query(expr: "sum(\(rate("strata_bucket_store_bucket_request_failures_total", S)))", legend: "failed"),
                  ]),
            Panel(title: "Bucket request failure ratio",
                  description: "Failed over all object-store requests of the store-gateways (no value while there are no requests).",
                  unit: "percentunit", queries: [
                      Query(expr: "sum(\(rate("strata_bucket_store_bucket_request_failures_total", S))) / sum(\(rate("strata_bucket_store_bucket_requests_total", S)))", legend: "failure ratio"),
                  ]),
            Panel(title: "Bytes read from the bucket",
                  description: "Bytes the store-gateways read from the object store.",
                  unit: "Bps", queries: [
                      Query(expr: "sum(\(rate("strata_bucket_store_bucket_read_bytes_total", S)))", legend: "read"),
                  ]),
        ]),
        Row(title: "Writes (ingesters and compactor)", panels: [
            Panel(title: "Blocks shipped by the ingesters",
                  description: "Blocks uploaded by the ingesters' shippers, and uploads that failed (retried every -blocks-storage.tsdb.ship-interval).",
                  unit: "ops", queries: [
                      Query(expr: "sum(\(rate("strata_ingester_shipper_uploads_total", S)))", legend: "shipped"),
                      Query(expr: "sum(\(rate("strata_ingester_shipper_upload_failures_total", T))) or vector(0)", legend: "failed"),
                  ]),
            Panel(title: "Bytes written by the compactor",
                  description: "Bytes of the blocks the compactor uploaded (merges and downsampling).",
                  unit: "Bps", queries: [
                      Query(expr: "sum(\(rate("strata_compactor_written_bytes_total", T)))", legend: "written"),
                  ]),
            Panel(title: "Blocks written, marked and deleted (1h)",
                  description: "Blocks the compactor wrote, marked for deletion (replaced or past retention) and deleted after -compactor.deletion-delay.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_compactor_blocks_written_total", T)))", legend: "written"),
                      Query(expr: "sum(\(increase1h("strata_compactor_blocks_marked_for_deletion_total", T)))", legend: "marked for deletion"),
                      Query(expr: "sum(\(increase1h("strata_compactor_blocks_cleaned_total", T)))", legend: "deleted"),
                  ]),
        ]),
        Row(title: "Bucket contents", panels: [
            Panel(title: "Blocks in the bucket per tenant",
                  description: "Live blocks per tenant, as the compactor last counted them.",
                  unit: "short", queries: [
                      Query(expr: "sum by (user) (strata_bucket_blocks_count{\(T)})", legend: "{{user}}"),
                  ]),
        ]),
    ])

let compactorLag = "strata_compactor_oldest_uncompacted_block_timestamp_seconds"

let compactor = Dashboard(
    file: "strata-compactor.json", uid: "strata-compactor", title: "Strata / Compactor",
    description: "The compactor: the lag SLI (time since the last successful run, oldest block awaiting compaction), runs, jobs and quarantined blocks.",
    variables: [.job, .instance, .tenant(metric: "strata_bucket_blocks_count")],
    rows: [
        Row(title: "Lag (SLI)", panels: [
            Panel(title: "Time since the last successful run",
                  description: "Seconds since a compactor last finished a run without failure (the gauge is reset to 0 by a failed run, so a failure shows as a very large value). Runs start every -compactor.compaction-interval.",
                  unit: "s", queries: [
                      Query(expr: "time() - max(strata_compactor_last_successful_run_timestamp_seconds{\(S)})", legend: "since last success"),
                  ], kind: .stat, thresholds: (warn: 2 * 3600, crit: 6 * 3600)),
            Panel(title: "Oldest block awaiting compaction",
                  description: "Age of the start of the oldest raw block no compaction has merged yet (quarantined blocks included); 0 when nothing waits. With replicated ingesters it stays below about 4h; a lone ingester's blocks wait for their 12h window.",
                  unit: "s", queries: [
                      Query(expr: "max((time() - \(compactorLag){\(T)}) * (\(compactorLag){\(T)} > bool 0))", legend: "lag"),
                  ], kind: .stat, thresholds: (warn: 12 * 3600, crit: 18 * 3600)),
            Panel(title: "Quarantined (no-compact) blocks",
                  description: "Blocks the compactor could not read and marked no-compact; each needs an operator (runbook StrataCompactorBlocksMarkedNoCompact).",
                  unit: "short", queries: [
                      Query(expr: "sum(strata_compactor_no_compact_blocks{\(T)})", legend: "no-compact"),
                  ], kind: .stat, thresholds: (warn: 1, crit: 1)),
            Panel(title: "Compaction lag per tenant",
                  description: "Per tenant: age of the oldest raw block awaiting compaction (0 when none waits).",
                  unit: "s", queries: [
                      Query(expr: "max by (user) ((time() - \(compactorLag){\(T)}) * (\(compactorLag){\(T)} > bool 0))", legend: "{{user}}"),
                  ]),
            Panel(title: "Newest data by resolution",
                  description: "Age of the newest block of each resolution (raw, 5m, 1h); the downsampling lag is the difference between raw and 5m (about 2 days is normal).",
                  unit: "s", queries: [
                      Query(expr: "time() - (max by (resolution) (strata_compactor_newest_block_timestamp_seconds{\(T)}) > 0)", legend: "{{resolution}}"),
                  ]),
            Panel(title: "Blocks in the bucket and quarantined, per tenant",
                  description: "Live blocks and no-compact blocks per tenant.",
                  unit: "short", queries: [
                      Query(expr: "sum by (user) (strata_bucket_blocks_count{\(T)})", legend: "{{user}} blocks"),
                      Query(expr: "sum by (user) (strata_compactor_no_compact_blocks{\(T)})", legend: "{{user}} no-compact"),
                  ]),
        ]),
        Row(title: "Runs and jobs", panels: [
            Panel(title: "Runs (1h)",
                  description: "Compactor runs started, completed and failed in the last hour.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_compactor_runs_started_total", S)))", legend: "started"),
                      Query(expr: "sum(\(increase1h("strata_compactor_runs_completed_total", S)))", legend: "completed"),
                      Query(expr: "sum(\(increase1h("strata_compactor_runs_failed_total", S))) or vector(0)", legend: "failed"),
                  ]),
            Panel(title: "Tenant and job failures (1h)",
                  description: "Tenants whose compaction failed in a run (the others go on) and failed jobs; the log names the tenant (user) and the block.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_compactor_tenant_failures_total", T))) or vector(0)", legend: "tenant failures"),
                      Query(expr: "sum(\(increase1h("strata_compactor_job_failures_total", T))) or vector(0)", legend: "job failures"),
                  ]),
            Panel(title: "Jobs completed by kind (1h)",
                  description: "Merge (compaction) and downsampling jobs completed in the last hour.",
                  unit: "short", queries: [
                      Query(expr: "sum by (kind) (\(increase1h("strata_compactor_jobs_completed_total", T)))", legend: "{{kind}}"),
                  ]),
            Panel(title: "Job duration p99 (1h)",
                  description: "99th percentile duration of the jobs completed in the last hour, by kind.",
                  unit: "s", queries: [
                      Query(expr: "histogram_quantile(0.99, sum by (le, kind) (\(increase1h("strata_compactor_job_duration_seconds_bucket", S))))", legend: "{{kind}}"),
                  ]),
            Panel(title: "Samples and blocks written (1h)",
                  description: "Samples and blocks the compactor's jobs wrote in the last hour.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_compactor_written_samples_total", T)))", legend: "samples"),
                      Query(expr: "sum(\(increase1h("strata_compactor_blocks_written_total", T)))", legend: "blocks"),
                  ]),
            Panel(title: "Blocks marked for deletion by reason (1h)",
                  description: "compaction / downsampling: replaced by a job's output; retention: past -compactor.blocks-retention-period.",
                  unit: "short", queries: [
                      Query(expr: "sum by (reason) (\(increase1h("strata_compactor_blocks_marked_for_deletion_total", T)))", legend: "{{reason}}"),
                  ]),
        ]),
    ])

let rings = Dashboard(
    file: "strata-rings.json", uid: "strata-rings", title: "Strata / Rings and HA tracker",
    description: "Health of the processes, the members of each ring by state, the ingester and store-gateway rings as the distributors and store-gateways see them, and the HA tracker's elections in the KV store.",
    variables: [.job, .instance],
    rows: [
        Row(title: "Ring members", panels: [
            Panel(title: "Unhealthy ring members",
                  description: "Instances of any ring whose heartbeat is older than the ring's heartbeat timeout (runbook StrataRingMembersUnhealthy); `strata admin ring show` names them.",
                  unit: "short", queries: [
                      Query(expr: #"sum(max by (name) (strata_ring_members{\#(S), state="Unhealthy"}))"#, legend: "unhealthy"),
                  ], kind: .stat, width: 6, thresholds: (warn: 1, crit: 1)),
            Panel(title: "Members not ACTIVE",
                  description: "Instances JOINING (an ingester replaying its WAL), LEAVING (shutting down), PENDING or Unhealthy, over all rings.",
                  unit: "short", queries: [
                      Query(expr: #"sum(max by (name, state) (strata_ring_members{\#(S), state!="ACTIVE"}))"#, legend: "not ACTIVE"),
                  ], kind: .stat, width: 6, thresholds: (warn: 1, crit: 3)),
            Panel(title: "Members by ring and state",
                  description: "Instances of each ring (ingester, store-gateway, distributor, compactor) per state, as the processes holding the ring see it (the highest count of any of them).",
                  unit: "short", queries: [
                      Query(expr: "max by (name, state) (strata_ring_members{\(S)})", legend: "{{name}} {{state}}"),
                  ], width: 12),
            Panel(title: "Oldest heartbeat age by ring",
                  description: "Seconds since the oldest healthy member of each ring last heartbeated; it stays below the heartbeat period (-*.ring.heartbeat-period) and a member past the heartbeat timeout turns Unhealthy.",
                  unit: "s", queries: [
                      Query(expr: #"time() - min by (name) (strata_ring_oldest_member_timestamp{\#(S), state!="Unhealthy"} > 0)"#, legend: "{{name}}"),
                  ], width: 12),
        ]),
        Row(title: "Processes", panels: [
            Panel(title: "Processes up",
                  description: "Strata processes whose /metrics Prometheus scrapes, per job.",
                  unit: "short", queries: [
                      Query(expr: "sum by (job) (up{\(S)})", legend: "{{job}}"),
                  ]),
            Panel(title: "Processes down",
                  description: "Scrape targets that do not answer; a down ingester stays in the ring (Unhealthy once its heartbeat is older than the heartbeat timeout).",
                  unit: "short", queries: [
                      Query(expr: "sum by (job) (1 - up{\(S)})", legend: "{{job}}"),
                  ]),
        ]),
        Row(title: "Distributor → ingesters", panels: [
            Panel(title: "Appends per ingester",
                  description: "Pushes the distributors sent to each ingester of the ring (0 under -target=all, where the distributor writes to its in-process ingester).",
                  unit: "ops", queries: [
                      Query(expr: "sum by (ingester) (\(rate("strata_distributor_ingester_appends_total", S))) or vector(0)", legend: "{{ingester}}"),
                  ]),
            Panel(title: "Append failures per ingester",
                  description: "Pushes to an ingester that failed: it is down, unreachable or refusing. A push still succeeds while a quorum (2 of 3) of each series' ingesters wrote it.",
                  unit: "ops", queries: [
                      Query(expr: "sum by (ingester) (\(rate("strata_distributor_ingester_append_failures_total", S))) or vector(0)", legend: "{{ingester}}"),
                  ]),
            Panel(title: "Pushes without a quorum (503)",
                  description: "Pushes answered 503 err-strata-ingester-unavailable: two ingesters of some series are down or unreachable.",
                  unit: "reqps", queries: [
                      Query(expr: #"sum(\#(rate(requests + "_count", S + #", route="api_v1_push", status_code="503""#))) or vector(0)"#, legend: "503"),
                  ]),
            Panel(title: "In-memory series per instance",
                  description: "Series per ingester: the ring's tokens spread them evenly; one ingester far off the others has few tokens or was just restarted.",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (strata_ingester_memory_series{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Blocks loaded per store-gateway",
                  description: "Blocks each store-gateway serves: the store-gateway ring shards them (each block on replication-factor instances).",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (strata_bucket_store_blocks_loaded{\(S)})", legend: "{{instance}}"),
                  ]),
        ]),
        Row(title: "HA tracker (KV store)", panels: [
            Panel(title: "KV compare-and-swap calls",
                  description: "Writes of the HA tracker to the KV store (etcd) per tenant and cluster: elections and timestamp updates.",
                  unit: "ops", queries: [
                      Query(expr: "sum by (user, cluster) (\(rate("strata_ha_tracker_kv_store_cas_total", S)))", legend: "{{user}} / {{cluster}}"),
                  ]),
            Panel(title: "Time since the last election",
                  description: "Per HA cluster: seconds since its replica was last elected or confirmed.",
                  unit: "s", queries: [
                      Query(expr: "time() - max by (user, cluster) (strata_ha_tracker_last_election_timestamp_seconds{\(S)})", legend: "{{user}} / {{cluster}}"),
                  ]),
            Panel(title: "Replica cleanup (1h)",
                  description: "The HA tracker's cleanup of replicas that stopped sending: runs, entries marked, deleted, and deletions that failed.",
                  unit: "short", queries: [
                      Query(expr: "sum(\(increase1h("strata_ha_tracker_replicas_cleanup_started_total", S)))", legend: "runs"),
                      Query(expr: "sum(\(increase1h("strata_ha_tracker_replicas_cleanup_marked_for_deletion_total", S)))", legend: "marked"),
                      Query(expr: "sum(\(increase1h("strata_ha_tracker_replicas_cleanup_deleted_total", S)))", legend: "deleted"),
                      Query(expr: "sum(\(increase1h("strata_ha_tracker_replicas_cleanup_delete_failed_total", S)))", legend: "failed"),
                  ]),
        ]),
    ])

let tenants = Dashboard(
    file: "strata-tenants.json", uid: "strata-tenants", title: "Strata / Tenants and limits",
    description: "Tenants: their volume, series and the samples refused by their limits, and the runtime overrides file the limits come from.",
    variables: [.job, .instance, .tenant(metric: "strata_distributor_received_samples_total")],
    rows: [
        Row(title: "Overview", panels: [
            Panel(title: "Tenants in memory",
                  description: "Tenants with a head in the ingesters.",
                  unit: "short", queries: [
                      Query(expr: "max(strata_ingester_memory_users{\(S)})", legend: "tenants"),
                  ], kind: .stat, width: 6),
            Panel(title: "Tenants in the bucket",
                  description: "Tenants the store-gateways serve blocks of.",
                  unit: "short", queries: [
                      Query(expr: "max(strata_bucket_store_tenants{\(S)})", legend: "tenants"),
                  ], kind: .stat, width: 6),
            Panel(title: "Runtime config reload",
                  description: "1: the overrides file (-runtime-config.file) loaded; 0: the last reload failed and the previous overrides still apply (runbook StrataRuntimeConfigReloadFailing).",
                  unit: "none", queries: [
                      Query(expr: "min(strata_runtime_config_last_reload_successful{\(S)})", legend: "last reload successful"),
                  ], kind: .stat, width: 6),
            Panel(title: "Distinct runtime configs",
                  description: "How many different overrides files (by hash) the processes hold; more than 1 for long means some process does not see the new file.",
                  unit: "short", queries: [
                      Query(expr: #"count(count_values("hash", strata_runtime_config_hash{\#(S)}))"#, legend: "configs"),
                  ], kind: .stat, width: 6, thresholds: (warn: 2, crit: 3)),
        ]),
        Row(title: "Per tenant", panels: [
            Panel(title: "Accepted samples per tenant (top 10)",
                  description: "Samples per second that passed validation and rate limits; compare with the tenant's ingestion_rate (strata admin tenants limits).",
                  unit: "cps", queries: [
                      Query(expr: "topk(10, sum by (user) (\(rate("strata_distributor_received_samples_total", T))))", legend: "{{user}}"),
                  ]),
            Panel(title: "Head series per tenant (top 10)",
                  description: "In-memory series per tenant; compare with max_global_series_per_user.",
                  unit: "short", queries: [
                      Query(expr: "topk(10, sum by (user) (strata_ingester_tsdb_head_series{\(T)}))", legend: "{{user}}"),
                  ]),
            Panel(title: "Series created per tenant",
                  description: "New series per second per tenant: churn and cardinality growth.",
                  unit: "cps", queries: [
                      Query(expr: "sum by (user) (\(rate("strata_ingester_memory_series_created_total", T)))", legend: "{{user}}"),
                  ]),
            Panel(title: "Samples refused by a limit",
                  description: "Samples refused by a per-tenant limit: rate_limited (ingestion_rate), per_user_series_limit, per_metric_series_limit, label and time-range limits. Raise the limit in the runtime config, or have the tenant change what it sends.",
                  unit: "cps", queries: [
                      Query(expr: #"sum by (user, reason) (\#(rate("strata_discarded_samples_total", T + #", reason=~"\#(limitReasons)""#)))"#, legend: "{{user}} {{reason}}"),
                  ]),
            Panel(title: "Discarded samples by tenant and reason",
                  description: "Every refused sample, by tenant and reason (docs/errors.md).",
                  unit: "cps", queries: [
                      Query(expr: "sum by (user, reason) (\(rate("strata_discarded_samples_total", T)))", legend: "{{user}} {{reason}}"),
                  ]),
            Panel(title: "Ingestion delay per tenant",
                  description: "Age of each tenant's newest sample in the heads.",
                  unit: "s", queries: [
                      Query(expr: "time() - max by (user) (strata_ingester_tsdb_head_max_timestamp_seconds{\(T)})", legend: "{{user}}"),
                  ]),
        ]),
    ])

let resources = Dashboard(
    file: "strata-resources.json", uid: "strata-resources", title: "Strata / Resources",
    description: "What each process uses, holds and moves: CPU, memory and file descriptors, in-memory series and chunks, index-headers and caches, disk and object-store throughput.",
    variables: [.job, .instance],
    rows: [
        Row(title: "Process", panels: [
            Panel(title: "CPU per instance",
                  description: "CPU time used per second (1 = one core busy), user and system.",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (\(rate("process_cpu_seconds_total", S)))", legend: "{{instance}}"),
                  ]),
            Panel(title: "Resident memory per instance",
                  description: "Resident set size: the memory the process really holds (compare with the container's limit).",
                  unit: "bytes", queries: [
                      Query(expr: "sum by (instance) (process_resident_memory_bytes{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Virtual memory per instance",
                  description: "Virtual address space; far above the resident size is normal (thread stacks, reserved heap).",
                  unit: "bytes", queries: [
                      Query(expr: "sum by (instance) (process_virtual_memory_bytes{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Open file descriptors per instance",
                  description: "Open files and sockets: WAL segments, blocks and index-headers, connections (runbook StrataFileDescriptorsNearLimit).",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (process_open_fds{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "File descriptor use",
                  description: "Open file descriptors over the process's limit (ulimit -n, LimitNOFILE in deploy/systemd).",
                  unit: "percentunit", queries: [
                      Query(expr: "max by (instance) (process_open_fds{\(S)} / process_max_fds{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Uptime per instance",
                  description: "Time since each process started; a drop is a restart (runbook StrataProcessRestarting).",
                  unit: "s", queries: [
                      Query(expr: "time() - max by (instance) (process_start_time_seconds{\(S)})", legend: "{{instance}}"),
                  ]),
        ]),
        Row(title: "Memory", panels: [
            Panel(title: "In-memory series per instance",
                  description: "Head series: the largest part of an ingester's memory.",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (strata_ingester_memory_series{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Head chunks per instance",
                  description: "Chunks held in the heads.",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (strata_ingester_tsdb_head_chunks{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Store-gateway cache memory per instance",
                  description: "Bytes held by the postings, series and chunks caches.",
                  unit: "bytes", queries: [
                      Query(expr: "sum by (instance) (strata_store_index_cache_total_size_bytes{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Index-headers in memory per instance",
                  description: "Index-headers loaded in memory (and on local disk).",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (strata_bucket_store_index_headers_loaded{\(S)})", legend: "{{instance}} in memory"),
                      Query(expr: "sum by (instance) (strata_bucket_store_index_headers_on_disk{\(S)})", legend: "{{instance}} on disk"),
                  ]),
        ]),
        Row(title: "Disk and network", panels: [
            Panel(title: "WAL writes per instance",
                  description: "Bytes written to the WALs.",
                  unit: "Bps", queries: [
                      Query(expr: "sum by (instance) (\(rate("strata_ingester_tsdb_wal_written_bytes_total", S)))", legend: "{{instance}}"),
                  ]),
            Panel(title: "Object-store reads per instance",
                  description: "Bytes the store-gateways read from the bucket.",
                  unit: "Bps", queries: [
                      Query(expr: "sum by (instance) (\(rate("strata_bucket_store_bucket_read_bytes_total", S)))", legend: "{{instance}}"),
                  ]),
            Panel(title: "Compactor writes per instance",
                  description: "Bytes of the blocks the compactor uploaded.",
                  unit: "Bps", queries: [
                      Query(expr: "sum by (instance) (\(rate("strata_compactor_written_bytes_total", S)))", legend: "{{instance}}"),
                  ]),
            Panel(title: "HTTP requests per instance",
                  description: "Every HTTP request each process answered.",
                  unit: "reqps", queries: [
                      Query(expr: "sum by (instance) (\(rate(requests + "_count", S)))", legend: "{{instance}}"),
                  ]),
        ]),
        Row(title: "Self-monitoring", panels: [
            Panel(title: "Series on /metrics",
                  description: "Samples Prometheus scraped from each process: grows with the tenants (the per-tenant metrics carry a user label).",
                  unit: "short", queries: [
                      Query(expr: "sum by (instance) (scrape_samples_scraped{\(S)})", legend: "{{instance}}"),
                  ]),
            Panel(title: "Scrape duration of /metrics",
                  description: "Time each process takes to answer /metrics.",
                  unit: "s", queries: [
                      Query(expr: "max by (instance) (scrape_duration_seconds{\(S)})", legend: "{{instance}}"),
                  ]),
        ]),
    ])

let dashboards = [writes, reads, queries, objectStore, compactor, rings, tenants, resources]

// MARK: - Grafana JSON

let datasource: JSON = .object([("type", .string("prometheus")), ("uid", .string("${datasource}"))])

func variableJSON(_ v: Variable) -> JSON {
    let name: String, label: String, query: String
    switch v {
    case .job:
        (name, label, query) = ("job", "job", "label_values(\(requests)_count, job)")
    case .instance:
        (name, label, query) = ("instance", "instance", #"label_values(\#(requests)_count{job=~"$job"}, instance)"#)
    case .tenant(let metric):
        (name, label, query) = ("tenant", "tenant", #"label_values(\#(metric){job=~"$job"}, user)"#)
    }
    return .object([
        ("name", .string(name)),
        ("label", .string(label)),
        ("type", .string("query")),
        ("datasource", datasource),
        ("query", .object([("query", .string(query)), ("refId", .string("StandardVariableQuery"))])),
        ("definition", .string(query)),
        ("refresh", .int(2)),
        ("sort", .int(1)),
        ("multi", .bool(true)),
        ("includeAll", .bool(true)),
        ("allValue", .string(".+")),
        ("current", .object([("selected", .bool(true)), ("text", .array([.string("All")])), ("value", .array([.string("$__all")]))])),
        ("options", .array([])),
        ("regex", .string("")),
        ("hide", .int(0)),
    ])
}

func templating(_ d: Dashboard) -> JSON {
    let source: JSON = .object([
        ("name", .string("datasource")),
        ("label", .string("Data source")),
        ("type", .string("datasource")),
        ("query", .string("prometheus")),
        ("current", .object([])),
        ("regex", .string("")),
        ("hide", .int(0)),
    ])
    return .object([("list", .array([source] + d.variables.map(variableJSON)))])
}

func panelJSON(_ p: Panel, id: Int, x: Int, y: Int, height: Int) -> JSON {
    var fields: [(String, JSON)] = [
        ("id", .int(id)),
        ("title", .string(p.title)),
        ("description", .string(p.description)),
        ("gridPos", .object([("h", .int(height)), ("w", .int(p.width)), ("x", .int(x)), ("y", .int(y))])),
    ]
    switch p.kind {
    case .text(let markdown):
        fields.append(("type", .string("text")))
        fields.append(("options", .object([("mode", .string("markdown")), ("content", .string(markdown))])))
        return .object(fields)
    case .stat:
        fields.append(("type", .string("stat")))
        fields.append(("datasource", datasource))
        var steps: [JSON] = [.object([("color", .string("green")), ("value", .null)])]
        if let t = p.thresholds {
            steps.append(.object([("color", .string("yellow")), ("value", .int(t.warn))]))
            if t.crit != t.warn { steps.append(.object([("color", .string("red")), ("value", .int(t.crit))])) }
        }
        fields.append(("fieldConfig", .object([
            ("defaults", .object([
                ("unit", .string(p.unit)),
                ("thresholds", .object([("mode", .string("absolute")), ("steps", .array(steps))])),
            ])),
            ("overrides", .array([])),
        ])))
        fields.append(("options", .object([
            ("colorMode", .string("value")),
            ("graphMode", .string("area")),
            ("reduceOptions", .object([("calcs", .array([.string("lastNotNull")])), ("fields", .string("")), ("values", .bool(false))])),
        ])))
    case .timeseries:
        fields.append(("type", .string("timeseries")))
        fields.append(("datasource", datasource))
        fields.append(("fieldConfig", .object([
            ("defaults", .object([
                ("unit", .string(p.unit)),
                ("min", .int(0)),
                ("custom", .object([("fillOpacity", .int(10)), ("lineWidth", .int(1)), ("showPoints", .string("never"))])),
            ])),
            ("overrides", .array([])),
        ])))
        fields.append(("options", .object([
            ("legend", .object([("displayMode", .string("list")), ("placement", .string("bottom")), ("showLegend", .bool(true))])),
            ("tooltip", .object([("mode", .string("multi")), ("sort", .string("desc"))])),
        ])))
    }
    let refIDs = Array("ABCDEFGHIJ").map(String.init)
    fields.append(("targets", .array(p.queries.enumerated().map { i, q in
        .object([
            ("refId", .string(refIDs[i])),
            ("datasource", datasource),
            ("expr", .string(q.expr)),
            ("legendFormat", .string(q.legend)),
            ("range", .bool(true)),
            ("instant", .bool(false)),
        ])
    })))
    return .object(fields)
}

func dashboardJSON(_ d: Dashboard) -> JSON {
    var panels: [JSON] = []
    var id = 1
    var y = 0
    for row in d.rows {
        panels.append(.object([
            ("id", .int(id)),
            ("type", .string("row")),
            ("title", .string(row.title)),
            ("collapsed", .bool(false)),
            ("gridPos", .object([("h", .int(1)), ("w", .int(24)), ("x", .int(0)), ("y", .int(y))])),
            ("panels", .array([])),
        ]))
        id += 1
        y += 1
        var x = 0
        for panel in row.panels {
            let height = panel.kind.isStat ? 5 : 8
            if x + panel.width > 24 {
                x = 0
                y += 8
            }
            panels.append(panelJSON(panel, id: id, x: x, y: y, height: height))
            id += 1
            x += panel.width
        }
        y += 8
    }
    return .object([
        ("uid", .string(d.uid)),
        ("title", .string(d.title)),
        ("description", .string(d.description + " Generated by dashboards/generate.swift.")),
        ("tags", .array([.string("strata")])),
        ("editable", .bool(true)),
        ("graphTooltip", .int(1)),
        ("refresh", .string("1m")),
        ("schemaVersion", .int(39)),
        ("version", .int(1)),
        ("time", .object([("from", .string("now-6h")), ("to", .string("now"))])),
        ("timezone", .string("utc")),
        ("links", .array([.object([
            ("title", .string("Strata dashboards")),
            ("type", .string("dashboards")),
            ("tags", .array([.string("strata")])),
            ("asDropdown", .bool(true)),
            ("includeVars", .bool(true)),
            ("keepTime", .bool(true)),
        ])])),
        ("annotations", .object([("list", .array([]))])),
        ("templating", templating(d)),
        ("panels", .array(panels)),
    ])
}

extension PanelKind {
    var isStat: Bool {
        if case .stat = self { return true }
        return false
    }
}

// MARK: - Alerting rules

/// One Prometheus alerting rule. Its runbook is the section of docs/runbooks.md headed by its name.
struct Alert {
    let name: String
    let expr: String
    let duration: String
    let severity: String
    let summary: String
    let description: String
}

struct AlertGroup {
    let name: String
    let alerts: [Alert]
}

let pushCount = "strata_request_duration_seconds_count"

let alertGroups: [AlertGroup] = [
    AlertGroup(name: "strata-writes", alerts: [
        Alert(name: "StrataPushErrors",
              expr: #"sum by (job) (rate(\#(pushCount){route="api_v1_push", status_code=~"5.."}[5m])) / sum by (job) (rate(\#(pushCount){route="api_v1_push"}[5m])) > 0.01"#,
              duration: "15m", severity: "critical",
              summary: "{{ $labels.job }}: more than 1% of pushes fail with 5xx",
              description: "{{ $value | humanizePercentage }} of remote-write pushes to {{ $labels.job }} answer 5xx (err-strata-ingester-unavailable: no quorum of ingesters, or the WAL cannot be written). Prometheus retries them, so its queue grows."),
        Alert(name: "StrataPushLatencyHigh",
              expr: #"histogram_quantile(0.99, sum by (job, le) (rate(strata_request_duration_seconds_bucket{route="api_v1_push"}[5m]))) > 2.5"#,
              duration: "15m", severity: "warning",
              summary: "{{ $labels.job }}: push p99 latency above 2.5s",
              description: "The 99th percentile remote-write latency of {{ $labels.job }} is {{ $value | humanizeDuration }}; senders fall behind when it reaches their remote_timeout."),
        Alert(name: "StrataTenantRateLimited",
              expr: #"sum by (job, user) (rate(strata_discarded_samples_total{reason="rate_limited"}[5m])) > 0"#,
              duration: "15m", severity: "warning",
              summary: "Tenant {{ $labels.user }} is rate limited",
              description: "{{ $value | humanize }} samples/s of tenant {{ $labels.user }} are refused with 429 err-strata-tenant-max-ingestion-rate: it sends more than its ingestion_rate."),
        Alert(name: "StrataTenantSeriesLimitReached",
              expr: #"sum by (job, user, reason) (rate(strata_discarded_samples_total{reason=~"per_user_series_limit|per_metric_series_limit"}[5m])) > 0"#,
              duration: "15m", severity: "warning",
              summary: "Tenant {{ $labels.user }} is at its series limit ({{ $labels.reason }})",
              description: "Samples of new series of tenant {{ $labels.user }} are refused with 400 (err-strata-max-series-per-user or err-strata-max-series-per-metric): {{ $value | humanize }} samples/s. Its new series are lost until the limit is raised or series go away."),
        Alert(name: "StrataSamplesRejected",
              expr: #"sum by (job, user, reason) (rate(strata_discarded_samples_total{reason!~"rate_limited|per_user_series_limit|per_metric_series_limit"}[5m])) / on (job, user) group_left sum by (job, user) (rate(strata_distributor_samples_in_total[5m])) > 0.01"#,
              duration: "15m", severity: "warning",
              summary: "Tenant {{ $labels.user }}: more than 1% of samples rejected ({{ $labels.reason }})",
              description: "{{ $value | humanizePercentage }} of the samples of tenant {{ $labels.user }} are refused for {{ $labels.reason }} (err-strata-{{ reReplaceAll \"_\" \"-\" $labels.reason }} in docs/errors.md, or an ingester reason). The sender gets 400 and drops them."),
        Alert(name: "StrataWALCorruptionRepaired",
              expr: "sum by (job, instance, user) (increase(strata_ingester_tsdb_wal_corruptions_total[1h])) > 0",
              duration: "0m", severity: "warning",
              summary: "{{ $labels.instance }}: the WAL of tenant {{ $labels.user }} was repaired",
              description: "An ingester cut off a torn or corrupt WAL tail at start. After a crash this is expected and loses no acknowledged sample; repeated repairs without crashes point at the disk."),
        Alert(name: "StrataIngesterHasNotShippedBlocks",
              expr: "(sum by (job, instance) (increase(strata_ingester_ingested_samples_total[4h])) > 0) unless on (job, instance) (sum by (job, instance) (increase(strata_ingester_shipper_uploads_total[4h])) > 0)",
              duration: "30m", severity: "critical",
              summary: "{{ $labels.instance }} ingests but has shipped no block for 4h",
              description: "The ingester {{ $labels.instance }} keeps appending samples but uploaded no block in 4 hours: blocks are not being cut, or shipping fails. Its disk fills and queries older than -querier.query-ingesters-within will miss data."),
    ]),
    AlertGroup(name: "strata-ring", alerts: [
        Alert(name: "StrataInstanceDown",
              expr: #"up{job=~"strata.*"} == 0"#,
              duration: "5m", severity: "warning",
              summary: "{{ $labels.job }} {{ $labels.instance }} is down",
              description: "Prometheus cannot scrape {{ $labels.instance }} of {{ $labels.job }}. A down ingester stays in the ring and is absorbed by replication (one of three); a second one loses the write quorum for some series."),
        Alert(name: "StrataIngesterUnhealthy",
              expr: "sum by (job, ingester) (rate(strata_distributor_ingester_append_failures_total[5m])) / sum by (job, ingester) (rate(strata_distributor_ingester_appends_total[5m])) > 0.1",
              duration: "5m", severity: "critical",
              summary: "Ingester {{ $labels.ingester }} fails the distributors' pushes",
              description: "{{ $value | humanizePercentage }} of the pushes the distributors of {{ $labels.job }} send to the ingester {{ $labels.ingester }} of the ring fail: it is down, unreachable or refusing writes, but still in the ring."),
        Alert(name: "StrataRingMembersUnhealthy",
              expr: #"min by (name) (strata_ring_members{job=~"strata.*", state="Unhealthy"}) > 0"#,
              duration: "15m", severity: "critical",
              summary: "{{ $value }} member(s) of the {{ $labels.name }} ring are unhealthy",
              description: "{{ $value }} instance(s) of the {{ $labels.name }} ring have not heartbeated within the ring's heartbeat timeout, as every process holding the ring sees it. An unhealthy ingester still owns its tokens: with replication factor 3 a second one loses the write quorum for some series (err-strata-ingester-unavailable)."),
    ]),
    AlertGroup(name: "strata-process", alerts: [
        Alert(name: "StrataFileDescriptorsNearLimit",
              expr: #"max by (job, instance) (process_open_fds{job=~"strata.*"} / process_max_fds{job=~"strata.*"}) > 0.8"#,
              duration: "15m", severity: "warning",
              summary: "{{ $labels.instance }} uses {{ $value | humanizePercentage }} of its file descriptors",
              description: "{{ $labels.instance }} of {{ $labels.job }} has more than 80% of its open-files limit in use. At the limit, WAL segments, blocks and connections fail to open: pushes fail with 5xx and queries fail."),
        Alert(name: "StrataProcessRestarting",
              expr: #"changes(process_start_time_seconds{job=~"strata.*"}[1h]) >= 3"#,
              duration: "0m", severity: "warning",
              summary: "{{ $labels.instance }} restarted {{ $value }} times in an hour",
              description: "{{ $labels.instance }} of {{ $labels.job }} keeps restarting (crash, out-of-memory kill, failing liveness probe). Every ingester restart replays its WAL, and in-memory data of a lone ingester is unavailable meanwhile."),
    ]),
    AlertGroup(name: "strata-storage", alerts: [
        Alert(name: "StrataObjectStoreErrors",
              expr: "sum by (job, instance) (rate(strata_bucket_store_bucket_request_failures_total[5m])) / sum by (job, instance) (rate(strata_bucket_store_bucket_requests_total[5m])) > 0.05",
              duration: "15m", severity: "warning",
              summary: "{{ $labels.instance }}: more than 5% of object-store requests fail",
              description: "{{ $value | humanizePercentage }} of the bucket requests of the store-gateway {{ $labels.instance }} fail; queries of data older than -querier.query-store-after fail or miss blocks."),
        Alert(name: "StrataIngesterShipperFailing",
              expr: "sum by (job, instance, user) (increase(strata_ingester_shipper_upload_failures_total[30m])) > 0",
              duration: "30m", severity: "critical",
              summary: "{{ $labels.instance }} cannot upload blocks of tenant {{ $labels.user }}",
              description: "Block uploads of tenant {{ $labels.user }} from {{ $labels.instance }} keep failing (retried every -blocks-storage.tsdb.ship-interval). The blocks stay on the ingester's disk."),
        Alert(name: "StrataStoreGatewaySyncFailing",
              expr: "sum by (job, instance) (increase(strata_blocks_meta_sync_failures_total[1h])) / sum by (job, instance) (increase(strata_blocks_meta_syncs_total[1h])) > 0.5",
              duration: "30m", severity: "critical",
              summary: "{{ $labels.instance }}: store-gateway bucket syncs fail",
              description: "Most bucket syncs of the store-gateway {{ $labels.instance }} failed in the last hour; it does not load new blocks (compacted or shipped), so queries miss recent blocks."),
    ]),
    AlertGroup(name: "strata-compactor", alerts: [
        Alert(name: "StrataCompactorRunsFailing",
              expr: "increase(strata_compactor_runs_failed_total[2h]) >= 2",
              duration: "0m", severity: "critical",
              summary: "{{ $labels.instance }}: compactor runs keep failing",
              description: "The compactor {{ $labels.instance }} failed {{ $value | humanize }} runs in 2 hours; blocks pile up in the bucket and queries read more, duplicated data."),
        Alert(name: "StrataCompactorHasNotSuccessfullyRunCompaction",
              expr: "(time() - strata_compactor_last_successful_run_timestamp_seconds > 24 * 3600) and (strata_compactor_last_successful_run_timestamp_seconds > 0)",
              duration: "1h", severity: "critical",
              summary: "{{ $labels.instance }}: no successful compactor run for 24h",
              description: "The compactor {{ $labels.instance }} last completed a run {{ $value | humanizeDuration }} ago: it hangs in a run or no longer starts one."),
        Alert(name: "StrataCompactionLagging",
              expr: "max by (job, user) ((time() - strata_compactor_oldest_uncompacted_block_timestamp_seconds) and (strata_compactor_oldest_uncompacted_block_timestamp_seconds > 0)) > 18 * 3600",
              duration: "1h", severity: "warning",
              summary: "Tenant {{ $labels.user }}: a block has waited more than 18h for compaction",
              description: "The oldest raw block of tenant {{ $labels.user }} that no compaction merged starts {{ $value | humanizeDuration }} ago. Normally it is below 4h with replicated ingesters and below 16h with one."),
        Alert(name: "StrataCompactorBlocksMarkedNoCompact",
              expr: "max by (job, user) (strata_compactor_no_compact_blocks) > 0",
              duration: "15m", severity: "warning",
              summary: "Tenant {{ $labels.user }} has {{ $value }} quarantined (no-compact) blocks",
              description: "The compactor could not read some blocks of tenant {{ $labels.user }} and marked them no-compact; they are still queried but never merged. Each needs an operator."),
        Alert(name: "StrataCompactorTenantFailing",
              expr: "sum by (job, user) (increase(strata_compactor_tenant_failures_total[2h])) >= 2",
              duration: "0m", severity: "warning",
              summary: "Compaction of tenant {{ $labels.user }} keeps failing",
              description: "The compaction of tenant {{ $labels.user }} failed {{ $value | humanize }} times in 2 hours while other tenants are compacted."),
    ]),
    AlertGroup(name: "strata-queries", alerts: [
        Alert(name: "StrataQueryErrors",
              expr: #"sum by (job) (rate(\#(pushCount){route=~"(prometheus_)?api_v1_query(_range)?", status_code=~"5.."}[5m])) / sum by (job) (rate(\#(pushCount){route=~"(prometheus_)?api_v1_query(_range)?"}[5m])) > 0.01"#,
              duration: "15m", severity: "critical",
              summary: "{{ $labels.job }}: more than 1% of queries fail with 5xx",
              description: "{{ $value | humanizePercentage }} of the queries answered by {{ $labels.job }} fail with 5xx (a querier, ingester or store-gateway failing, or err-strata-query-timeout)."),
        Alert(name: "StrataQueryLatencyHigh",
              expr: #"histogram_quantile(0.99, sum by (job, route, le) (rate(strata_request_duration_seconds_bucket{route=~"(prometheus_)?api_v1_query(_range)?"}[5m]))) > 5"#,
              duration: "15m", severity: "warning",
              summary: "{{ $labels.job }}: {{ $labels.route }} p99 latency above 5s",
              description: "The 99th percentile latency of {{ $labels.route }} on {{ $labels.job }} is {{ $value | humanizeDuration }}."),
        Alert(name: "StrataQueryFrontendQueueFull",
              expr: "sum by (job, user) (rate(strata_query_frontend_discarded_requests_total[5m])) > 0",
              duration: "5m", severity: "warning",
              summary: "{{ $labels.job }}: queries of tenant {{ $labels.user }} refused with 429 (queue full)",
              description: "The query-frontend {{ $labels.job }} refuses {{ $value | humanize }} requests/s of tenant {{ $labels.user }} with 429 err-strata-too-many-outstanding-requests: the tenant's queue is full because the queriers do not keep up."),
        Alert(name: "StrataQueriesHittingLimits",
              expr: #"sum by (job) (rate(\#(pushCount){route=~"(prometheus_)?api_v1_query(_range)?", status_code="422"}[5m])) > 0"#,
              duration: "30m", severity: "info",
              summary: "{{ $labels.job }}: queries refused by query limits (422)",
              description: "{{ $value | humanize }} queries/s on {{ $labels.job }} exceed a query limit (err-strata-max-samples-per-query, err-strata-max-series-per-query, err-strata-max-chunks-bytes-per-query, err-strata-max-query-length)."),
    ]),
    AlertGroup(name: "strata-config-and-caches", alerts: [
        Alert(name: "StrataRuntimeConfigReloadFailing",
              expr: "strata_runtime_config_last_reload_successful == 0",
              duration: "5m", severity: "warning",
              summary: "{{ $labels.instance }}: the runtime config file does not load",
              description: "The last reload of -runtime-config.file on {{ $labels.instance }} failed; the previous per-tenant overrides still apply and changes to the file are ignored."),
        Alert(name: "StrataMemcachedErrors",
              expr: "sum by (job, instance, name) (rate(strata_memcached_operation_failures_total[5m])) / sum by (job, instance, name) (rate(strata_memcached_operations_total[5m])) > 0.1",
              duration: "15m", severity: "warning",
              summary: "{{ $labels.instance }}: more than 10% of memcached operations of the {{ $labels.name }} cache fail",
              description: "{{ $value | humanizePercentage }} of the memcached operations of the {{ $labels.name }} cache on {{ $labels.instance }} fail or time out. Every failure is a cache miss: queries keep working, only slower, and the object store gets more reads."),
    ]),
]

func yamlQuote(_ s: String) -> String {
    "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

func alertsYAML() -> String {
    var out = """
    # Prometheus alerting rules for Strata. Generated by dashboards/generate.swift: edit that file and
    # run `swift dashboards/generate.swift`. Each alert's runbook is the section of docs/runbooks.md
    # named after it; `runbook_url` is relative to the repository (prefix it with where you publish
    # the docs). Check with: promtool check rules dashboards/alerts.yaml
    groups:

    """
    for group in alertGroups {
        out += "  - name: \(group.name)\n    rules:\n"
        for a in group.alerts {
            out += "      - alert: \(a.name)\n"
            out += "        expr: |\n          \(a.expr)\n"
            if a.duration != "0m" { out += "        for: \(a.duration)\n" }
            out += "        labels:\n          severity: \(a.severity)\n"
            out += "        annotations:\n"
            out += "          summary: \(yamlQuote(a.summary))\n"
            out += "          description: \(yamlQuote(a.description))\n"
            out += "          runbook_url: \(yamlQuote("docs/runbooks.md#" + a.name.lowercased()))\n"
        }
    }
    return out
}

// MARK: - Write the files

let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
var written: [String] = []
for d in dashboards {
    let url = directory.appendingPathComponent(d.file)
    try (dashboardJSON(d).rendered() + "\n").write(to: url, atomically: true, encoding: .utf8)
    written.append(d.file)
}
try alertsYAML().write(to: directory.appendingPathComponent("alerts.yaml"), atomically: true, encoding: .utf8)
written.append("alerts.yaml")
print("wrote \(written.map { "dashboards/" + $0 }.joined(separator: ", "))")
