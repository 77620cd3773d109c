import StrataModel

/// Flags of `strata-loadgen query-load`: the server, the query loops (`-load`, repeatable) and how
/// long they run.

/// One query loop: `concurrency` workers that each send the same query again and again, as one
/// tenant, waiting `pause` after every answer.
struct QueryLoopSpec: Sendable, Equatable {
    /// Name in the report (default: the tenant, or `loop<N>`).
    var name = ""
    /// `X-Scope-OrgID`; none when empty.
    var tenant = ""
    /// The PromQL text.
    var query = ""
    /// Length of a range query ending at the query time; nil for an instant query.
    var range: Duration?
    /// Step of a range query.
    var step: Duration = .seconds(60)
    /// Workers running the loop at once.
    var concurrency = 1
    /// Time a worker waits after each answer before the next request.
    var pause: Duration = .zero
    /// Requests the loop sends in all (shared by its workers); nil: until `-duration` ends.
    var count: Int?
}

/// Everything `query-load` is told.
struct QueryLoadConfig: Sendable {
    /// Strata's base URL.
    var strata = "http://127.0.0.1:8080"
    /// Path of the query API under the base URL.
    var apiPrefix = "/prometheus/api/v1"
    /// The loops, in the order given.
    var loops: [QueryLoopSpec] = []
    /// How long the loops send; nil when every loop has a `count`.
    var duration: Duration?
    /// Query time (Unix seconds) instead of the wall clock at each request.
    var end: Int64?
    /// Adds `stats=all` and sums `data.stats.strata` over the answers.
    var stats = false
    /// A JSON summary as the last line of output.
    var json = false
    /// Per-request timeout.
    var timeout: Duration = .seconds(300)
    /// Exit 0 even when requests failed with something other than 429.
    var allowErrors = false
}

/// Parses `query-load` flags; nil for `-help`.
func parseQueryLoadFlags(_ arguments: [String]) throws -> QueryLoadConfig? {
    var c = QueryLoadConfig()
    var flags = FlagScanner(arguments)
    func bool(_ inline: String?) -> Bool { inline.map { $0 == "true" || $0 == "1" } ?? true }
    while let (name, inline) = try flags.next() {
        switch name {
        case "help", "h": return nil
        case "strata", "url": c.strata = try flags.value(name, inline)
        case "api-prefix": c.apiPrefix = try flags.value(name, inline)
        case "load":
            var spec = try parseQueryLoop(try flags.value(name, inline))
            if spec.name.isEmpty { spec.name = spec.tenant.isEmpty ? "loop\(c.loops.count + 1)" : spec.tenant }
            c.loops.append(spec)
        case "duration":
            let v = try flags.value(name, inline)
            guard let d = try? GoDuration.parseThrowing(v), d > .zero else {
                throw FlagError(description: "invalid value \"\(v)\" for flag -duration: want a positive duration such as 60s")
            }
            c.duration = d
        case "end":
            let v = try flags.value(name, inline)
            guard let e = Int64(v), e > 0 else { throw FlagError(description: "invalid value \"\(v)\" for flag -end: want Unix seconds") }
            c.end = e
        case "timeout":
            let v = try flags.value(name, inline)
            guard let d = try? GoDuration.parseThrowing(v), d > .zero else {
                throw FlagError(description: "invalid value \"\(v)\" for flag -timeout: want a positive duration")
            }
            c.timeout = d
        case "stats": c.stats = bool(inline)
        case "json": c.json = bool(inline)
        case "allow-errors": c.allowErrors = bool(inline)
        default:
            throw FlagError(description: "flag provided but not defined: -\(name)")
        }
    }
    guard !c.loops.isEmpty else { throw FlagError(description: "at least one -load is required") }
    if c.duration == nil, let open = c.loops.first(where: { $0.count == nil }) {
        throw FlagError(description: "-duration is required: loop \"\(open.name)\" has no count=")
    }
    let names = c.loops.map(\.name)
    if Set(names).count != names.count {
        throw FlagError(description: "two -load loops are named alike; give them name=…")
    }
    c.strata = String(c.strata.reversed().drop { $0 == "/" }.reversed())
    return c
}

