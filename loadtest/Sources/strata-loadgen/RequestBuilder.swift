import NIOCore
import StrataModel
import StrataWire

/// Sample values and request bodies: each shard (worker) owns a fixed set of series, advances
/// their values scrape after scrape, and cuts the samples into remote-write requests.

/// SplitMix64: a small, fast, seedable generator (not for cryptography).
struct SplitMix64: Sendable {
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
}

/// The evolving value of one series.
struct SeriesState: Sendable {
    var rng: SplitMix64
    var value: Double
    /// The series' own scale: counter rate per second or gauge mean.
    var scale: Double
    let model: ValueModel

    /// Initial state: counters start as if the process had been up for up to three days, gauges
    /// near their mean; each series gets its own scale factor in [e⁻¹, e).
    init(series: FleetSeries, seed: UInt64, nowMs: Int64) {
        rng = SplitMix64(seed: mix(seed ^ series.hash))
        model = series.model
        let factor = (2 * rng.unit() - 1).exp
        switch model {
        case .counter(let perSecond, let integer):
            scale = perSecond * factor
            let start = scale * rng.unit() * 3 * 86_400
            value = integer ? start.rounded(.down) : start
        case .gauge(let base, _, let integer):
            scale = base * factor
            let start = scale * (0.8 + 0.4 * rng.unit())
            value = integer ? start.rounded() : start
        case .constant(let v):
            scale = 1
            value = v
        case .indicator:
            scale = 1
            value = 1
        case .scrapeTimeSeconds:
            scale = 1
            value = Double(nowMs / 1000)
        case .startTimeSeconds:
            scale = 1
            value = ((Double(nowMs) / 1000 - 3_600 - rng.unit() * 14 * 86_400) * 100).rounded() / 100
        }
    }

    /// Advances the value to the scrape at `timestampMs`, `interval` seconds after the previous one.
    mutating func advance(timestampMs: Int64, interval: Double, resetProbability: Double) -> Double {
        switch model {
        case .counter(_, let integer):
            if resetProbability > 0 && rng.unit() < resetProbability {
                value = 0
            }
            let increment = scale * interval * (0.7 + 0.6 * rng.unit())
            value += integer ? (increment + rng.unit()).rounded(.down) : increment
        case .gauge(_, let volatility, let integer):
            var next = value + (scale - value) * 0.1 + scale * volatility * (2 * rng.unit() - 1)
            if next < 0 { next = 0 }
            value = integer ? next.rounded() : next
        case .constant, .indicator, .startTimeSeconds:
            break
        case .scrapeTimeSeconds:
            value = Double(timestampMs / 1000)
        }
        return value
    }
}

extension Double {
    /// e raised to this power, for |x| ≤ 1 (a short Taylor series, avoiding a libm import).
    fileprivate var exp: Double {
        var term = 1.0, sum = 1.0
        for n in 1...16 {
            term *= self / Double(n)
            sum += term
        }
        return sum
    }
}

/// What an acknowledged request carried, kept only with `-record-acked`.
struct RequestContent: Sendable {
    /// `Labels.stableHash` of each series, in request order.
    var hashes: [UInt64] = []
    /// Number of samples of each series.
    var counts: [UInt32] = []
    /// The samples, series after series.
    var samples: [Sample] = []
}

/// One encoded remote-write request, ready to POST.
struct PreparedRequest: Sendable {
    /// The snappy-compressed protobuf `WriteRequest`.
    var body: ByteBuffer
    /// Float samples in the request.
    var sampleCount: Int
    /// Native histogram samples in the request (`-native-histogram-ratio`).
    var histogramCount = 0
    /// Series (TimeSeries entries) in the request.
    var seriesCount: Int
    /// Size of the protobuf before compression.
    var rawBytes: Int
    /// The request's samples, when recording acknowledgements.
    var content: RequestContent?
}

/// Raised when pre-encoding would exceed `-max-preencoded-bytes`.
struct MemoryBudgetExceeded: Error, CustomStringConvertible {
    var limit: Int
    var description: String {
        "pre-encoded request bodies would exceed -max-preencoded-bytes=\(limit); "
            + "lower -samples-per-series or -series, or raise the limit"
    }
}

/// The series of one worker and their evolving values.
struct ShardGenerator: Sendable {
    /// The fleet (shared, copy-on-write).
    let fleet: Fleet
    /// Indices into `fleet.series` owned by this shard.
    let members: [Int]
    /// One state per member.
    private var states: [SeriesState]
    /// Per member: its index in `histogramStates`, or -1 for a float series.
    private let histogramSlot: [Int32]
    /// The states of the members that send native histograms (empty for float-only traffic).
    private var histogramStates: [HistogramSeriesState]
    /// The protobuf message the requests carry.
    let version: RemoteWriteVersion

    /// A shard owning `members`, with values seeded from `seed`. The members `histograms`
    /// selects send native histograms of its shape; the others (all, by default) floats.
    init(fleet: Fleet, members: [Int], seed: UInt64, nowMs: Int64, histograms: NativeHistogramShape = NativeHistogramShape(),
         version: RemoteWriteVersion = .v1) {
        self.fleet = fleet
        self.members = members
        self.version = version
        states = members.map { SeriesState(series: fleet.series[$0], seed: seed, nowMs: nowMs) }
        var slots = [Int32](repeating: -1, count: members.count)
        var histogramStates: [HistogramSeriesState] = []
        if histograms.ratio > 0 {
            for (local, index) in members.enumerated() where histograms.selects(seriesHash: fleet.series[index].hash) {
                slots[local] = Int32(histogramStates.count)
                histogramStates.append(HistogramSeriesState(seriesHash: fleet.series[index].hash, seed: seed, shape: histograms))
            }
        }
        histogramSlot = slots
        self.histogramStates = histogramStates
    }

