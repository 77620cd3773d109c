import Foundation

/// Counters of a run (per worker, then merged) and the final report: a human-readable block and,
/// with `-json`, a one-line JSON summary as the last line.

/// The failures of one status.
struct ErrorSummary: Sendable {
    /// Number of requests that ended with this status.
    var count: Int
    /// Response body (or transport error) of the first one.
    var firstText: String
}

/// Counters of a run.
struct RunStats: Sendable {
    /// Latency of every request, successful or not.
    var histogram = LatencyHistogram()
    var requests = 0
    var requestsAcked = 0
    var samples = 0
    var samplesAcked = 0
    /// Native histogram samples (not in `samples`).
    var histograms = 0
    var histogramsAcked = 0
    /// Compressed body bytes of every request sent.
    var bytesSent = 0
    /// Protobuf bytes before compression.
    var rawBytes = 0
    /// Failures by HTTP status (0: no response).
    var errors: [Int: ErrorSummary] = [:]
    /// Real-time mode: ticks that started late (the previous tick's requests were still running).
    var lateTicks = 0
    /// Real-time mode: largest delay between a tick's due time and its start.
    var maxLagNanos: Int64 = 0

    /// Counts one request and its outcome.
    mutating func record(_ request: PreparedRequest, _ outcome: SendOutcome) {
        histogram.record(nanoseconds: outcome.latencyNanos)
        requests += 1
        samples += request.sampleCount
        histograms += request.histogramCount
        bytesSent += request.body.readableBytes
        rawBytes += request.rawBytes
        if outcome.acknowledged {
            requestsAcked += 1
            samplesAcked += request.sampleCount
            histogramsAcked += request.histogramCount
        } else if errors[outcome.status] == nil {
            errors[outcome.status] = ErrorSummary(count: 1, firstText: outcome.errorText ?? "")
        } else {
            errors[outcome.status]?.count += 1
        }
    }

    /// Adds another worker's counters.
    mutating func merge(_ other: RunStats) {
        histogram.merge(other.histogram)
        requests += other.requests
        requestsAcked += other.requestsAcked
        samples += other.samples
        samplesAcked += other.samplesAcked
        histograms += other.histograms
        histogramsAcked += other.histogramsAcked
        bytesSent += other.bytesSent
        rawBytes += other.rawBytes
        for (status, e) in other.errors {
            if let mine = errors[status] {
                errors[status] = ErrorSummary(count: mine.count + e.count, firstText: mine.firstText)
            } else {
                errors[status] = e
            }
        }
        lateTicks += other.lateTicks
        maxLagNanos = max(maxLagNanos, other.maxLagNanos)
    }

    /// Requests that were not acknowledged.
    var failedRequests: Int { requests - requestsAcked }
}

/// The JSON summary (`-json`); keys are snake_case.
struct Summary: Codable, Sendable {
    struct Latency: Codable, Sendable {
        var p50: Double, p90: Double, p99: Double, max: Double, mean: Double
    }
    struct ErrorEntry: Codable, Sendable {
        var count: Int
        var firstBody: String
    }
    var mode: String
    var url: String
    var series: Int
    var batchSize: Int
    var concurrency: Int
    var scrapeIntervalSeconds: Double
    var samplesPerSeries: Int?
    var durationSeconds: Double?
    var preencodeSeconds: Double?
    var elapsedSeconds: Double
    var requests: Int
    var requestsAcked: Int
    var requestsFailed: Int
    var samples: Int
    var samplesAcked: Int
    var samplesPerSecond: Double
    var requestsPerSecond: Double
    var bytesSent: Int
    var bytesUncompressed: Int
    /// Per float or histogram sample.
    var bytesPerSample: Double
    /// Remote write 2.0 runs only (1.0 runs leave it out, as before the flag existed).
    var remoteWriteVersion: Int?
    /// Native-histogram runs only: the flags and the histogram samples sent, acknowledged and
    /// acknowledged per second (float samples stay in `samples*`).
    var nativeHistogramRatio: Double?
    var nativeHistogramSchema: Int?
    var nativeHistogramBuckets: Int?
    var histograms: Int?
    var histogramsAcked: Int?
    var histogramsPerSecond: Double?
    var latencyMs: Latency
    /// Keyed by HTTP status, or "transport" for requests without a response.
    var errors: [String: ErrorEntry]
    var lateTicks: Int?
    var maxTickLagSeconds: Double?
    /// CPU seconds the generator itself used during the timed phase (it shares the machine).
    var loadgenCpuSeconds: Double
}

