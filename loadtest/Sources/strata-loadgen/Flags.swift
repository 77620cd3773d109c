import StrataModel

/// Command-line flags of `strata-loadgen`, parsed by hand in Go's `flag` style: `-name=value`,
/// `-name value`, `--name` works too, boolean flags take no value (or `-name=true|false`), and
/// `-help` prints the usage.

/// One extra HTTP header sent with every request (`-header 'Name: value'`).
struct ExtraHeader: Sendable, Equatable {
    /// Header name, as given.
    var name: String
    /// Header value, leading and trailing spaces removed.
    var value: String
}

/// How the generator paces its traffic.
enum Mode: Sendable, Equatable {
    /// Wall-clock mode: every scrape interval, for `duration`, one sample per series stamped "now".
    case realTime(duration: Duration)
    /// Backfill/throughput mode: `samplesPerSeries` scrape intervals ending now, pre-encoded and
    /// then sent as fast as the server accepts them.
    case throughput(samplesPerSeries: Int)

    /// Short name used in the report and the JSON summary.
    var name: String {
        switch self {
        case .realTime: return "realtime"
        case .throughput: return "throughput"
        }
    }
}

/// Everything the flags configure.
struct Config: Sendable {
    /// Remote-write endpoint.
    var url = "http://127.0.0.1:8080/api/v1/push"
    /// Number of distinct series in the simulated fleet.
    var series = 10_000
    /// Samples per request (Prometheus' `max_samples_per_send`).
    var batchSize = 2_000
    /// Concurrent workers (Prometheus shards); each owns a fixed subset of series.
    var concurrency = 4
    /// Time between two samples of a series.
    var scrapeInterval: Duration = .seconds(15)
    /// Set by `-duration`.
    var duration: Duration?
    /// Set by `-samples-per-series`.
    var samplesPerSeries: Int?
    /// Extra headers, in the order given.
    var headers: [ExtraHeader] = []
    /// Labels added to every series (`-label run=2`), to write fresh series on each run.
    var extraLabels: [Label] = []
    /// Print a JSON summary as the last line.
    var json = false
    /// Exit 0 even when requests failed.
    var allowErrors = false
    /// File to append acknowledged samples to.
    var recordAcked: String?
    /// Seed of every random choice (labels are fixed; values and resets depend on it).
    var seed: UInt64 = 1
    /// Per-request timeout.
    var timeout: Duration = .seconds(30)
    /// Probability that a counter resets at a given scrape.
    var counterResetProbability = 0.0005
    /// Upper bound on the memory used by pre-encoded request bodies in throughput mode.
    var maxPreencodedBytes = 4 << 30
    /// Native-histogram share and shape (`-native-histogram-*`); ratio 0 = float-only traffic.
    var nativeHistograms = NativeHistogramShape()
    /// Remote write 1.0 or 2.0 bodies (`-remote-write-version`).
    var remoteWriteVersion = RemoteWriteVersion.v1
    /// The mode implied by `-duration` / `-samples-per-series` (validated by `parseFlags`).
    var mode: Mode = .throughput(samplesPerSeries: 1)
}

/// A flag problem, printed with the usage hint and exit code 2 (as Go's `flag` package does).
struct FlagError: Error, CustomStringConvertible {
    /// What was wrong, naming the flag.
    var description: String
}

/// The result of parsing: either a configuration or a request for help.
enum FlagParseResult: Sendable {
    case run(Config)
    case help
}

/// A flag definition: name, value placeholder for the usage text (nil for booleans), help, default.
private struct FlagSpec {
    var name: String
    var placeholder: String?
    var help: String
    var defaultText: String?
    var apply: (inout Config, String) throws -> Void
}

