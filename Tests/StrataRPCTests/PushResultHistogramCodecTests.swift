import StrataIngester
import StrataModel
@testable import StrataRPC
import Testing

/// `strata.PushResponse.appended_histograms` (field 4): the histograms among the appended
/// samples, so the distributor's `X-Prometheus-Remote-Write-Histograms-Written` stays exact.
@Suite("push response: appended histograms")
struct PushResultHistogramCodecTests {
    @Test("appended histograms survive the round trip beside refusals")
    func roundTrip() throws {
        let result = IngestResult(appendedSamples: 9, appendedHistograms: 4, rejectedSamples: [.sampleOutOfOrder: 2],
                                  firstError: IngestRejection(id: .sampleOutOfOrder, message: "out of order (err-strata-sample-out-of-order)"))
        let bytes: [UInt8] = try IngestResultSerializer().serialize(result)
        let decoded = try IngestResultDeserializer().deserialize(bytes)
        #expect(decoded == result)
        #expect(decoded.appendedHistograms == 4)
    }

    @Test("a response from an ingester that predates the field reads as no histograms")
    func olderIngester() throws {
        // PushResponse{appended_samples: 5}, as an ingester without field 4 writes it.
        let decoded = try IngestResultDeserializer().deserialize([0x08, 0x05] as [UInt8])
        #expect(decoded.appendedSamples == 5 && decoded.appendedHistograms == 0)
    }

    @Test("field 4 is a varint after the other fields: older distributors skip it")
    func wireLayout() throws {
        let bytes: [UInt8] = try IngestResultSerializer().serialize(IngestResult(appendedSamples: 3, appendedHistograms: 2))
        #expect(bytes == [0x08, 0x03, 0x20, 0x02])
    }
}
