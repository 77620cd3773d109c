import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StrataModel
import StrataObjstore
import StrataTestSupport
import StrataWire
import Testing

/// Deletes and redactions end to end: a running Strata masks deleted samples at once (ingester
/// and store-gateway data alike), keeps doing so across a `kill -9`, and a separate compactor
/// process rewrites the blocks so that `promtool tsdb dump` finds no trace in the bucket.
@Suite("Deletes and redactions end to end", .serialized)
struct DeletesTests {
    static let tenant = "team-deletes"
    static let minute: Int64 = 60_000

    static let leaked = Labels(["__name__": "app_requests_total", "job": "x", "secret": "leaked"])
    static let fine = Labels(["__name__": "app_requests_total", "job": "x", "secret": "fine"])
    static let other = Labels(["__name__": "other_metric", "job": "y", "secret": "leaked"])

    /// The arguments of the serving process: every role but the compactor, which runs later as
    /// its own process so the test decides when blocks are rewritten.
    static func serverArguments(port: Int, dir: URL) -> [String] {
        [
            "-target=distributor,ingester,querier,query-frontend,store-gateway",
            "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=\(port)",
            "-blocks-storage.tsdb.dir=\(dir.appendingPathComponent("tsdb").path)",
            "-blocks-storage.filesystem.dir=\(dir.appendingPathComponent("blocks").path)",
            "-blocks-storage.bucket-store.sync-dir=\(dir.appendingPathComponent("sync").path)",
            // Both the ingester and the store-gateway answer every range.
            "-querier.query-store-after=0s", "-querier.query-ingesters-within=0s",
            // The compactor replaces blocks with no deletion delay: the store-gateway follows quickly.
            "-blocks-storage.bucket-store.sync-interval=1s",
            "-log.level=info",
        ]
    }

    static func compactorArguments(port: Int, dir: URL) -> [String] {
        [
            "-target=compactor", "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=\(port)",
            "-blocks-storage.filesystem.dir=\(dir.appendingPathComponent("blocks").path)",
            "-compactor.data-dir=\(dir.appendingPathComponent("compactor").path)",
            "-compactor.ring.store=inmemory", "-compactor.compaction-interval=1s", "-compactor.deletion-delay=0s",
            "-compactor.delete-requests-settle-period=0s", "-compactor.downsampling-enabled=false", "-log.level=info",
        ]
    }

    struct Answer {
        let status: Int
        let headers: [(String, String)]
        let body: String
    }

