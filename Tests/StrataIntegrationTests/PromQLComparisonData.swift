import Foundation
import StrataModel

/// The data set of the PromQL comparison test: a small, deterministic fleet of counters, gauges,
/// a classic histogram, info-style series, a series with a gap and one that goes stale, loaded
/// identically into Strata and into a real Prometheus.
///
/// Timing is what makes Prometheus 2.42 (closed range windows `[t-r, t]`) and Strata (Prometheus
/// 3.x, left-open windows `(t-r, t]`) agree: samples sit at `base + 7 s + 15 s·k`, every query time
/// is `base + 30 s (mod 60 s)`, and every range, offset and lookback is a multiple of 15 s, so no
/// sample ever lies exactly on a window boundary. Subquery steps are multiples of 60 s, whose
/// points (aligned to multiples of the step) then never fall on a subquery's lower bound either.
struct ComparisonDataSet: Sendable {
    /// One series and all its samples, in time order.
    struct Series: Sendable {
        /// Sorted label set, metric name included.
        var labels: Labels
        /// In time order; a staleness marker may be last.
        var samples: [Sample]
    }

    /// Start of the data, in seconds (a whole hour).
    let baseSeconds: Int64
    /// Number of 15 s scrapes per series.
    static let scrapes = 480
    /// Seconds between two scrapes.
    static let interval: Int64 = 15
    /// Offset of the first scrape from `baseSeconds`, chosen off every query-time grid.
    static let phase: Int64 = 7

    /// Every series, in generation order.
    let series: [Series]

    /// Timestamp (ms) of scrape `k`.
    func timestampMs(_ k: Int) -> Int64 { (baseSeconds + Self.phase + Self.interval * Int64(k)) * 1000 }

    /// End of the data in seconds (just after the last scrape).
    var endSeconds: Int64 { baseSeconds + Self.phase + Self.interval * Int64(Self.scrapes - 1) + 1 }