/// Every flag, in the order the usage text lists them (alphabetical, like Go).
private func flagSpecs() -> [FlagSpec] {
    [
        FlagSpec(name: "allow-errors", placeholder: nil,
                 help: "Exit 0 even when some requests failed (errors are still reported).",
                 defaultText: nil) { c, v in c.allowErrors = try parseBool(v, flag: "allow-errors") },
        FlagSpec(name: "batch-size", placeholder: "int",
                 help: "Samples per remote-write request, like Prometheus' max_samples_per_send.",
                 defaultText: "2000") { c, v in c.batchSize = try parsePositiveInt(v, flag: "batch-size") },
        FlagSpec(name: "concurrency", placeholder: "int",
                 help: "Concurrent connections/workers. Series are sharded across workers by label hash,\n"
                     + "so each series' samples are always sent in time order.",
                 defaultText: "4") { c, v in c.concurrency = try parsePositiveInt(v, flag: "concurrency", max: 1024) },
        FlagSpec(name: "counter-reset-probability", placeholder: "float",
                 help: "Probability that a counter resets to zero at a given scrape.",
                 defaultText: "0.0005") { c, v in
                     guard let p = Double(v), p >= 0, p <= 1 else {
                         throw FlagError(description: "invalid value \"\(v)\" for flag -counter-reset-probability: want a number in [0, 1]")
                     }
                     c.counterResetProbability = p
                 },
        FlagSpec(name: "duration", placeholder: "duration",
                 help: "Real-time mode: run for this long (e.g. 10m); every scrape interval each series gets\n"
                     + "one sample stamped now. Excludes -samples-per-series.",
                 defaultText: nil) { c, v in c.duration = try parsePositiveDuration(v, flag: "duration") },
        FlagSpec(name: "header", placeholder: "'Name: value'",
                 help: "Extra HTTP header for every request, e.g. 'X-Scope-OrgID: tenant-1'. Repeatable.",
                 defaultText: nil) { c, v in c.headers.append(try parseHeader(v)) },
        FlagSpec(name: "json", placeholder: nil,
                 help: "Print a one-line JSON summary as the last line of output.",
                 defaultText: nil) { c, v in c.json = try parseBool(v, flag: "json") },
        FlagSpec(name: "label", placeholder: "name=value",
                 help: "Label added to every series, e.g. run=2 so that a rerun writes new series instead of\n"
                     + "overlapping (out-of-order) samples into old ones. Repeatable.",
                 defaultText: nil) { c, v in c.extraLabels.append(try parseLabel(v)) },
        FlagSpec(name: "max-preencoded-bytes", placeholder: "bytes",
                 help: "Throughput mode: refuse to run when the pre-encoded bodies would exceed this many bytes.",
                 defaultText: "4294967296") { c, v in c.maxPreencodedBytes = try parsePositiveInt(v, flag: "max-preencoded-bytes") },
        FlagSpec(name: "native-histogram-buckets", placeholder: "int",
                 help: "Populated buckets of each native histogram (laid out in up to three spans).",
                 defaultText: "20") { c, v in
                     c.nativeHistograms.buckets = try parsePositiveInt(v, flag: "native-histogram-buckets", max: NativeHistogramShape.maxBuckets)
                 },
        FlagSpec(name: "native-histogram-ratio", placeholder: "float",
                 help: "Share of the series (0 to 1) that send integer-count native histograms instead of floats:\n"
                     + "counter histograms whose buckets grow each scrape. 0 sends floats only.",
                 defaultText: "0") { c, v in
                     guard let r = Double(v), r >= 0, r <= 1 else {
                         throw FlagError(description: "invalid value \"\(v)\" for flag -native-histogram-ratio: want a number in [0, 1]")
                     }
                     c.nativeHistograms.ratio = r
                 },
        FlagSpec(name: "native-histogram-schema", placeholder: "int",
                 help: "Exponential schema of the native histograms, -4 to 8 (3: 8 buckets per power of two).",
                 defaultText: "3") { c, v in
                     guard let n = Int32(v), (HistogramSchema.minExponential...HistogramSchema.maxExponential).contains(n) else {
                         throw FlagError(description: "invalid value \"\(v)\" for flag -native-histogram-schema: want an integer in -4...8")
                     }
                     c.nativeHistograms.schema = n
                 },
        FlagSpec(name: "record-acked", placeholder: "file",
                 help: "Append every sample of every acknowledged (2xx) request to this file (format in README).",
                 defaultText: nil) { c, v in
                     guard !v.isEmpty else { throw FlagError(description: "flag -record-acked needs a file name") }
                     c.recordAcked = v
                 },
        FlagSpec(name: "remote-write-version", placeholder: "1|2",
                 help: "Remote-write protobuf message: 1 (prometheus.WriteRequest) or 2 (io.prometheus.write.v2.Request,\n"
                     + "as Prometheus 3 sends native histograms).",
                 defaultText: "1") { c, v in
                     switch v {
                     case "1", "1.0": c.remoteWriteVersion = .v1
                     case "2", "2.0": c.remoteWriteVersion = .v2
                     default:
                         throw FlagError(description: "invalid value \"\(v)\" for flag -remote-write-version: want 1 or 2")
                     }
                 },
        FlagSpec(name: "samples-per-series", placeholder: "int",
                 help: "Throughput mode: generate this many scrape intervals per series, ending now, and send\n"
                     + "them as fast as possible (bodies are pre-encoded). Excludes -duration.",
                 defaultText: nil) { c, v in c.samplesPerSeries = try parsePositiveInt(v, flag: "samples-per-series") },
        FlagSpec(name: "scrape-interval", placeholder: "duration",
                 help: "Interval between two samples of one series.",
                 defaultText: "15s") { c, v in c.scrapeInterval = try parsePositiveDuration(v, flag: "scrape-interval") },
        FlagSpec(name: "seed", placeholder: "uint",
                 help: "Seed for values, counter resets and timestamp jitter (label sets do not depend on it).",
                 defaultText: "1") { c, v in
                     guard let s = UInt64(v) else {
                         throw FlagError(description: "invalid value \"\(v)\" for flag -seed: want an unsigned integer")
                     }
                     c.seed = s
                 },
        FlagSpec(name: "series", placeholder: "int",
                 help: "Number of distinct series in the simulated Kubernetes fleet.",
                 defaultText: "10000") { c, v in c.series = try parsePositiveInt(v, flag: "series", max: 100_000_000) },
        FlagSpec(name: "timeout", placeholder: "duration",
                 help: "Timeout of one request (connect, send and read the response).",
                 defaultText: "30s") { c, v in c.timeout = try parsePositiveDuration(v, flag: "timeout") },
        FlagSpec(name: "url", placeholder: "url",
                 help: "Remote-write endpoint. Strata: http://127.0.0.1:8080/api/v1/push;\n"
                     + "VictoriaMetrics: http://127.0.0.1:8428/api/v1/write.",
                 defaultText: "http://127.0.0.1:8080/api/v1/push") { c, v in
                     guard v.hasPrefix("http://") || v.hasPrefix("https://") else {
                         throw FlagError(description: "invalid value \"\(v)\" for flag -url: want an http:// or https:// URL")
                     }
                     c.url = v
                 },
    ]
}

