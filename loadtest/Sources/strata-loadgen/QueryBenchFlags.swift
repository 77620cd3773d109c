import StrataModel

/// Flags of `strata-loadgen query-bench`: which two servers to load and query, the shape of the
/// data set, and how often each query runs.
struct QueryBenchConfig: Sendable {
    /// Strata's base URL (remote write at `/api/v1/push`, queries under `/prometheus/api/v1`).
    var strata = "http://127.0.0.1:8080"
    /// Prometheus' base URL (remote write at `/api/v1/write`, queries under `/api/v1`).
    var prometheus = "http://127.0.0.1:9090"
    /// `X-Scope-OrgID` sent to Strata (writes and queries); none when empty.
    var tenant = ""
    /// Series in the simulated fleet.
    var series = 100_000
    /// Length of the data set, ending at `end`.
    var span: Duration = .seconds(6 * 3600)
    /// Time between two samples of a series.
    var scrapeInterval: Duration = .seconds(60)
    /// Timed runs of each query against each server (after one untimed warm-up).
    var runs = 10
    /// Concurrent writers (series shards), as in the load generator.
    var concurrency = 4
    /// Samples per remote-write request.
    var batchSize = 2_000
    /// Seed of the sample values.
    var seed: UInt64 = 1
    /// Query only: the data was loaded by an earlier run that ended at `end`.
    var skipLoad = false
    /// Load only, no queries (a script can then profile the query phase on its own).
    var loadOnly = false
    /// End of the data (Unix seconds); now rounded down to the scrape interval when unset.
    var end: Int64?
    /// Step of range queries.
    var step: Duration = .seconds(60)
}

/// Parses `query-bench` flags (`-name value` or `-name=value`, Go style like the rest of the tool).
func parseQueryBenchFlags(_ arguments: [String]) throws -> QueryBenchConfig? {
    var c = QueryBenchConfig()
    var flags = FlagScanner(arguments)
    func positiveInt(_ name: String, _ v: String) throws -> Int {
        guard let n = Int(v.filter { $0 != "_" }), n > 0 else {
            throw FlagError(description: "invalid value \"\(v)\" for flag -\(name): want a positive integer")
        }
        return n
    }
    func duration(_ name: String, _ v: String) throws -> Duration {
        guard let d = try? GoDuration.parseThrowing(v), d > .zero else {
            throw FlagError(description: "invalid value \"\(v)\" for flag -\(name): want a positive duration such as 60s or 6h")
        }
        return d
    }
    while let (name, inline) = try flags.next() {
        switch name {
        case "help", "h": return nil
        case "strata": c.strata = try flags.value(name, inline)
        case "prometheus": c.prometheus = try flags.value(name, inline)
        case "tenant": c.tenant = try flags.value(name, inline)
        case "series": c.series = try positiveInt(name, flags.value(name, inline))
        case "span": c.span = try duration(name, flags.value(name, inline))
        case "scrape-interval": c.scrapeInterval = try duration(name, flags.value(name, inline))
        case "step": c.step = try duration(name, flags.value(name, inline))
        case "runs": c.runs = try positiveInt(name, flags.value(name, inline))
        case "concurrency": c.concurrency = try positiveInt(name, flags.value(name, inline))
        case "batch-size": c.batchSize = try positiveInt(name, flags.value(name, inline))
        case "seed":
            let v = try flags.value(name, inline)
            guard let s = UInt64(v) else { throw FlagError(description: "invalid value \"\(v)\" for flag -seed") }
            c.seed = s
        case "end":
            let v = try flags.value(name, inline)
            guard let e = Int64(v), e > 0 else { throw FlagError(description: "invalid value \"\(v)\" for flag -end: want Unix seconds") }
            c.end = e
        case "skip-load":
            c.skipLoad = inline.map { $0 == "true" || $0 == "1" } ?? true
        case "load-only":
            c.loadOnly = inline.map { $0 == "true" || $0 == "1" } ?? true
        default:
            throw FlagError(description: "flag provided but not defined: -\(name)")
        }
    }
    if c.skipLoad && c.end == nil {
        throw FlagError(description: "-skip-load needs -end (the end of the data the earlier run loaded)")
    }
    return c
}

/// Usage of `strata-loadgen query-bench`.
func queryBenchUsage() -> String {
    """
    strata-loadgen query-bench: loads the same simulated fleet into Strata and Prometheus by remote
    write (both receive the same request bodies, in time order), then times typical dashboard
    queries against both and prints the median latency of each.

    Usage:
      strata-loadgen query-bench -strata URL -prometheus URL [flags]

    Flags:
      -strata url            Strata base URL (default http://127.0.0.1:8080)
      -prometheus url        Prometheus base URL, started with --web.enable-remote-write-receiver
                             (default http://127.0.0.1:9090)
      -tenant id             X-Scope-OrgID for Strata (default none: multitenancy off)
      -series int            series in the fleet (default 100000)
      -span duration         length of the data, ending now (default 6h)
      -scrape-interval dur   time between two samples of a series (default 60s)
      -step duration         step of the range queries (default 60s)
      -runs int              timed runs per query and server (default 10)
      -concurrency int       concurrent writers (default 4)
      -batch-size int        samples per remote-write request (default 2000)
      -seed uint             seed of the values (default 1)
      -skip-load             only query; needs -end
      -load-only             only load (then query with -skip-load -end E)
      -end unix-seconds      end of the data (default: now, rounded down to the scrape interval)

    """
}