    static func call(_ method: HTTPMethod, _ url: String, user: String? = nil, tenant: String? = DeletesTests.tenant) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let tenant { request.headers.add(name: "X-Scope-OrgID", value: tenant) }
        if let user { request.headers.add(name: "X-Strata-User", value: user) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 24))
        return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body)
    }

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
    }

    /// Every stored sample of the three series, by series.
    static func read(_ server: StrataProcess, start: Int64, end: Int64) async throws -> [Labels: [Sample]] {
        let series = try await remoteRead(client: .shared, baseURL: server.baseURL, tenant: tenant,
                                          matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: "app_requests_total|other_metric")],
                                          start: start, end: end)
        var out: [Labels: [Sample]] = [:]
        for s in series { out[s.labels] = s.samples }
        return out
    }

    /// The request list as JSON objects.
    static func requests(_ server: StrataProcess) async throws -> [[String: Any]] {
        let answer = try await call(.GET, server.baseURL + "/prometheus/api/v1/admin/tsdb/delete_series")
        guard answer.status == 200, let list = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [[String: Any]] else {
            throw HarnessError("listing delete requests answered \(answer.status): \(answer.body)")
        }
        return list
    }

    @Test("delete {job=\"x\", secret=\"leaked\"}: masked at once and after kill -9, rewritten by the compactor, audited; then a redaction")
    func deleteAndRedact() async throws {
        try Promtool.require()
        let dir = try makeTempDirectory("strata-deletes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try freePort()
        var server = try StrataProcess(port: port, dataDirectory: dir, arguments: Self.serverArguments(port: port, dir: dir))
        try await server.waitUntilReady(client: .shared)

        let now = Int64(Date().timeIntervalSince1970 * 1000) / Self.minute * Self.minute
        let start = now - 3 * 60 * Self.minute
        let split = now - 100 * Self.minute
        let end = now - 2 * Self.minute
        func samples(_ from: Int64, _ to: Int64, _ k: Double) -> [Sample] {
            stride(from: from, through: to, by: Int(Self.minute)).map { Sample(timestamp: $0, value: Double($0 / Self.minute) * k) }
        }
        func push(_ from: Int64, _ to: Int64) async throws {
            let (status, body) = try await pushRemoteWrite(client: .shared, url: server.baseURL + "/api/v1/push", tenant: Self.tenant, series: [
                (Self.leaked, samples(from, to, 1)), (Self.fine, samples(from, to, 2)), (Self.other, samples(from, to, 3)),
            ])
            guard status == 200 else { throw HarnessError("push answered \(status): \(body)") }
        }
        // The older part is shipped to the bucket (store-gateway data), the newer stays in the head.
        try await push(start, split)
        try await BlocksStorageTests.flush(server: server, client: .shared)
        try await push(split + Self.minute, end)
        let expectedFine = samples(start, end, 2)
        let expectedOther = samples(start, end, 3)
        let before = try await Self.read(server, start: start, end: end)
        #expect(before[Self.leaked]?.count == expectedFine.count, "the series to delete is stored before the delete")

        // Bad requests change nothing.
        let base = server.baseURL + "/prometheus/api/v1/admin/tsdb"
        for (query, why) in [("", "no match[]"), ("match%5B%5D=%7Bjob%3D", "unparsable selector"), ("match%5B%5D=up&start=abc", "bad start"),
                             ("match%5B%5D=up&start=100&end=10", "end before start"), ("match%5B%5D=up&redact_value=x", "redact_value alone"),
                             ("match%5B%5D=up&end=\(now / 1000 + 86400)", "end in the future"),
                             ("match%5B%5D=up&redact_label=__name__&redact_value=x", "redacting the metric name")] {
            let answer = try await Self.call(.POST, base + "/delete_series?" + query)
            #expect(answer.status == 400, "\(why): \(answer.status) \(answer.body)")
            #expect(answer.body.contains("err-strata-") || answer.body.contains("invalid parameter") || answer.body.contains("match[]"), "\(why): \(answer.body)")
        }
        #expect(try await Self.call(.POST, base + "/cancel_delete_request?request_id=0123456789abcdef").status == 404)
        #expect(try await Self.call(.POST, base + "/delete_series?match%5B%5D=up", tenant: nil).status == 401)
        #expect(try await Self.requests(server).isEmpty, "bad requests recorded nothing")

        // A cancelled request changes nothing either.
        let decoy = try await Self.call(.POST, base + "/delete_series?match%5B%5D=\(Self.encode("{job=\"y\"}"))&start=\(start / 1000)&end=\(end / 1000)", user: "bob")
        #expect(decoy.status == 204, "\(decoy.body)")
        let decoyID = decoy.headers.first { $0.0.lowercased() == "x-strata-delete-request-id" }?.1 ?? ""
        #expect(try await Self.read(server, start: start, end: end)[Self.other] == nil, "the decoy masks job=y at once")
        #expect(try await Self.call(.POST, base + "/cancel_delete_request?request_id=\(decoyID)", user: "bob").status == 204)
        #expect(try await Self.read(server, start: start, end: end)[Self.other] == expectedOther, "cancelled: job=y is back whole")
        #expect(try await Self.call(.POST, base + "/cancel_delete_request?request_id=\(decoyID)").status == 400, "cancelled twice")

        // The same query before the delete fills the query-frontend's results cache.
        let cachedQuery = server.baseURL + "/prometheus/api/v1/query_range?query=\(Self.encode("count by (secret) (app_requests_total)"))&start=\(start / 1000)&end=\(end / 1000)&step=600"
        let beforeDelete = try await Self.call(.GET, cachedQuery)
        #expect(beforeDelete.status == 200 && beforeDelete.body.contains("\"leaked\""), "\(beforeDelete.body.prefix(300))")

        // The delete: everything of the leaked series, in both the bucket's and the head's range.
        let selector = Self.encode("{job=\"x\",secret=\"leaked\"}")
        let created = try await Self.call(.POST, base + "/delete_series?match%5B%5D=\(selector)&start=\(start / 1000 - 60)&end=\(now / 1000)", user: "alice")
        #expect(created.status == 204, "\(created.body)")
        /// What is wrong with the masked view (empty when nothing).
        func maskProblems(_ when: String) async -> [String] {
            do {
                var problems: [String] = []
                let read = try await Self.read(server, start: start, end: end)
                if read[Self.leaked] != nil { problems.append("\(when): the deleted series is still returned (\(read[Self.leaked]?.count ?? 0) samples)") }
                if read[Self.fine] != expectedFine { problems.append("\(when): job=x secret=fine lost samples") }
                if read[Self.other] != expectedOther { problems.append("\(when): job=y lost samples") }
                let values = try await Self.call(.GET, server.baseURL + "/prometheus/api/v1/label/secret/values?match%5B%5D=\(Self.encode("{job=\"x\"}"))&start=\(start / 1000)&end=\(end / 1000)")
                if !(values.status == 200 && values.body.contains("\"fine\"") && !values.body.contains("\"leaked\"")) {
                    problems.append("\(when): label values \(values.body)")
                }
                let q = try await Self.call(.GET, server.baseURL + "/prometheus/api/v1/query_range?query=\(Self.encode("count by (secret) (app_requests_total)"))&start=\(start / 1000)&end=\(end / 1000)&step=600")
                if !(q.status == 200 && q.body.contains("\"fine\"") && !q.body.contains("\"leaked\"")) {
                    problems.append("\(when): query_range \(q.body.prefix(400))")
                }
                return problems
            } catch {
                return ["\(when): \(error)"]
            }
        }
        func checkMasked(_ when: String) async throws {
            let problems = await maskProblems(when)
            #expect(problems.isEmpty, "\(problems)")
        }
        try await checkMasked("right after the delete")

        // kill -9 and restart: the request is in the bucket, the samples in the WAL and blocks.
        server.kill9()
        server = try StrataProcess(port: port, dataDirectory: dir, arguments: Self.serverArguments(port: port, dir: dir))
        try await server.waitUntilReady(client: .shared)
        try await checkMasked("after kill -9 and restart")
        let listed = try await Self.requests(server)
        #expect(listed.count == 2)
        let pending = listed.first { ($0["user"] as? String) == "alice" }
        #expect(pending?["status"] as? String == "pending")
        #expect((pending?["selectors"] as? [String]) == ["{job=\"x\",secret=\"leaked\"}"])

        // The head's part is shipped too; then a compactor process rewrites every block.
        try await BlocksStorageTests.flush(server: server, client: .shared)
        let bucket = try FilesystemBucket(root: dir.appendingPathComponent("blocks").path)
        let shipped = try await promtoolDumpBucket(bucket, tenant: Self.tenant)
        #expect(shipped.series[Self.leaked]?.isEmpty == false, "before the compactor the bucket still holds the series")
        let compactorPort = try freePort()
        let compactor = try StrataProcess(port: compactorPort, dataDirectory: dir,
                                          arguments: Self.compactorArguments(port: compactorPort, dir: dir))
        defer { compactor.terminate() }
        try await compactor.waitUntilReady(client: .shared)
        try await eventually("the compactor processes the delete request", timeout: .seconds(120)) {
            try await Self.requests(server).contains { ($0["user"] as? String) == "alice" && ($0["status"] as? String) == "processed" }
        }
        // The compactor may still be compacting the rewritten blocks (a finished 2h range): dump
        // again until a dump sees a settled bucket.
        var rewritten = try await promtoolDumpBucket(bucket, tenant: Self.tenant)
        _ = try? await eventually("the bucket holds the rewritten samples once", timeout: .seconds(120)) {
            rewritten = try await promtoolDumpBucket(bucket, tenant: Self.tenant)
            return rewritten.series[Self.fine] == expectedFine && rewritten.series[Self.other] == expectedOther
        }
        #expect(rewritten.blocks > 0)
        #expect(rewritten.series[Self.leaked] == nil, "promtool dump still shows the deleted series in the bucket")
        #expect(rewritten.series[Self.fine] == expectedFine, "the bucket lost samples of job=x secret=fine")
        #expect(rewritten.series[Self.other] == expectedOther, "the bucket lost samples of job=y")
        // The store-gateway may still be switching to the rewritten blocks: give it a few syncs.
        var lastProblems: [String] = []
        do {
            try await eventually("reads are masked and whole after the compactor", timeout: .seconds(60)) {
                lastProblems = await maskProblems("after the compactor")
                return lastProblems.isEmpty
            }
        } catch {
            Issue.record("\(lastProblems)")
        }

        // The audit log records who asked for what, and what the compactor did.
        let events = try await bucket.list(prefix: "\(Self.tenant)/markers/delete-audit/", delimiter: nil).keys
        var actions: [String] = []
        for key in events.sorted() {
            let json = try JSONSerialization.jsonObject(with: Data(try await bucket.get(key))) as? [String: Any] ?? [:]
            actions.append("\(json["user"] ?? "?"):\(json["action"] ?? "?")")
        }
        #expect(actions.contains("alice:create") && actions.contains("compactor:rewrite") && actions.contains("compactor:processed"), "\(actions)")
        #expect(actions.contains("bob:create") && actions.contains("bob:cancel"), "\(actions)")

        // A redaction of the other series' leaked label: its samples stay, under secret="REDACTED".
        let redact = try await Self.call(.POST, base + "/delete_series?match%5B%5D=\(Self.encode("other_metric"))&redact_label=secret&redact_value=REDACTED", user: "alice")
        #expect(redact.status == 204, "\(redact.body)")
        let redactedLabels = Labels(["__name__": "other_metric", "job": "y", "secret": "REDACTED"])
        // The compactor may be replacing blocks meanwhile: each check is retried until it holds.
        var seen = ""
        do {
            try await eventually("the redaction is applied to reads", timeout: .seconds(60)) {
                do {
                    let read = try await Self.read(server, start: start, end: end)
                    let values = try await Self.call(.GET, server.baseURL + "/prometheus/api/v1/label/secret/values?start=\(start / 1000)&end=\(end / 1000)")
                    let byValue = try await Self.call(.GET, server.baseURL + "/prometheus/api/v1/query?query=\(Self.encode("other_metric{secret=\"REDACTED\"}"))&time=\(end / 1000)")
                    seen = "series \(read.keys.sorted()), label values \(values.body), query \(byValue.body.prefix(300))"
                    return read[Self.other] == nil && read[redactedLabels] == expectedOther
                        && values.body.contains("\"REDACTED\"") && !values.body.contains("\"leaked\"")
                        && byValue.body.contains("\"REDACTED\"")
                } catch {
                    seen = "\(error)"
                    return false
                }
            }
        } catch {
            Issue.record("redaction not applied to reads: \(seen)")
        }
        try await eventually("the compactor processes the redaction", timeout: .seconds(120)) {
            try await Self.requests(server).filter { ($0["status"] as? String) == "processed" }.count == 2
        }
        var final = try await promtoolDumpBucket(bucket, tenant: Self.tenant)
        _ = try? await eventually("the bucket holds the redacted samples once", timeout: .seconds(120)) {
            final = try await promtoolDumpBucket(bucket, tenant: Self.tenant)
            return final.series[redactedLabels] == expectedOther && final.series[Self.other] == nil
        }
        #expect(final.series[redactedLabels] == expectedOther && final.series[Self.other] == nil, "\(final.series.keys)")
        #expect(!final.series.keys.contains { $0["secret"] == "leaked" }, "no block holds secret=\"leaked\" any more")

        // Tenant deletion: nothing answers at once, the compactor removes every block.
        let other = try await Self.call(.POST, server.baseURL + "/api/v1/tenant_delete", tenant: "team-deletes-other")
        #expect(other.status == 200, "deleting a tenant without data: \(other.body)")
        let deletion = try await Self.call(.POST, server.baseURL + "/api/v1/tenant_delete", user: "alice")
        #expect(deletion.status == 200, "\(deletion.body)")
        #expect(try await Self.read(server, start: start, end: end).isEmpty, "a deleted tenant's data is still returned")
        let status = try await Self.call(.GET, server.baseURL + "/api/v1/tenant_delete_status")
        #expect(status.status == 200 && status.body.contains("\"deletion_requested\":true"), "\(status.body)")
        try await eventually("the compactor deletes the tenant's blocks", timeout: .seconds(120)) {
            try await Self.call(.GET, server.baseURL + "/api/v1/tenant_delete_status").body.contains("\"blocks_deleted\":true")
        }
        #expect(try await promtoolDumpBucket(bucket, tenant: Self.tenant).blocks == 0)
        server.terminate()
    }
}
