import AsyncHTTPClient
import NIOCore
import StrataChunks
import StrataModel
import StrataTestSupport
import StrataWire
@testable import StrataPromQLTestSupport

/// The remote-write requests that load a conformance script's series, native histograms
/// included, over Strata's public write path: remote write 2.0 (as Prometheus 3 sends native
/// histograms), written by the spec-following `HistogramWireTestEncoder`.
///
/// Each series' samples (floats and histograms, as the in-process store holds them) are sent in
/// timestamp order. Requests cut the time line into windows of about `samplesPerRequest`
/// samples; inside a window, a series whose samples switch between floats and histograms is
/// split at each switch into consecutive requests, because a request carries a series' floats
/// and its histograms as two lists, which the head appends one after the other.
enum ConformanceHTTPHistogramLoad {
    /// One series' samples in one request.
    typealias Part = (labels: Labels, samples: [MixedSample])

    /// Every series of `loads` (and the custom-bucket histograms of `load_with_nhcb` blocks)
    /// with its samples in time order; a later load's sample at a timestamp already loaded
    /// replaces the earlier one, as in the in-process store.
    static func merged(_ loads: [ConformanceLoad]) -> [Part] {
        var order: [Labels] = []
        var byLabels: [Labels: [Int64: MixedSample]] = [:]
        func add(_ labels: Labels, _ samples: [MixedSample]) {
            if samples.isEmpty { return }
            if byLabels[labels] == nil { order.append(labels) }
            for s in samples { byLabels[labels, default: [:]][s.timestamp] = s }
        }
        for load in loads {
            for series in load.series { add(series.labels, series.mixedSamples(interval: load.interval)) }
            if load.withNHCB {
                for (labels, samples) in ConformanceNHCB.series(of: load) { add(labels, samples) }
            }
        }
        return order.map { labels in
            let points = byLabels[labels] ?? [:]
            return (labels, points.keys.sorted().compactMap { points[$0] })
        }
    }

    /// Whether any series holds a histogram sample.
    static func hasHistograms(_ series: [Part]) -> Bool {
        series.contains { $0.samples.contains { $0.h != nil } }
    }

    /// The requests, in the order they must be sent.
    static func requests(_ series: [Part], samplesPerRequest: Int) -> [[Part]] {
        let ends = ConformanceHTTPBackend.windowEnds(series.flatMap { $0.samples.map(\.timestamp) }, samplesPerRequest: samplesPerRequest)

        var cursor = [Int](repeating: 0, count: series.count)
        var out: [[Part]] = []
        for end in ends {
            // Run k of every series in this window goes into the window's k-th request.
            var runs: [[Part]] = []
            for (i, s) in series.enumerated() {
                var j = cursor[i]
                var k = 0
                while j < s.samples.count && s.samples[j].timestamp <= end {
                    let isHistogram = s.samples[j].h != nil
                    var run: [MixedSample] = []
                    while j < s.samples.count && s.samples[j].timestamp <= end && (s.samples[j].h != nil) == isHistogram {
                        run.append(s.samples[j])
                        j += 1
                    }
                    if runs.count <= k { runs.append([]) }
                    runs[k].append((s.labels, run))
                    k += 1
                }
                cursor[i] = j
            }
            out += runs
        }
        return out
    }

    /// A remote write 2.0 body (not compressed) for one request.
    static func body(_ request: [Part]) -> [UInt8] {
        HistogramWireTestEncoder.encodeV2(request.map { part in
            HistogramTestSeries(
                labels: part.labels.map { ($0.name, $0.value) },
                samples: part.samples.compactMap { $0.h == nil ? ($0.timestamp, $0.f) : nil },
                histograms: part.samples.compactMap { s in s.h.map { HistogramPoint(timestamp: s.timestamp, value: .float($0)) } })
        })
    }

    /// POSTs one request; the status and body of the answer.
    static func push(client: HTTPClient, url: String, tenant: String, _ request: [Part]) async throws -> (status: Int, body: String) {
        var http = HTTPClientRequest(url: url)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/x-protobuf;proto=io.prometheus.write.v2.Request")
        http.headers.add(name: "Content-Encoding", value: "snappy")
        http.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "2.0.0")
        http.headers.add(name: "X-Scope-OrgID", value: tenant)
        http.body = .bytes(ByteBuffer(bytes: Snappy.compress(body(request))))
        let response = try await client.execute(http, timeout: .seconds(60))
        let text = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: text))
    }
}