/// Parses one `-load` value: `key=value` pairs separated by commas outside brackets and quotes,
/// so a query keeps its own commas (`histogram_quantile(0.99, …)`, `{a="1",b="2"}`).
func parseQueryLoop(_ text: String) throws -> QueryLoopSpec {
    var spec = QueryLoopSpec()
    for part in splitTopLevel(text) where !part.isEmpty {
        guard let eq = part.firstIndex(of: "=") else {
            throw FlagError(description: "invalid -load part \"\(part)\": want key=value")
        }
        let key = part[..<eq].strippingSpaces()
        let value = String(part[part.index(after: eq)...])
        func duration(allowZero: Bool) throws -> Duration {
            guard let d = try? GoDuration.parseThrowing(value.strippingSpaces()),
                  d > .zero || (allowZero && d == .zero) else {
                throw FlagError(description: "invalid -load \(key)=\"\(value)\": want a duration such as 1h or 200ms")
            }
            return d
        }
        func positive() throws -> Int {
            guard let n = Int(value.strippingSpaces()), n > 0 else {
                throw FlagError(description: "invalid -load \(key)=\"\(value)\": want a positive integer")
            }
            return n
        }
        switch key {
        case "name": spec.name = value
        case "tenant": spec.tenant = value
        case "query": spec.query = value
        case "range":
            let d = try duration(allowZero: true)
            spec.range = d == .zero ? nil : d
        case "step": spec.step = try duration(allowZero: false)
        case "concurrency": spec.concurrency = try positive()
        case "pause": spec.pause = try duration(allowZero: true)
        case "count": spec.count = try positive()
        default:
            throw FlagError(description: "unknown -load key \"\(key)\" (known: name, tenant, query, range, step, concurrency, pause, count)")
        }
    }
    guard !spec.query.isEmpty else { throw FlagError(description: "-load \"\(text)\" has no query=") }
    return spec
}

/// Splits at commas that are outside `()`, `[]`, `{}` and quoted strings.
private func splitTopLevel(_ text: String) -> [String] {
    var parts: [String] = []
    var current = ""
    var depth = 0
    var quote: Character?
    var escaped = false
    for ch in text {
        if let q = quote {
            current.append(ch)
            if escaped {
                escaped = false
            } else if ch == "\\" && q != "`" {
                escaped = true
            } else if ch == q {
                quote = nil
            }
            continue
        }
        switch ch {
        case "\"", "'", "`": quote = ch
        case "(", "[", "{": depth += 1
        case ")", "]", "}": depth = max(0, depth - 1)
        case "," where depth == 0:
            parts.append(current)
            current = ""
            continue
        default: break
        }
        current.append(ch)
    }
    parts.append(current)
    return parts
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    fileprivate func strippingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

/// Usage of `strata-loadgen query-load`.
func queryLoadUsage() -> String {
    """
    strata-loadgen query-load: runs concurrent query loops against Strata's query API for a while
    and prints, per loop, the requests, the errors by status (429 apart) and latency quantiles.
    A request is timed from sending it until its whole answer has been read; the quantiles cover
    the successful (2xx) requests.

    Usage:
      strata-loadgen query-load -load SPEC [-load SPEC…] -duration D [flags]

    SPEC is key=value pairs separated by commas (commas inside brackets and quotes belong to the
    query, so the query may come anywhere):
      tenant=ID          X-Scope-OrgID (default none)
      query=PROMQL       the query (required)
      range=DURATION     range query over this length ending at the query time (default: instant)
      step=DURATION      step of the range query (default 60s)
      concurrency=N      workers sending this query at once (default 1)
      pause=DURATION     wait after each answer (default 0)
      count=N            stop the loop after N requests in all (then -duration is optional)
      name=TEXT          name in the report (default: the tenant)
    The query time is the wall clock at each request (or -end); a range query's end is moved down
    to a multiple of its step, as Grafana does, so repeated requests can be answered from the
    results cache.

    Example:
      strata-loadgen query-load -duration 60s \\
        -load 'tenant=heavy,query=sum by (job) (rate(http_requests_total[5m])),range=24h,step=60s,concurrency=6' \\
        -load 'tenant=light,query=up{instance="x"},range=1h,step=60s,concurrency=1,pause=200ms'

    Flags:
      -strata url        Strata base URL (default http://127.0.0.1:8080)
      -api-prefix path   query API path (default /prometheus/api/v1; /api/v1 for Prometheus)
      -load spec         a query loop (repeatable)
      -duration d        how long the loops send (requests in flight at the end are waited for)
      -end unix-seconds  fixed query time instead of now
      -stats             ask for stats=all and sum Strata's data.stats.strata (results-cache hits,
                         split and shard queries) over each loop's answers
      -timeout d         per request (default 5m)
      -json              print a JSON summary as the last line
      -allow-errors      exit 0 even when requests failed with something other than 429

    Exit codes: 0 success; 1 some request failed with something other than 429 (unless
    -allow-errors); 2 bad flags.

    """
}