/// The usage text printed by `-help` and after a flag error.
func usageText() -> String {
    var out = """
        strata-loadgen: replays realistic Prometheus remote-write traffic (a simulated Kubernetes fleet)
        against any remote-write URL and reports samples/s, requests/s, latency and errors.

        Usage:
          strata-loadgen -samples-per-series K [flags]   throughput (backfill) mode: measures samples/s
          strata-loadgen -duration D [flags]             real-time mode: one sample per series per interval

        Flags:

        """
    for spec in flagSpecs() {
        out += "  -\(spec.name)"
        if let p = spec.placeholder { out += " \(p)" }
        out += "\n"
        for line in spec.help.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "        \(line)\n"
        }
        if let d = spec.defaultText { out += "        (default \(d))\n" }
    }
    out += "  -help\n        Print this help.\n"
    return out
}

/// Parses `arguments` (without the program name).
func parseFlags(_ arguments: [String]) throws -> FlagParseResult {
    var config = Config()
    let specs = flagSpecs()
    var index = 0
    while index < arguments.count {
        let arg = arguments[index]
        index += 1
        guard arg.hasPrefix("-"), arg != "-" else {
            throw FlagError(description: "unexpected argument \"\(arg)\": this program takes flags only")
        }
        var body = Substring(arg.dropFirst())
        if body.hasPrefix("-") { body = body.dropFirst() }
        if body.isEmpty { break }  // "--" ends the flags; nothing may follow.
        let name: String
        var value: String?
        if let eq = body.firstIndex(of: "=") {
            name = String(body[..<eq])
            value = String(body[body.index(after: eq)...])
        } else {
            name = String(body)
        }
        if name == "help" || name == "h" { return .help }
        guard let spec = specs.first(where: { $0.name == name }) else {
            throw FlagError(description: "flag provided but not defined: -\(name)")
        }
        if value == nil {
            if spec.placeholder == nil {
                value = "true"
            } else {
                guard index < arguments.count else {
                    throw FlagError(description: "flag needs an argument: -\(name)")
                }
                value = arguments[index]
                index += 1
            }
        }
        try spec.apply(&config, value ?? "")
    }
    if index < arguments.count {
        throw FlagError(description: "unexpected argument \"\(arguments[index])\": this program takes flags only")
    }
    switch (config.duration, config.samplesPerSeries) {
    case (nil, nil):
        throw FlagError(description: "pick a mode: -samples-per-series K (throughput) or -duration D (real time)")
    case (.some, .some):
        throw FlagError(description: "-duration and -samples-per-series exclude each other")
    case (.some(let d), nil):
        config.mode = .realTime(duration: d)
    case (nil, .some(let k)):
        config.mode = .throughput(samplesPerSeries: k)
    }
    if config.nativeHistograms.ratio > 0 && config.recordAcked != nil {
        throw FlagError(description: "-record-acked records float samples only; it cannot be combined with -native-histogram-ratio > 0")
    }
    if config.scrapeInterval < .milliseconds(1) {
        throw FlagError(description: "-scrape-interval must be at least 1ms")
    }
    return .run(config)
}

