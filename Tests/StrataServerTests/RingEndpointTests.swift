import Foundation
import Hummingbird
import HummingbirdTesting
import StrataRing
import StrataServer
import Testing

/// `/ingester/ring`: the ingester ring's status page (HTML and JSON) and its Forget form.
@Suite struct RingEndpointTests {
    @Test func statusPageAndForget() async throws {
        let strata = try await InProcessStrata {
            $0.ingesterRing.instanceID = "ingester-a"
            $0.ingesterRing.heartbeatTimeout = .seconds(60)
        }
        let lifecycler = try #require(strata.components.ingesterLifecycler)
        let ring = try #require(strata.components.ingesterRing)
        let kv = try #require(strata.components.ringKV)
        ring.start()
        try await lifecycler.start()
        try await lifecycler.changeState(to: .active)
        // A second, silent instance that an operator wants gone.
        var ghost = InstanceDesc(id: "ingester-ghost", address: "10.0.0.9:9095", zone: "", state: .active,
                                 tokens: [1, 2, 3], heartbeatTimestamp: 1, registeredTimestamp: 1)
        ghost.readOnly = false
        try await kv.cas(RingKey.ingester) { current in
            var desc = current ?? RingDesc()
            desc.upsert(ghost)
            return desc
        }
        for _ in 0..<100 where ring.instances.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(ring.instances.count == 2)
        try await strata.test { client in
            try await client.execute(uri: "/ingester/ring", method: .get) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains("ingester-a"))
                #expect(html.contains("ACTIVE"))
                #expect(html.contains("UNHEALTHY"), "the silent instance is shown unhealthy")
            }
            try await client.execute(uri: "/ingester/ring", method: .get, headers: [.accept: "application/json"]) { r in
                #expect(r.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(String(buffer: r.body).utf8)) as? [String: Any]
                let shards = (json?["shards"] as? [[String: Any]]) ?? []
                #expect(Set(shards.compactMap { $0["id"] as? String }) == ["ingester-a", "ingester-ghost"])
            }
            try await client.execute(uri: "/ingester/ring", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "forget=ingester-ghost")) { r in
                #expect(r.status == .seeOther)
            }
            try await client.execute(uri: "/ingester/ring", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: "nothing=here")) { r in
                #expect(r.status == .badRequest)
            }
        }
        for _ in 0..<100 where ring.instances.count > 1 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(ring.instances.map(\.id) == ["ingester-a"])
        try await lifecycler.stop()
        await ring.stop()
    }
}