/// Builds the summary of a finished run.
func makeSummary(config: Config, stats: RunStats, elapsed: Duration, preencode: Duration?, cpuSeconds: Double) -> Summary {
    let seconds = max(elapsed.seconds, 1e-9)
    let h = stats.histogram
    func ms(_ ns: Int64) -> Double { (Double(ns) / 1e4).rounded() / 100 }
    var errors: [String: Summary.ErrorEntry] = [:]
    for (status, e) in stats.errors {
        errors[status == 0 ? "transport" : String(status)] = Summary.ErrorEntry(count: e.count, firstBody: e.firstText)
    }
    var summary = Summary(
        mode: config.mode.name, url: config.url, series: config.series, batchSize: config.batchSize,
        concurrency: config.concurrency, scrapeIntervalSeconds: config.scrapeInterval.seconds,
        samplesPerSeries: nil, durationSeconds: nil, preencodeSeconds: preencode.map { round3($0.seconds) },
        elapsedSeconds: round3(elapsed.seconds), requests: stats.requests, requestsAcked: stats.requestsAcked,
        requestsFailed: stats.failedRequests, samples: stats.samples, samplesAcked: stats.samplesAcked,
        samplesPerSecond: Double(stats.samplesAcked) / seconds, requestsPerSecond: Double(stats.requests) / seconds,
        bytesSent: stats.bytesSent, bytesUncompressed: stats.rawBytes,
        bytesPerSample: stats.samples + stats.histograms == 0 ? 0 : Double(stats.bytesSent) / Double(stats.samples + stats.histograms),
        remoteWriteVersion: nil, nativeHistogramRatio: nil, nativeHistogramSchema: nil, nativeHistogramBuckets: nil,
        histograms: nil, histogramsAcked: nil, histogramsPerSecond: nil,
        latencyMs: .init(p50: ms(h.quantile(0.5)), p90: ms(h.quantile(0.9)), p99: ms(h.quantile(0.99)),
                         max: ms(h.maxNanos), mean: ms(h.meanNanos)),
        errors: errors, lateTicks: nil, maxTickLagSeconds: nil,
        loadgenCpuSeconds: round3(cpuSeconds))
    summary.samplesPerSecond = summary.samplesPerSecond.rounded()
    summary.requestsPerSecond = (summary.requestsPerSecond * 10).rounded() / 10
    summary.bytesPerSample = (summary.bytesPerSample * 100).rounded() / 100
    if config.remoteWriteVersion != .v1 { summary.remoteWriteVersion = config.remoteWriteVersion.rawValue }
    if config.nativeHistograms.ratio > 0 {
        summary.nativeHistogramRatio = config.nativeHistograms.ratio
        summary.nativeHistogramSchema = Int(config.nativeHistograms.schema)
        summary.nativeHistogramBuckets = config.nativeHistograms.buckets
        summary.histograms = stats.histograms
        summary.histogramsAcked = stats.histogramsAcked
        summary.histogramsPerSecond = (Double(stats.histogramsAcked) / seconds).rounded()
    }
    switch config.mode {
    case .throughput(let k):
        summary.samplesPerSeries = k
    case .realTime(let d):
        summary.durationSeconds = d.seconds
        summary.lateTicks = stats.lateTicks
        summary.maxTickLagSeconds = round3(Double(stats.maxLagNanos) / 1e9)
    }
    return summary
}

/// The human-readable report.
func renderReport(_ s: Summary) -> String {
    var out = "results (\(s.mode) mode, \(s.concurrency) workers, \(fmtSeconds(s.elapsedSeconds))):\n"
    out += "  samples/s     \(group(Int(s.samplesPerSecond)))   (\(group(s.samplesAcked)) acknowledged of \(group(s.samples)) attempted)\n"
    out += "  requests/s    \(String(format: "%.1f", s.requestsPerSecond))   (\(group(s.requestsAcked)) ok, \(group(s.requestsFailed)) failed)\n"
    if let h = s.histograms, let acked = s.histogramsAcked, let rate = s.histogramsPerSecond {
        out += "  histograms/s  \(group(Int(rate)))   (\(group(acked)) native histogram samples acknowledged of \(group(h)) attempted)\n"
    }
    let l = s.latencyMs
    out += "  latency       p50 \(fmtMs(l.p50))  p90 \(fmtMs(l.p90))  p99 \(fmtMs(l.p99))  max \(fmtMs(l.max))  mean \(fmtMs(l.mean))\n"
    let rate = Double(s.bytesSent) / max(s.elapsedSeconds, 1e-9)
    out += "  bytes sent    \(fmtBytes(Double(s.bytesSent))) (\(fmtBytes(rate))/s), \(String(format: "%.2f", s.bytesPerSample)) B/sample compressed, "
        + "\(fmtBytes(Double(s.bytesUncompressed))) uncompressed\n"
    let cores = s.loadgenCpuSeconds / max(s.elapsedSeconds, 1e-9)
    out += "  loadgen CPU   \(String(format: "%.2f", s.loadgenCpuSeconds))s (\(String(format: "%.2f", cores)) cores) during the timed phase\n"
    if let late = s.lateTicks, let lag = s.maxTickLagSeconds {
        out += "  pacing        \(late) late ticks, max lag \(fmtSeconds(lag))\n"
    }
    if s.errors.isEmpty {
        out += "  errors        none\n"
    } else {
        out += "  errors        \(group(s.requestsFailed)) requests failed\n"
        for key in s.errors.keys.sorted() {
            guard let e = s.errors[key] else { continue }
            let what = key == "transport" ? "no response" : "HTTP \(key)"
            out += "    \(what) × \(group(e.count)); first: \(e.firstBody)\n"
        }
    }
    return out
}

/// The summary as one line of JSON.
func renderJSON(_ s: Summary) -> String {
    let encoder = JSONEncoder()
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    guard let data = try? encoder.encode(s) else { return "{\"error\":\"could not encode the summary\"}" }
    return String(decoding: data, as: UTF8.self)
}

/// `1234567` → `1,234,567`.
func group(_ n: Int) -> String {
    let digits = String(n.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}

/// Bytes with a binary unit.
func fmtBytes(_ b: Double) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var v = b, i = 0
    while v >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
    return i == 0 ? "\(Int(v)) B" : String(format: "%.1f", v) + " " + units[i]
}

/// Milliseconds with a precision that fits the magnitude.
func fmtMs(_ ms: Double) -> String {
    ms >= 100 ? String(format: "%.0fms", ms) : ms >= 10 ? String(format: "%.1fms", ms) : String(format: "%.2fms", ms)
}

/// Seconds, e.g. `2.34s`.
func fmtSeconds(_ s: Double) -> String { String(format: "%.2fs", s) }

private func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
