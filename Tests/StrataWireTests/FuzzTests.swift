import StrataModel
import Testing
@testable import StrataWire
import StrataSeededRandom
import StrataTestSupport

/// Random and mutated bodies: every decoder must either decode or throw its typed error, never
/// crash, and anything it accepts must be internally consistent.
@Suite("Fuzzing the decoders")
struct FuzzTests {
    /// Valid bodies the mutator starts from.
    static let writeSeeds: [[UInt8]] = [
        RemoteWriteTests.golden,
        RemoteWriteEncoder.encode(series: Array(awkwardSeries.prefix(4))),
        field(1, field(1, field(1, Array("a".utf8)) + unknownFields) + field(3, [1, 2]) + field(4, [])) + field(3, [8, 1]),
        // Native histograms of every shape, on two series.
        RemoteWriteEncoder.encode(seriesWithHistograms: [
            (labels: awkwardSeries[0].labels, samples: awkwardSeries[0].samples, histograms: Array(awkwardHistograms.prefix(3))),
            (labels: awkwardSeries[1].labels, samples: [], histograms: Array(awkwardHistograms.dropFirst(3))),
        ]),
    ]
    static let readSeeds: [[UInt8]] = [
        RemoteReadTests.goldenRequest,
        RemoteReadCodec.encodeRequest(ReadRequest(queries: [ReadQuery(startTimestampMs: -5, endTimestampMs: 1 << 41, matchers: [
            WireMatcher(type: .regexNoMatch, name: "job", value: "ü.*"), WireMatcher(type: .notEqual, name: "x", value: "")])],
                                                  acceptedResponseTypes: [1, 0])),
        RemoteReadCodec.encodeResponse(RemoteReadTests.awkwardResponse),
        RemoteReadCodec.encodeResponse(ReadResponse(results: [[
            TimeSeriesData(labels: Labels(["__name__": "h"]), samples: [Sample(timestamp: 1, value: 1)], histograms: awkwardHistograms),
        ]])),
    ]

    /// Applies one to four random edits: flip a byte, insert, delete, duplicate a range, truncate.
    static func mutate(_ seed: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var body = seed
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let n = body.count
            switch UInt8.random(in: 0...5, using: &rng) {
            case 0 where n > 0:
                body[Int.random(in: 0..<n, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where n > 0:
                body[Int.random(in: 0..<n, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            case 2:
                body.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...n, using: &rng))
            case 3 where n > 0:
                body.remove(at: Int.random(in: 0..<n, using: &rng))
            case 4 where n > 1:
                let a = Int.random(in: 0..<n, using: &rng)
                let b = Int.random(in: a...min(n, a + 16), using: &rng)
                body.insert(contentsOf: body[a..<b], at: Int.random(in: 0...n, using: &rng))
            default:
                body = Array(body.prefix(Int.random(in: 0...n, using: &rng)))
            }
        }
        return body
    }

    static func randomBody(_ rng: inout SeededRandom) -> [UInt8] {
        let count = Int.random(in: 0...48, using: &rng)
        // Bias towards small bytes so tags and lengths are often plausible.
        return (0..<count).map { _ in
            UInt8.random(in: 0...1, using: &rng) == 0 ? UInt8.random(in: 0...0x1f, using: &rng) : UInt8.random(in: 0...255, using: &rng)
        }
    }

    @Test func remoteWriteDecoderSurvivesGarbage() {
        var rng = SeededRandom(seed: 0x5eed_0001)
        var accepted = 0, refused = 0
        for i in 0..<60_000 {
            let body = i % 2 == 0 ? Self.randomBody(&rng) : Self.mutate(Self.writeSeeds[i % Self.writeSeeds.count], &rng)
            do {
                let batch = try RemoteWriteDecoder.decode(body)
                accepted += 1
                guard refsInBounds(batch) else {
                    Issue.record("out-of-bounds refs for \(body)")
                    continue
                }
                // What was accepted re-encodes to something that decodes to the same series.
                let again = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(batch))
                let expected = plain(batch).map {
                    PlainSeries(labels: $0.labels, samples: $0.samples, histograms: $0.histograms, histogramPoints: $0.histogramPoints)
                }
                if batch.histograms.count != batch.histogramSampleCount { Issue.record("histogram column disagrees for \(body)") }
                if plain(again) != expected { Issue.record("re-encoding changed \(body)") }
            } catch {
                refused += 1
                if error.description.isEmpty { Issue.record("empty message") }
            }
        }
        #expect(accepted + refused == 60_000)
        #expect(accepted > 1000 && refused > 1000)
    }