/// Parses a Go boolean flag value.
private func parseBool(_ v: String, flag: String) throws -> Bool {
    switch v.lowercased() {
    case "1", "t", "true": return true
    case "0", "f", "false": return false
    default: throw FlagError(description: "invalid boolean value \"\(v)\" for flag -\(flag)")
    }
}

/// Parses an integer in `1...max`; underscores are allowed as digit separators.
private func parsePositiveInt(_ v: String, flag: String, max: Int = Int.max) throws -> Int {
    guard let n = Int(v.replacingUnderscores()), n >= 1, n <= max else {
        throw FlagError(description: "invalid value \"\(v)\" for flag -\(flag): want an integer in 1...\(max)")
    }
    return n
}

/// Parses a positive duration in the syntax every Strata flag uses (`GoDuration`).
private func parsePositiveDuration(_ v: String, flag: String) throws -> Duration {
    let d: Duration
    do {
        d = try GoDuration.parseThrowing(v)
    } catch {
        throw FlagError(description: "invalid value \"\(v)\" for flag -\(flag): \(error)")
    }
    guard d > .zero else {
        throw FlagError(description: "invalid value \"\(v)\" for flag -\(flag): want a positive duration such as 15s, 1m30s or 500ms")
    }
    return d
}

/// Label names the fleet itself sets; `-label` may not override them.
let reservedLabelNames: Set<String> = [
    "__name__", "app", "cluster", "container", "instance", "job", "namespace", "node", "pod", "zone",
]

/// Parses `name=value` for `-label`.
private func parseLabel(_ v: String) throws -> Label {
    guard let eq = v.firstIndex(of: "=") else {
        throw FlagError(description: "invalid value \"\(v)\" for flag -label: want name=value")
    }
    let name = String(v[..<eq])
    let value = String(v[v.index(after: eq)...])
    let valid = name.utf8.enumerated().allSatisfy { i, b in
        b == UInt8(ascii: "_") || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (i > 0 && b >= 0x30 && b <= 0x39)
    }
    guard !name.isEmpty, valid, !name.hasPrefix("__") else {
        throw FlagError(description: "invalid label name \"\(name)\" in flag -label: want [a-zA-Z_][a-zA-Z0-9_]* not starting with __")
    }
    let catalogNames = metricCatalog.contains { $0.extras.contains { $0.name == name } }
    guard !reservedLabelNames.contains(name), !catalogNames else {
        throw FlagError(description: "flag -label may not set \"\(name)\": the fleet already uses this label name")
    }
    guard !value.isEmpty else {
        throw FlagError(description: "flag -label \(name)= has an empty value (an empty label is no label)")
    }
    return Label(name: name, value: value)
}

/// Parses `Name: value`.
private func parseHeader(_ v: String) throws -> ExtraHeader {
    guard let colon = v.firstIndex(of: ":") else {
        throw FlagError(description: "invalid value \"\(v)\" for flag -header: want 'Name: value'")
    }
    let name = v[..<colon].trimmingSpaces()
    let value = v[v.index(after: colon)...].trimmingSpaces()
    let tokenOK = !name.isEmpty && name.utf8.allSatisfy { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || "!#$%&'*+-.^_`|~".utf8.contains(b)
    }
    guard tokenOK else {
        throw FlagError(description: "invalid header name \"\(name)\" in flag -header")
    }
    return ExtraHeader(name: name, value: value)
}

extension String {
    /// The string without `_` digit separators.
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    fileprivate func trimmingSpaces() -> String {
        let start = firstIndex(where: { $0 != " " && $0 != "\t" }) ?? endIndex
        let end = lastIndex(where: { $0 != " " && $0 != "\t" }).map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }
}
