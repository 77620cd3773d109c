import Foundation
import Hummingbird
import HummingbirdTesting
import StrataServer
import Testing

/// `/ingester/ring`: the ingester ring's status page (HTML and JSON) and its Forget form.
@Suite struct RingEndpointTests {
    @Test func statusPageAndForget() async throws {
        let setup = try await RingWithGhost.start()
        try await setup.strata.test { client in
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
        try await setup.expectGhostForgottenAndStop()
    }
}
