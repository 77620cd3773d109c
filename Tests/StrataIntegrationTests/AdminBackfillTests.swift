import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// `strata admin backfill` end to end: blocks written by `promtool tsdb create-blocks-from
/// openmetrics` are validated, uploaded through the block-upload API, reported queryable, and
/// read back sample for sample; a damaged block is refused before anything leaves the disk.
@Suite("strata admin backfill", .serialized)
struct AdminBackfillTests {
    @Test("promtool blocks are uploaded, reported queryable, and read back exactly (remote read and query_range)")
    func backfillReadsBackExactly() async throws {
        let dir = try makeTempDirectory("strata-admin-backfill")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try PromtoolBlocks.make(in: dir, metrics: ["bf_requests_total", "bf_temperature"], series: 3, hours: 6)
        let directories = made.blockDirectories
        #expect(directories.count >= 3, "promtool wrote \(directories)")
        let server = try await AdminCLITests.start(dir)
        let cli = AdminCLI(address: server.baseURL)
        let tenant = "team-backfill"

        let dryRun = try await cli.run(["backfill", "--dry-run"] + directories, tenant: tenant)
        #expect(dryRun.status == 0 && dryRun.stdout.contains("nothing uploaded"), "\(dryRun)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("blocks/\(tenant)").path), "a dry run uploads nothing")

        let run = try await cli.run(["backfill", "--output", "json", "--progress"] + directories, tenant: tenant)
        try #require(run.status == 0, "\(run)\nlog:\n\(server.log().suffix(3000))")
        let report = try run.object()
        let blocks = (report["blocks"] as? [[String: Any]]) ?? []
        #expect(blocks.count == directories.count, "\(run)")
        let ids = directories.map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(blocks.compactMap { $0["id"] as? String }.sorted() == ids, "\(run)")
        // Every block reports when it became queryable (seconds after its upload finished).
        for block in blocks {
            let after = block["queryable_after_seconds"] as? Double
            #expect(after != nil && (after ?? -1) >= 0 && (after ?? 999) < 300, "\(block)")
        }
        let samplesReported = blocks.reduce(0) { $0 + (($1["samples"] as? Int) ?? 0) }
        #expect(samplesReported == made.samples.values.reduce(0) { $0 + $1.count }, "\(run)")
        #expect(run.stderr.contains("queryable after") && run.stderr.contains("100%"), "progress and report on stderr: \(run)")

        // The samples read back exactly: remote read over the whole span…
        let result = try await remoteRead(client: .shared, baseURL: server.baseURL, tenant: tenant,
                                          matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: "bf_.*")],
                                          start: made.start, end: made.end)
        #expect(result.count == made.samples.count, "series read back: \(result.count) of \(made.samples.count)")
        for ts in result {
            let want = made.samples[ts.labels] ?? []
            #expect(ts.samples == want, "\(ts.labels): \(ts.samples.count) samples read, \(want.count) written")
        }
        // …and query_range at the samples' own step.
        var components = URLComponents(string: server.baseURL + "/prometheus/api/v1/query_range")
        components?.queryItems = [URLQueryItem(name: "query", value: "bf_temperature"),
                                  URLQueryItem(name: "start", value: String(Double(made.start) / 1000)),
                                  URLQueryItem(name: "end", value: String(Double(made.end) / 1000)),
                                  URLQueryItem(name: "step", value: "60")]
        var request = HTTPClientRequest(url: components?.url?.absoluteString ?? "")
        request.headers.add(name: "X-Scope-OrgID", value: tenant)
        let response = try await HTTPClient.plainQueries.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 26)
        #expect(response.status == .ok, "\(String(buffer: body))")
        let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        let matrix = ((json?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        #expect(matrix.count == 3, "query_range series: \(matrix.count)")
        for entry in matrix {
            let metric = (entry["metric"] as? [String: String]) ?? [:]
            let got = ((entry["values"] as? [[Any]]) ?? []).compactMap { pair -> Sample? in
                guard pair.count == 2, let t = pair[0] as? Double, let v = (pair[1] as? String).flatMap(Double.init) else { return nil }
                return Sample(timestamp: Int64((t * 1000).rounded()), value: v)
            }
            #expect(got == made.samples[Labels(metric)], "query_range \(metric): \(got.count) points")
        }

        // The blocks are the tenant's, listed with their samples.
        let list = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
        let listed = (try list.object()["blocks"] as? [[String: Any]]) ?? []
        #expect(listed.compactMap { $0["id"] as? String }.sorted() == ids, "\(list)")
        // A block is uploaded once.
        let again = try await cli.run(["backfill", directories[0]], tenant: tenant)
        #expect(again.status == 1 && again.stderr.contains("409") && again.stderr.contains("already has block"), "\(again)")
        #expect(server.terminate() == 0)
    }

    @Test("a damaged block is refused before anything is uploaded, with what is wrong")
    func corruptBlockRefused() async throws {
        let dir = try makeTempDirectory("strata-admin-backfill-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try PromtoolBlocks.make(in: dir, metrics: ["bf_bad"], series: 2, hours: 3)
        let directories = made.blockDirectories
        try #require(directories.count >= 2)
        // A truncated index, as a copy that stopped half-way leaves it.
        let index = directories[1] + "/index"
        let size = try FileManager.default.attributesOfItem(atPath: index)[.size] as? Int ?? 0
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: index))
        try handle.truncate(atOffset: UInt64(size / 2))
        try handle.close()

        let server = try await AdminCLITests.start(dir)
        let cli = AdminCLI(address: server.baseURL)
        let tenant = "team-backfill-bad"
        let run = try await cli.run(["backfill"] + directories, tenant: tenant)
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("nothing was uploaded") && run.stderr.contains(directories[1]) && run.stderr.contains("index"), "\(run)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("blocks/\(tenant)").path),
                "the good blocks were not uploaded either")
        let list = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
        #expect(((try list.object()["blocks"] as? [Any]) ?? [1]).isEmpty, "\(list)")

        // Not a block directory at all, and no directory: usage errors.
        let notBlock = try await cli.run(["backfill", dir.path], tenant: tenant)
        #expect(notBlock.status == 1 && notBlock.stderr.contains("meta.json"), "\(notBlock)")
        let missing = try await cli.run(["backfill", dir.appendingPathComponent("nope").path], tenant: tenant)
        #expect(missing.status == 2 && missing.stderr.contains("not a directory"), "\(missing)")
        let none = try await cli.run(["backfill"], tenant: tenant)
        #expect(none.status == 2 && none.stderr.contains("block directory"), "\(none)")
        let noTenant = try await cli.run(["backfill", directories[0]])
        #expect(noTenant.status == 2 && noTenant.stderr.contains("--tenant"), "\(noTenant)")

        // The server validates again: a damaged index sent straight to the upload API is refused at finish.
        let id = URL(fileURLWithPath: directories[1]).lastPathComponent
        let base = server.baseURL + "/api/v1/upload/block/\(id)"
        func post(_ url: String, _ body: [UInt8], _ type: String) async throws -> (Int, String) {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "X-Scope-OrgID", value: tenant)
            request.headers.add(name: "Content-Type", value: type)
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 20)))
        }
        let meta = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directories[1] + "/meta.json")))
        #expect(try await post(base + "/start", meta, "application/json").0 == 200)
        let outside = try await post(base + "/files?path=../../other/index", [1, 2, 3], "application/octet-stream")
        #expect(outside.0 == 400 && outside.1.contains("err-strata-block-upload-invalid"), "\(outside)")
        let segment = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directories[1] + "/chunks/000001")))
        #expect(try await post(base + "/files?path=chunks/000001", segment, "application/octet-stream").0 == 200)
        let damaged = try [UInt8](Data(contentsOf: URL(fileURLWithPath: index)))
        #expect(try await post(base + "/files?path=index", damaged, "application/octet-stream").0 == 200)
        #expect(try await post(base + "/finish", [], "application/x-www-form-urlencoded").0 == 200)
        var state = ""
        try await eventually("the upload's validation ends", timeout: .seconds(60)) {
            var request = HTTPClientRequest(url: base + "/check")
            request.headers.add(name: "X-Scope-OrgID", value: tenant)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            state = String(buffer: try await response.body.collect(upTo: 1 << 20))
            return !state.contains("validating")
        }
        #expect(state.contains("\"result\":\"failed\"") && state.contains("err-strata-block-validation-failed") && state.contains("index"), "\(state)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("blocks/\(tenant)/\(id)/meta.json").path),
                "a block that failed validation stays invisible")
        #expect(server.terminate() == 0)
    }
}