    /// Number of members that send native histograms.
    var histogramSeriesCount: Int { histogramStates.count }

    /// Generates one sample per member for each of `scrapeTimes` (ascending, ms) and cuts them,
    /// scrape after scrape, into requests of `batchSize` samples. A series appearing more than
    /// once in a request gets one TimeSeries entry with its samples in time order. Each request is
    /// handed to `emit` as soon as it is encoded, in the shard's remote-write `version`.
    ///
    /// Members selected for native histograms contribute one histogram sample per scrape instead
    /// of a float (counted towards `batchSize` alike). Without such members the float-only loop
    /// runs, unchanged, so float-only traffic costs and encodes exactly as before.
    ///
    /// - Parameters:
    ///   - interval: seconds between scrapes (for counter increments).
    ///   - jitterMs: each timestamp gets a random 0…jitterMs ms added, as real scrapes do.
    ///   - keepContent: fill `PreparedRequest.content`.
    mutating func generate(scrapeTimes: [Int64], batchSize: Int, interval: Double, jitterMs: Int64,
                           resetProbability: Double, keepContent: Bool,
                           emit: (PreparedRequest) throws -> Void) rethrows {
        guard !members.isEmpty else { return }
        // Pending request: entry order, samples per entry, and each member's entry (or -1).
        var slotOf = [Int32](repeating: -1, count: members.count)
        var order: [Int] = []
        var pending: [[Sample]] = []
        // Native histograms per entry, only when some members send them.
        var pendingHistograms: [[HistogramPoint]] = []
        var pendingHistogramCount = 0
        let withHistograms = !histogramStates.isEmpty
        var pendingSamples = 0

        /// Encodes the pending samples and resets the pending state.
        func take() -> PreparedRequest {
            var batch = SeriesBatch()
            var content = keepContent ? RequestContent() : nil
            for (entry, local) in order.enumerated() {
                let series = fleet.series[members[local]]
                if withHistograms && !pendingHistograms[entry].isEmpty {
                    // -record-acked lists float samples only (flags refuse it with histograms).
                    batch.append(labels: series.labels, samples: pending[entry], histograms: pendingHistograms[entry])
                } else {
                    batch.append(labels: series.labels, samples: pending[entry])
                    content?.hashes.append(series.hash)
                    content?.counts.append(UInt32(pending[entry].count))
                    content?.samples.append(contentsOf: pending[entry])
                }
                slotOf[local] = -1
            }
            let raw = version == .v1 ? RemoteWriteEncoder.encode(batch) : RemoteWriteV2Encoder.encode(batch)
            let compressed = Snappy.compress(raw)
            var request = PreparedRequest(body: ByteBuffer(bytes: compressed), sampleCount: pendingSamples - pendingHistogramCount,
                                          seriesCount: order.count, rawBytes: raw.count, content: content)
            request.histogramCount = pendingHistogramCount
            order.removeAll(keepingCapacity: true)
            pending.removeAll(keepingCapacity: true)
            pendingHistograms.removeAll(keepingCapacity: true)
            pendingHistogramCount = 0
            pendingSamples = 0
            return request
        }

        if withHistograms {
            // Mixed traffic: the float loop below, plus a branch to the histogram members.
            for ts in scrapeTimes {
                for local in 0..<members.count {
                    let jitter = jitterMs > 0 ? Int64(states[local].rng.next() % UInt64(jitterMs + 1)) : 0
                    let t = ts + jitter
                    let h = Int(histogramSlot[local])
                    var slot = slotOf[local]
                    if slot < 0 {
                        slot = Int32(order.count)
                        slotOf[local] = slot
                        order.append(local)
                        pending.append([])
                        pendingHistograms.append([])
                    }
                    if h >= 0 {
                        histogramStates[h].advance(interval: interval, resetProbability: resetProbability)
                        pendingHistograms[Int(slot)].append(HistogramPoint(timestamp: t, value: .integer(histogramStates[h].histogram)))
                        pendingHistogramCount += 1
                    } else {
                        let v = states[local].advance(timestampMs: t, interval: interval, resetProbability: resetProbability)
                        pending[Int(slot)].append(Sample(timestamp: t, value: v))
                    }
                    pendingSamples += 1
                    if pendingSamples == batchSize { try emit(take()) }
                }
            }
            if pendingSamples > 0 { try emit(take()) }
            return
        }
        for ts in scrapeTimes {
            for local in 0..<members.count {
                let jitter = jitterMs > 0 ? Int64(states[local].rng.next() % UInt64(jitterMs + 1)) : 0
                let t = ts + jitter
                let v = states[local].advance(timestampMs: t, interval: interval, resetProbability: resetProbability)
                let sample = Sample(timestamp: t, value: v)
                let slot = slotOf[local]
                if slot >= 0 {
                    pending[Int(slot)].append(sample)
                } else {
                    slotOf[local] = Int32(order.count)
                    order.append(local)
                    pending.append([sample])
                }
                pendingSamples += 1
                if pendingSamples == batchSize { try emit(take()) }
            }
        }
        if pendingSamples > 0 { try emit(take()) }
    }
}