    /// Valid remote write 2.0 bodies the mutator starts from.
    static let v2Seeds: [[UInt8]] = [
        RemoteWriteV2TestEncoder.encode(RemoteWriteV2Tests.series),
        RemoteWriteV2TestEncoder.encode(RemoteWriteV2Tests.series, packedRefs: false),
        RemoteWriteV2TestEncoder.encode(awkwardSeries.map { s in
            RW2TestSeries(labels: s.labels.map { ($0.name, $0.value) }, samples: s.samples.map { ($0.timestamp, $0.value) })
        }),
        RemoteWriteV2TestEncoder.encode([
            RW2TestSeries(labels: [("__name__", "h"), ("job", "a")], samples: [(5, 1)], nativeHistograms: awkwardHistograms),
            RW2TestSeries(labels: [("__name__", "g")], nativeHistograms: [awkwardHistograms[2]]),
        ]),
    ]

    @Test func remoteWrite2DecoderSurvivesGarbage() {
        var rng = SeededRandom(seed: 0x5eed_0004)
        var accepted = 0, refused = 0
        for i in 0..<60_000 {
            let body = i % 2 == 0 ? Self.randomBody(&rng) : Self.mutate(Self.v2Seeds[i % Self.v2Seeds.count], &rng)
            do {
                let request = try RemoteWriteV2Decoder.decode(body)
                accepted += 1
                guard refsInBounds(request.batch) else {
                    Issue.record("out-of-bounds refs for \(body)")
                    continue
                }
                // Counts agree with what was decoded.
                let exemplars = request.batch.series.reduce(0) { $0 + Int($1.exemplarCount) }
                if exemplars != request.extras.exemplarCount { Issue.record("exemplar counts disagree for \(body)") }
                if request.batch.metadataCount != request.extras.metadata.count { Issue.record("metadata counts disagree for \(body)") }
                // What was accepted re-encodes (as 1.0) to the same series.
                let again = try RemoteWriteDecoder.decode(RemoteWriteEncoder.encode(request.batch))
                if plain(again).map(\.labels) != plain(request.batch).map(\.labels) { Issue.record("re-encoding changed \(body)") }
                let points = plain(request.batch).map(\.histogramPoints)
                let againPoints = plain(again).map(\.histogramPoints)
                if points.count != againPoints.count || !zip(points, againPoints).allSatisfy({ $0.count == $1.count && zip($0, $1).allSatisfy(identical) }) {
                    Issue.record("re-encoding changed the histograms of \(body)")
                }
            } catch {
                refused += 1
                if error.description.isEmpty { Issue.record("empty message") }
            }
        }
        #expect(accepted + refused == 60_000)
        #expect(accepted > 1000 && refused > 1000)
    }

    @Test func remoteWrite1ExtrasDecoderSurvivesGarbage() {
        var rng = SeededRandom(seed: 0x5eed_0005)
        var outcomes = 0
        for i in 0..<30_000 {
            let body = i % 2 == 0 ? Self.randomBody(&rng) : Self.mutate(Self.writeSeeds[i % Self.writeSeeds.count], &rng)
            // The extras decoder runs only on bodies the sample decoder accepted.
            guard (try? RemoteWriteDecoder.decode(body)) != nil else { continue }
            do {
                _ = try RemoteWriteExtrasDecoder.decode(body)
                outcomes += 1
            } catch {
                outcomes += error.description.isEmpty ? 0 : 1
            }
        }
        #expect(outcomes > 1000)
    }

    @Test func remoteReadDecodersSurviveGarbage() {
        var rng = SeededRandom(seed: 0x5eed_0002)
        var outcomes = 0
        for i in 0..<40_000 {
            let body = i % 2 == 0 ? Self.randomBody(&rng) : Self.mutate(Self.readSeeds[i % Self.readSeeds.count], &rng)
            do {
                let request = try RemoteReadCodec.decodeRequest(body)
                // Accepted requests survive a round trip unchanged.
                if try RemoteReadCodec.decodeRequest(RemoteReadCodec.encodeRequest(request)) != request {
                    Issue.record("request round trip changed \(body)")
                }
            } catch {
                outcomes += error.description.isEmpty ? 0 : 1
            }
            do {
                let response = try RemoteReadCodec.decodeResponse(body)
                if try RemoteReadCodec.decodeResponse(RemoteReadCodec.encodeResponse(response)) != response {
                    Issue.record("response round trip changed \(body)")
                }
            } catch {
                outcomes += error.description.isEmpty ? 0 : 1
            }
        }
        #expect(outcomes > 10_000)
    }

    @Test func snappySurvivesGarbage() {
        var rng = SeededRandom(seed: 0x5eed_0003)
        let seeds = Self.writeSeeds.map { Snappy.compress($0) }
        var refused = 0
        let limit = 1 << 16
        for i in 0..<20_000 {
            let body = i % 2 == 0 ? Self.randomBody(&rng) : Self.mutate(seeds[i % seeds.count], &rng)
            do {
                let out = try Snappy.decompress(body, maxDecodedSize: limit)
                let announced = try body.withUnsafeBytes { raw throws(SnappyError) in try Snappy.decodedLength(raw) }
                #expect(out.count == announced && out.count <= limit)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 5_000)
    }
}
