import Testing
@testable import StrataRing

@Suite("Ring JSON codec, status page, watch stream splitting")
struct RingCodecTests {
    @Test func encodesTheDocumentedJSONAndRoundTrips() throws {
        var ring = RingDesc()
        ring.upsert(InstanceDesc(
            id: "ingester-1", address: "10.0.0.1:9095", zone: "zone-a", state: .active, tokens: [30, 10, 20],
            heartbeatTimestamp: 1_700_000_100, registeredTimestamp: 1_700_000_000))
        let bytes = try RingCodec.encode(ring)
        let expected = #"{"format_version":1,"instances":{"ingester-1":{"addr":"10.0.0.1:9095","id":"ingester-1","read_only":false,"registered_timestamp":1700000000,"state":"ACTIVE","timestamp":1700000100,"tokens":[10,20,30],"zone":"zone-a"}}}"#
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
        #expect(try RingCodec.decode(bytes, key: "k") == ring)
    }

    @Test func storeNamesAreMimirs() {
        #expect(RingStoreKind(rawValue: "inmemory") == .inMemory)
        #expect(RingStoreKind(rawValue: "etcd") == .etcd)
        #expect(RingKey.ingester == "ring" && EtcdConfig.defaultPrefix == "collectors/")
    }

    @Test func hostileBytesAreErrorsNotCrashes() throws {
        let samples: [String] = [
            "", "{", "null", "[]", #"{"format_version":2,"instances":{}}"#,
            #"{"format_version":1,"instances":{"a":{"addr":"x","state":"DANCING","timestamp":1}}}"#,
            #"{"format_version":1,"instances":{"a":{"addr":"x","state":"ACTIVE","timestamp":1,"tokens":[-1]}}}"#,
            #"{"format_version":1,"instances":{"a":{"addr":"x","state":"ACTIVE","timestamp":"soon"}}}"#,
            #"{"format_version":1,"instances":{"a":{"id":"b","addr":"x","state":"ACTIVE","timestamp":1}}}"#,
            #"{"instances":{}}"#,
        ]
        for sample in samples {
            #expect(throws: RingError.self, "\(sample)") { try RingCodec.decode(Array(sample.utf8), key: "collectors/ring") }
        }
        // Minimal but valid: optional fields absent, unsorted duplicate tokens normalised.
        let minimal = #"{"format_version":1,"instances":{"a":{"addr":"x:1","state":"LEAVING","timestamp":5,"tokens":[3,1,3]}}}"#
        let ring = try RingCodec.decode(Array(minimal.utf8), key: "k")
        #expect(ring.instances["a"]?.tokens == [1, 3])
        #expect(ring.instances["a"]?.id == "a")
        #expect(ring.instances["a"]?.zone == "")
        #expect(ring.instances["a"]?.state == .leaving)
    }

    @Test func statusPageRendersJSONAndEscapedHTML() throws {
        var ring = try makeRing(count: 3, heartbeat: 1000)
        ring.instances["instance-2"]?.heartbeatTimestamp = 900
        ring.upsert(InstanceDesc(id: "<evil>\"", address: "a&b", state: .joining, tokens: [], heartbeatTimestamp: 1000, registeredTimestamp: 1000))
        let page = RingStatusPage(ring: ring, now: 1010, heartbeatTimeout: .seconds(60))
        #expect(page.rows.map(\.state) == ["JOINING", "ACTIVE", "ACTIVE", "UNHEALTHY"])
        #expect(page.rows[3].heartbeatAgeSeconds == 110)
        #expect(abs(page.rows.map(\.ownershipPercent).reduce(0, +) - 100) < 1e-6)
        let json = String(decoding: try page.json(), as: UTF8.self)
        #expect(json.hasPrefix(#"{"now":1010,"shards":[{"address":"a&b","heartbeat_age_seconds":10,"#))
        let html = page.html(title: "Ingester ring", formAction: "/ingester/ring")
        #expect(html.contains("&lt;evil&gt;&quot;"))
        #expect(!html.contains("<evil>"))
        #expect(html.contains(#"<input type="hidden" name="forget" value="instance-0">"#))
        #expect(html.contains("<td>128</td>"))
        #expect(html.contains("110s ago"))
    }

    @Test func splitterCutsObjectsAcrossChunksAndIgnoresBracesInStrings() throws {
        var splitter = JSONObjectSplitter()
        let text = #"{"a":"}{\"x"}"# + "\n" + #"{"b":{"c":1}}"# + "\n"
        var objects: [[UInt8]] = []
        for byte in Array(text.utf8) { objects += try splitter.append([byte]) }
        #expect(objects.map { String(decoding: $0, as: UTF8.self) } == [#"{"a":"}{\"x"}"#, #"{"b":{"c":1}}"#])

        var small = JSONObjectSplitter(maxObjectBytes: 8)
        #expect(throws: JSONObjectSplitter.TooLarge.self) { try small.append(Array(#"{"aaaaaaaaaaaa"#.utf8)) }
    }

    @Test func tokensFileRoundTripsAndRejectsGarbage() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/tokens.json"
        #expect(try TokensFile.load(path: path) == nil)
        try TokensFile.store([5, 1, 3], path: path)
        #expect(try TokensFile.load(path: path) == [1, 3, 5])
        try Array("not json".utf8).write(toFile: path)
        #expect(throws: RingError.self) { try TokensFile.load(path: path) }
    }
}
