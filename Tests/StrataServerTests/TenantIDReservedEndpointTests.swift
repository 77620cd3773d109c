import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOCore
import StrataHTTP
import StrataIngester
import StrataLimits
import StrataModel
import StrataObjstore
import StrataServer
import StrataTestSupport
import Testing

/// Issue input 5: a tenant named `x.strata-tmp-1` used to be accepted at push while its keys
/// were refused by the bucket, so its blocks never shipped and every later flush failed. Now the
/// ID is refused at the front, and one tenant's failing shipment never fails another's flush.
@Suite struct TenantIDReservedEndpointTests {
    static let reserved = "x.strata-tmp-1"

    @Test func reservedTenantIsRefusedAtPushQueryAndFlush() async throws {
        let strata = try await InProcessStrata()
        let t = nowMs()
        try await strata.test { client in
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(tenant: Self.reserved),
                                     body: remoteWriteBody([(Labels(["__name__": "up"]), [Sample(timestamp: t, value: 1)])])) { r in
                #expect(r.status == .badRequest)
                let text = String(buffer: r.body)
                #expect(text.contains("err-strata-invalid-tenant-id"))
                #expect(text.contains("tenant ID 'x.strata-tmp-1' is reserved"))
                #expect(text.contains(".strata-tmp-"))
            }
            var queryHeaders = HTTPFields()
            queryHeaders[try #require(HTTPField.Name("X-Scope-OrgID"))] = Self.reserved
            try await client.execute(uri: "/prometheus/api/v1/query?query=up", method: .get, headers: queryHeaders) { r in
                #expect(r.status == .badRequest)
                let text = String(buffer: r.body)
                #expect(text.contains("err-strata-invalid-tenant-id"))
                #expect(text.contains("is reserved"))
            }
            queryHeaders[try #require(HTTPField.Name("X-Scope-OrgID"))] = "team-a|" + Self.reserved
            try await client.execute(uri: "/prometheus/api/v1/series?match[]=up", method: .get, headers: queryHeaders) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/ingester/flush?tenant=\(Self.reserved)", method: .post,
                                     headers: [.contentType: "application/x-www-form-urlencoded"]) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("is reserved"))
            }
        }
        #expect(strata.components.ingester?.localBlockList().isEmpty == true)
    }

    @Test func everyAcceptedTenantHasStorableKeys() async throws {
        let root = NSTemporaryDirectory() + "strata-keys-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let bucket = try FilesystemBucket(root: root)
        for raw in ["team-a", "a.b", "_x", "x.strata-tmp", "(a)*'!", String(repeating: "z", count: TenantID.maxLength)] {
            let tenant = try TenantID(validating: raw)
            try await bucket.put(tenant.rawValue + "/01ARZ3NDEKTSV4RRFFQ69G5FAV/meta.json", [1])
            try await bucket.put(tenant.rawValue + "/bucket-index.json.gz", [1])
        }
        // The one rule: what the bucket refuses as a key segment, the tenant ID refuses too.
        await #expect(throws: BucketError.self) { try await bucket.put(Self.reserved + "/block/meta.json", [1]) }
        #expect(throws: TenantIDError.self) { try TenantID(validating: Self.reserved) }
    }

    @Test func oneTenantsFailingShipmentNeverFailsAnothersFlush() async throws {
        let dir = NSTemporaryDirectory() + "strata-ship-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try TenantID(validating: "good")
        let bad = try TenantID(validating: "bad")
        let inner = try FilesystemBucket(root: dir + "/bucket")
        let failingPrefix = bad.rawValue + "/"
        let bucket = WriteFailingBucket(inner, failing: { $0.hasPrefix(failingPrefix) })
        let ingester = Ingester(config: .init(directory: dir + "/tsdb", headOptions: .init()), overrides: Overrides(defaults: Limits()),
                                blockStorage: BlockStorage(bucket: bucket, retentionPeriod: .seconds(13 * 3600)),
                                metricsFactory: NOOPMetricsHandler.instance,
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try await ingester.open()
        defer { ingester.close() }
        let t = nowMs()
        for tenant in [good, bad] {
            var batch = SeriesBatch()
            batch.append(labels: Labels(["__name__": "up", "job": tenant.rawValue]), samples: [Sample(timestamp: t, value: 1)])
            _ = try await ingester.push(tenant: tenant, batch: batch)
        }

        // The bad tenant's blocks are cut first by a flush of everything: it fails alone.
        let all = try await ingester.flush()
        #expect(Set(all.failures.keys) == [bad])
        #expect(all.failures[bad]?.contains("uploading block") == true)
        #expect(all.blocks.keys.contains(good))
        #expect(try await inner.exists(good.rawValue + "/bucket-index.json.gz"))
        #expect(ingester.localBlockList()[good]?.allSatisfy { $0.shipped } == true)
        #expect(ingester.localBlockList()[bad]?.contains { !$0.shipped } == true)

        // A flush of the good tenant alone succeeds although the bad tenant's blocks are pending.
        var more = SeriesBatch()
        more.append(labels: Labels(["__name__": "up", "job": "again"]), samples: [Sample(timestamp: t + 1, value: 2)])
        _ = try await ingester.push(tenant: good, batch: more)
        let onlyGood = try await ingester.flush(tenants: [good])
        #expect(onlyGood.failures.isEmpty)
        #expect(onlyGood.uploaded >= 1)

        // Through the HTTP endpoint: `?tenant=good` answers 204, all tenants answer 500 naming `bad` only.
        var api = StrataAPI(tenants: TenantResolver(multitenancyEnabled: true), overrides: Overrides(defaults: Limits()),
                            distributor: nil, queryable: nil, readiness: { .init(ready: true, message: "") },
                            configYAML: { _ in nil }, metricsText: { [] }, metricsFactory: NOOPMetricsHandler.instance,
                            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        api.flush = { tenants in try await ingester.flush(tenants: tenants).failures }
        let app = Application(router: api.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/ingester/flush?tenant=good", method: .post,
                                     headers: [.contentType: "application/x-www-form-urlencoded"]) { r in
                #expect(r.status == .noContent)
            }
            try await client.execute(uri: "/ingester/flush", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"]) { r in
                #expect(r.status == .internalServerError)
                let text = String(buffer: r.body)
                #expect(text.contains("flush failed for 1 tenant(s)"))
                #expect(text.contains("bad: "))
                #expect(!text.contains("good: "))
            }
        }
    }
}
