import Testing
@testable import StrataHATracker

@Suite("ReplicaDesc JSON")
struct ReplicaDescCodecTests {
    @Test func encodesSortedCompactJSONAndDecodesItBack() throws {
        let desc = ReplicaDesc(replica: "replica-1", receivedAt: 1_700_000_015_000, electedAt: 1_700_000_000_000, electedChanges: 2)
        let bytes = try ReplicaDescCodec.encode(desc, key: "k")
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"{"deleted_at":0,"elected_at":1700000000000,"elected_changes":2,"format_version":1,"received_at":1700000015000,"replica":"replica-1"}"#)
        #expect(try ReplicaDescCodec.decode(bytes, key: "k") == desc)
    }

    @Test func optionalFieldsDefaultToZero() throws {
        let minimal = Array(#"{"format_version":1,"replica":"a","received_at":5}"#.utf8)
        #expect(try ReplicaDescCodec.decode(minimal, key: "k") == ReplicaDesc(replica: "a", receivedAt: 5, electedAt: 0))
    }

    @Test(arguments: [
        #"{"format_version":2,"replica":"a","received_at":5}"#,
        #"{"format_version":1,"replica":"","received_at":5}"#,
        #"{"format_version":1,"replica":"a"}"#,
        #"{"format_version":1,"replica":"a","received_at":-5}"#,
        #"{"format_version":1,"replica":7,"received_at":5}"#,
        "not json",
        "",
    ])
    func refusesWhatIsNotAReplicaDescription(text: String) {
        do {
            _ = try ReplicaDescCodec.decode(Array(text.utf8), key: "ha-tracker/t/c")
            Issue.record("decoded \(text)")
        } catch {
            guard case .corruptValue(let key, _) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(key == "ha-tracker/t/c")
        }
    }

    @Test func garbageBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(throws: HATrackerError.self) { try ReplicaDescCodec.decode(bytes, key: "k") }
        }
    }
}
