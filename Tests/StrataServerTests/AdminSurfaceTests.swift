import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import StrataModel
import StrataRing
import StrataServer
import Testing

/// Issue inputs 6 and 7: `/config` masks secrets as Mimir does, and state changes (flush, ring
/// Forget) happen only by POST with a form or JSON content type, never from another site.
@Suite struct AdminSurfaceTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    @Test func configMasksSecretsButKeepsThem() async throws {
        let strata = try await InProcessStrata {
            $0.bucket.s3.accessKeyID = "AKIDVISIBLE"
            $0.bucket.s3.secretAccessKey = "s3cr3t-Value"
            $0.bucket.s3.sessionToken = "t0ken-Value"
        }
        #expect(strata.components.config.bucket.s3.secretAccessKey == "s3cr3t-Value", "the value itself is kept for use")
        try await strata.test { client in
            for uri in ["/config", "/config?mode=diff"] {
                try await client.execute(uri: uri, method: .get) { r in
                    let yaml = String(buffer: r.body)
                    #expect(yaml.contains("secret_access_key: \"********\""), "\(uri)")
                    #expect(yaml.contains("session_token: \"********\""), "\(uri)")
                    #expect(yaml.contains("access_key_id: AKIDVISIBLE"), "\(uri)")
                    #expect(!yaml.contains("s3cr3t-Value") && !yaml.contains("t0ken-Value"), "\(uri)")
                }
            }
        }
        // What -print.config prints.
        let printed = ConfigPrinter.yaml(strata.components.config)
        #expect(printed.contains("secret_access_key: \"********\""))
        #expect(!printed.contains("s3cr3t-Value"))
        #expect(ConfigPrinter.yaml(StrataConfig()).contains("secret_access_key: \"\""), "an unset secret shows empty")
        #expect(!ConfigPrinter.usage(program: "strata").contains("s3cr3t-Value"))
    }

    @Test func getFlushIs405AndFlushesNothing() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(),
                                     body: remoteWriteBody([(Labels(["__name__": "up"]), [Sample(timestamp: t, value: 1)])])) { r in
                #expect(r.status == .ok)
            }
            for method in [HTTPRequest.Method.get, .put, .delete] {
                try await client.execute(uri: "/ingester/flush", method: method) { r in
                    #expect(r.status == .methodNotAllowed, "\(method)")
                    #expect(r.headers[.allow] == "POST")
                    #expect(String(buffer: r.body).contains("err-strata-method-not-allowed"))
                }
            }
            #expect(strata.components.ingester?.localBlockList().isEmpty == true, "nothing was flushed")
            try await client.execute(uri: "/ingester/flush", method: .post, headers: [.contentType: "text/plain"],
                                     body: ByteBuffer(string: "tenant=team-a")) { r in
                #expect(r.status == .unsupportedMediaType)
                #expect(String(buffer: r.body).contains("err-strata-unsupported-content-type"))
            }
            try await client.execute(uri: "/ingester/flush", method: .post) { r in
                #expect(r.status == .unsupportedMediaType, "no Content-Type at all")
            }
            var crossSite = Self.form
            crossSite[try #require(HTTPField.Name("Sec-Fetch-Site"))] = "cross-site"
            try await client.execute(uri: "/ingester/flush", method: .post, headers: crossSite) { r in
                #expect(r.status == .forbidden)
                #expect(String(buffer: r.body).contains("err-strata-cross-site-request"))
            }
            #expect(strata.components.ingester?.localBlockList().isEmpty == true, "nothing was flushed")
            var sameOrigin = Self.form
            sameOrigin[try #require(HTTPField.Name("Sec-Fetch-Site"))] = "same-origin"
            try await client.execute(uri: "/ingester/flush", method: .post, headers: sameOrigin, body: ByteBuffer(string: "tenant=team-a")) { r in
                #expect(r.status == .noContent)
            }
        }
        #expect(strata.components.ingester?.localBlockList()[try TenantID(validating: "team-a")]?.isEmpty == false)
    }

    @Test func flushReadsTenantsFromJSONAndMultipartBodies() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            for tenant in ["team-a", "team-b", "team-c"] {
                try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: tenant),
                                         body: remoteWriteBody([(Labels(["__name__": "up"]), [Sample(timestamp: t, value: 1)])])) { r in
                    #expect(r.status == .ok)
                }
            }
            try await client.execute(uri: "/ingester/flush", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"tenant": ["team-a"]}"#)) { r in
                #expect(r.status == .noContent)
            }
            let boundary = "XyZ"
            let multipart = "--\(boundary)\r\nContent-Disposition: form-data; name=\"tenant\"\r\n\r\nteam-b\r\n--\(boundary)--\r\n"
            try await client.execute(uri: "/ingester/flush", method: .post,
                                     headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                                     body: ByteBuffer(string: multipart)) { r in
                #expect(r.status == .noContent)
            }
        }
        let blocks = try #require(strata.components.ingester?.localBlockList())
        #expect(Set(blocks.keys.map(\.rawValue)) == ["team-a", "team-b"], "team-c was not named")
    }

    @Test func ringForgetNeedsAFormPostFromThisSite() async throws {
        let setup = try await RingWithGhost.start()
        let ring = setup.ring
        try await setup.strata.test { client in
            for path in ["/ingester/ring", "/ring"] {
                try await client.execute(uri: path, method: .post, headers: [.contentType: "text/plain"],
                                         body: ByteBuffer(string: "forget=ingester-ghost")) { r in
                    #expect(r.status == .unsupportedMediaType)
                }
                var crossSite = Self.form
                crossSite[try #require(HTTPField.Name("Sec-Fetch-Site"))] = "cross-site"
                try await client.execute(uri: path, method: .post, headers: crossSite,
                                         body: ByteBuffer(string: "forget=ingester-ghost")) { r in
                    #expect(r.status == .forbidden)
                }
            }
            try await client.execute(uri: "/ingester/ring", method: .get) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("ingester-ghost"), "still in the ring")
                #expect(html.contains("enctype=\"application/x-www-form-urlencoded\""))
            }
            #expect(ring.instances.count == 2, "the refused requests forgot nothing")
            try await client.execute(uri: "/ingester/ring", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: #"{"forget": "ingester-ghost"}"#)) { r in
                #expect(r.status == .seeOther)
            }
        }
        try await setup.expectGhostForgottenAndStop()
    }

}