    /// Builds the data set starting at `baseSeconds`.
    init(baseSeconds: Int64) {
        self.baseSeconds = baseSeconds
        var rng = ComparisonRandom(seed: 0x5eed_cafe)
        var out: [Series] = []
        let jobs = ["api", "worker"]
        let instances = ["10.0.0.1:9100", "10.0.0.2:9100", "10.0.0.3:9100"]
        func ts(_ k: Int) -> Int64 { (baseSeconds + Self.phase + Self.interval * Int64(k)) * 1000 }

        // Integer request counters; one series resets to zero a third of the way in.
        var counterIndex = 0
        for job in jobs {
            for instance in instances {
                for method in ["GET", "POST"] {
                    for code in ["200", "500"] {
                        for path in ["/api/users", "/health"] {
                            let perScrape = Double(1 + rng.below(40)) * (code == "500" ? 0.05 : 1)
                            // Far from zero, like a long-running process (see the test's difference 11).
                            var value = Double(20_000 + rng.below(10_000))
                            var samples: [Sample] = []
                            for k in 0..<Self.scrapes {
                                if counterIndex == 5 && k == 160 { value = 0 }
                                if counterIndex == 17 && (k == 90 || k == 300) { value = Double(rng.below(3)) }
                                value += (perScrape * (0.5 + rng.unit())).rounded(.down)
                                samples.append(Sample(timestamp: ts(k), value: value))
                            }
                            out.append(Series(labels: Labels([
                                "__name__": "http_requests_total", "job": job, "instance": instance,
                                "method": method, "code": code, "path": path,
                            ]), samples: samples))
                            counterIndex += 1
                        }
                    }
                }
            }
        }

        // Float CPU counters.
        for job in jobs {
            for instance in instances {
                for mode in ["user", "system"] {
                    let perSecond = 0.05 + rng.unit() * (mode == "user" ? 0.9 : 0.2)
                    var value = 5_000 + rng.unit() * 5_000
                    var samples: [Sample] = []
                    for k in 0..<Self.scrapes {
                        value += perSecond * Double(Self.interval) * (0.6 + 0.8 * rng.unit())
                        samples.append(Sample(timestamp: ts(k), value: value))
                    }
                    out.append(Series(labels: Labels([
                        "__name__": "cpu_seconds_total", "job": job, "instance": instance, "mode": mode,
                    ]), samples: samples))
                }
            }
        }

        // Large integer gauges.
        for job in jobs {
            for instance in instances {
                let mean = Double(200 + rng.below(800)) * 1_048_576
                var value = mean
                var samples: [Sample] = []
                for k in 0..<Self.scrapes {
                    value += (mean - value) * 0.1 + mean * 0.03 * (2 * rng.unit() - 1)
                    value = value.rounded()
                    samples.append(Sample(timestamp: ts(k), value: value))
                }
                out.append(Series(labels: Labels([
                    "__name__": "memory_usage_bytes", "job": job, "instance": instance,
                ]), samples: samples))
            }
        }

        // Fractional gauges crossing zero, with distinct values (so topk/bottomk have no ties).
        for job in jobs {
            for instance in instances {
                for sensor in ["a", "b"] {
                    let mean = -5 + 40 * rng.unit()
                    let swing = 3 + 10 * rng.unit()
                    let period = 15 + 10 * rng.unit()
                    var samples: [Sample] = []
                    for k in 0..<Self.scrapes {
                        let wave = swing * sin(Double(k) / period)
                        let v = ((mean + wave + 2 * (rng.unit() - 0.5)) * 1000).rounded() / 1000 + rng.unit() * 1e-6
                        samples.append(Sample(timestamp: ts(k), value: v))
                    }
                    out.append(Series(labels: Labels([
                        "__name__": "temperature_celsius", "job": job, "instance": instance, "sensor": sensor,
                    ]), samples: samples))
                }
            }
        }

        // Small integer gauges (a random walk); one has a 10-minute gap, longer than the lookback.
        var queueIndex = 0
        for job in jobs {
            for instance in instances {
                var value = Double(rng.below(20))
                var samples: [Sample] = []
                for k in 0..<Self.scrapes {
                    value = max(0, value + Double(rng.below(5)) - 2)
                    if queueIndex == 2 && (200..<240).contains(k) { continue }
                    samples.append(Sample(timestamp: ts(k), value: value))
                }
                out.append(Series(labels: Labels([
                    "__name__": "queue_length", "job": job, "instance": instance,
                ]), samples: samples))
                queueIndex += 1
            }
        }

        // A classic histogram: cumulative bucket counters, monotonic in `le` at every scrape.
        let bounds = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"]
        for job in jobs {
            for instance in instances {
                var counts = [Double](repeating: 0, count: bounds.count)
                var sum = 0.0
                var bucketSamples = [[Sample]](repeating: [], count: bounds.count)
                var sumSamples: [Sample] = []
                let skew = rng.unit()
                // 300 unrecorded scrapes first: the buckets start far from zero, like those of a
                // process that has been up for a while (see the test's difference 11).
                for k in -300..<Self.scrapes {
                    let requests = 5 + rng.below(30)
                    for _ in 0..<requests {
                        let latency = rng.unit() * rng.unit() * (0.4 + skew * 1.5)
                        sum += latency
                        for (i, bound) in bounds.enumerated() where bound == "+Inf" || latency <= Double(bound) ?? 0 {
                            counts[i] += 1
                        }
                    }
                    guard k >= 0 else { continue }
                    for i in bounds.indices { bucketSamples[i].append(Sample(timestamp: ts(k), value: counts[i])) }
                    sumSamples.append(Sample(timestamp: ts(k), value: sum))
                }
                for (i, bound) in bounds.enumerated() {
                    out.append(Series(labels: Labels([
                        "__name__": "request_duration_seconds_bucket", "job": job, "instance": instance, "le": bound,
                    ]), samples: bucketSamples[i]))
                }
                out.append(Series(labels: Labels([
                    "__name__": "request_duration_seconds_sum", "job": job, "instance": instance,
                ]), samples: sumSamples))
                out.append(Series(labels: Labels([
                    "__name__": "request_duration_seconds_count", "job": job, "instance": instance,
                ]), samples: bucketSamples[bounds.count - 1]))
            }
        }

        // Info-style and health series.
        for job in jobs {
            for (i, instance) in instances.enumerated() {
                let version = i == 2 ? "1.3.0" : "1.2.3"
                out.append(Series(labels: Labels([
                    "__name__": "build_info", "job": job, "instance": instance, "version": version,
                ]), samples: (0..<Self.scrapes).map { Sample(timestamp: ts($0), value: 1) }))
                let down = job == "worker" && i == 1
                out.append(Series(labels: Labels(["__name__": "up", "job": job, "instance": instance]),
                                  samples: (0..<Self.scrapes).map { k in
                                      Sample(timestamp: ts(k), value: down && (300..<360).contains(k) ? 0 : 1)
                                  }))
            }
        }

        // A series that ends with a staleness marker at scrape 300 (a target that went away).
        var batch: [Sample] = []
        for k in 0..<300 {
            batch.append(Sample(timestamp: ts(k), value: Double(baseSeconds + Self.phase) + Double(k / 40 * 600)))
        }
        batch.append(Sample(timestamp: ts(300), value: StaleNaN.value))
        out.append(Series(labels: Labels([
            "__name__": "batch_last_success_timestamp_seconds", "job": "batch", "instance": "10.0.0.9:9100",
        ]), samples: batch))

        series = out
    }

    /// The samples of every series with timestamps in `[fromMs, toMs)`, for time-ordered loading.
    func slice(fromMs: Int64, toMs: Int64) -> [(labels: Labels, samples: [Sample])] {
        series.compactMap { s in
            let part = s.samples.filter { $0.timestamp >= fromMs && $0.timestamp < toMs }
            return part.isEmpty ? nil : (s.labels, part)
        }
    }

    /// Number of samples, staleness markers included.
    var sampleCount: Int { series.reduce(0) { $0 + $1.samples.count } }
}

/// SplitMix64, for a data set that is the same on every run.
struct ComparisonRandom: Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in `0..<n`.
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
