import AsyncHTTPClient
import Foundation
import StrataModel
import StrataTestSupport
import Testing

/// `strata admin` end to end: the real binary run as a subprocess against a running
/// `strata -target=all`, for every command — its table and its `--output json`, bad arguments
/// (a clear message on stderr and a non-zero exit), an unknown tenant, and a server that cannot
/// be reached (exit 4).
@Suite("strata admin CLI", .serialized)
struct AdminCLITests {
    /// Starts a server whose compactor and admin work directories are under `dir`.
    static func start(_ dir: URL, _ extra: [String] = []) async throws -> StrataProcess {
        let server = try StrataProcess(dataDirectory: dir, extraArguments: [
            "-compactor.data-dir=\(dir.appendingPathComponent("compactor").path)",
        ] + extra)
        try await server.waitUntilReady(client: .shared)
        return server
    }

    /// Pushes one sample now for each series.
    static func push(_ server: StrataProcess, tenant: String, _ series: [Labels], at t: Int64? = nil) async throws {
        let now = t ?? Int64(Date().timeIntervalSince1970 * 1000)
        let payload = series.map { (labels: $0, samples: [Sample(timestamp: now, value: 1)]) }
        let (status, body) = try await pushRemoteWrite(client: .shared, url: server.baseURL + "/api/v1/push", tenant: tenant, series: payload)
        guard status == 200 else { throw HarnessError("push answered \(status): \(body)") }
    }

    /// Rows of a table's output (header and the "(none)" line excluded), split on runs of two spaces.
    static func rows(_ run: AdminCLI.Run) -> [[String]] {
        run.stdout.split(separator: "\n").dropFirst().map(String.init).filter { !$0.hasPrefix("(") }
            .map { $0.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    @Test("every command answers --help with what it does and the endpoint it uses")
    func helpForEveryCommand() async throws {
        let commands: [([String], String)] = [
            (["cardinality", "top"], "/prometheus/api/v1/status/tsdb"),
            (["cardinality", "labels"], "/prometheus/api/v1/cardinality/label_names"),
            (["cardinality", "values"], "/prometheus/api/v1/cardinality/label_values"),
            (["cardinality", "active-series"], "/prometheus/api/v1/cardinality/active_series"),
            (["cardinality", "history"], "/prometheus/api/v1/cardinality/history"),
            (["cardinality", "unused"], "/prometheus/api/v1/cardinality/unused"),
            (["series", "delete"], "/prometheus/api/v1/admin/tsdb/delete_series"),
            (["series", "deletes"], "/prometheus/api/v1/admin/tsdb/delete_series"),
            (["series", "cancel"], "/prometheus/api/v1/admin/tsdb/cancel_delete_request"),
            (["tenants", "list"], "/api/v1/admin/tenants"),
            (["tenants", "limits"], "/api/v1/user_limits"),
            (["tenants", "delete"], "/api/v1/tenant_delete"),
            (["blocks", "list"], "/api/v1/admin/blocks"),
            (["blocks", "inspect"], "/api/v1/admin/blocks/<id>"),
            (["blocks", "verify"], "/api/v1/admin/blocks/<id>/verify"),
            (["blocks", "mark-no-compact"], "/api/v1/admin/blocks/<id>/mark-no-compact"),
            (["ring", "show"], "/ingester/ring"),
            (["ring", "forget"], "/<ring>/ring"),
            (["backfill"], "/api/v1/upload/block/<id>/start"),
        ]
        for (command, endpoint) in commands {
            let run = try await AdminCLI.runRaw(command + ["--help"])
            #expect(run.status == 0, "\(run)")
            // Help text is wrapped at the terminal width; compare without the line breaks.
            let text = run.stdout.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ")
            #expect(text.contains("OVERVIEW:") && text.contains(endpoint), "\(command) help does not name \(endpoint):\n\(run.stdout)")
            #expect(text.contains("--address") && text.contains("--tenant") && text.contains("--output"), "\(run)")
        }
        let root = try await AdminCLI.runRaw(["--help"])
        #expect(root.status == 0 && root.stdout.contains("Exit codes"), "\(root)")
        let unknown = try await AdminCLI.runRaw(["frobnicate"])
        #expect(unknown.status == 2 && unknown.stderr.contains("frobnicate"), "\(unknown)")
    }

    @Test("tenants list and limits; a missing tenant, bad options and an unreachable server")
    func tenantsAndLimits() async throws {
        let dir = try makeTempDirectory("strata-admin-tenants")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runtime = dir.appendingPathComponent("runtime.yaml")
        try "overrides:\n  team-limits:\n    ingestion_rate: 1234\n    max_global_series_per_user: 777\n"
            .write(to: runtime, atomically: true, encoding: .utf8)
        let server = try await Self.start(dir, ["-runtime-config.file=\(runtime.path)"])
        let cli = AdminCLI(address: server.baseURL)
        try await Self.push(server, tenant: "team-limits", (0..<3).map { Labels(["__name__": "adm_tenants", "i": "\($0)"]) })

        let list = try await cli.run(["tenants", "list"])
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout.hasPrefix("TENANT") && list.stdout.contains("HEAD SERIES"), "\(list)")
        let row = Self.rows(list).first { $0.first == "team-limits" }
        #expect(row?.first == "team-limits" && row?.last == "3", "\(list)")
        let listJSON = try await cli.run(["tenants", "list", "--output", "json"])
        let tenants = (try listJSON.object()["tenants"] as? [[String: Any]]) ?? []
        let entry = tenants.first { $0["id"] as? String == "team-limits" }
        #expect(entry?["head_series"] as? Int == 3 && entry?["blocks"] as? Int == 0, "\(listJSON)")

        let limits = try await cli.run(["tenants", "limits"], tenant: "team-limits")
        #expect(limits.status == 0, "\(limits)")
        #expect(Self.rows(limits).contains(["ingestion_rate", "1234"]), "\(limits)")
        #expect(Self.rows(limits).contains(["max_global_series_per_user", "777"]), "\(limits)")
        let limitsJSON = try await cli.run(["tenants", "limits", "--output", "json"], tenant: "team-limits")
        let object = try limitsJSON.object()
        #expect(object["ingestion_rate"] as? Double == 1234 && object["max_global_series_per_user"] as? Int == 777, "\(limitsJSON)")
        #expect(object["creation_grace_period"] as? String == "10m" && object["accept_ha_samples"] as? Bool == false, "\(limitsJSON)")
        // A tenant the server has never seen has the defaults.
        let unknown = try await cli.run(["tenants", "limits", "--output", "json"], tenant: "never-seen")
        #expect(try unknown.object()["ingestion_rate"] as? Double == 10000, "\(unknown)")
        // $STRATA_TENANT stands for --tenant.
        let fromEnv = try await cli.run(["tenants", "limits", "--output", "json"], environment: ["STRATA_TENANT": "team-limits"])
        #expect(try fromEnv.object()["ingestion_rate"] as? Double == 1234, "\(fromEnv)")

        let noTenant = try await cli.run(["tenants", "limits"])
        #expect(noTenant.status == 2 && noTenant.stderr.contains("--tenant"), "\(noTenant)")
        let badOutput = try await cli.run(["tenants", "list", "--output", "xml"])
        #expect(badOutput.status == 2 && badOutput.stderr.contains("output"), "\(badOutput)")
        let badTimeout = try await cli.run(["tenants", "list", "--timeout", "-1"])
        #expect(badTimeout.status == 2 && badTimeout.stderr.contains("--timeout"), "\(badTimeout)")
        let badAddress = try await AdminCLI.runRaw(["tenants", "list", "--address", "strata:8080"])
        #expect(badAddress.status == 2 && badAddress.stderr.contains("--address"), "\(badAddress)")
        let twoTenants = try await cli.run(["tenants", "limits"], tenant: "a|b")
        #expect(twoTenants.status == 2, "\(twoTenants)")
        let unreachable = try await AdminCLI.runRaw(["tenants", "list", "--address", "http://127.0.0.1:\(try freePort())"])
        #expect(unreachable.status == 4 && unreachable.stderr.contains("cannot reach"), "\(unreachable)")
        #expect(server.terminate() == 0)
    }

    @Test("blocks list, inspect, verify and mark-no-compact; unknown blocks and tenants; a damaged block")
    func blocks() async throws {
        let dir = try makeTempDirectory("strata-admin-blocks")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try PromtoolBlocks.make(in: dir, metrics: ["adm_blocks_total"], series: 2, hours: 3)
        let ids = made.blockDirectories.map { URL(fileURLWithPath: $0).lastPathComponent }
        #expect(ids.count >= 2, "promtool wrote \(ids)")
        let server = try await Self.start(dir)
        let cli = AdminCLI(address: server.baseURL)
        let tenant = "team-blocks"
        let backfill = try await cli.run(["backfill"] + made.blockDirectories, tenant: tenant)
        try #require(backfill.status == 0, "\(backfill)")

        let list = try await cli.run(["blocks", "list"], tenant: tenant)
        #expect(list.status == 0 && list.stdout.hasPrefix("ID"), "\(list)")
        #expect(Self.rows(list).map { $0.first ?? "" }.sorted() == ids, "\(list)")
        #expect(Self.rows(list).allSatisfy { $0.contains("raw") && $0.contains("2") }, "\(list)")
        let listJSON = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
        let blocks = (try listJSON.object()["blocks"] as? [[String: Any]]) ?? []
        #expect(blocks.compactMap { $0["id"] as? String }.sorted() == ids, "\(listJSON)")
        let samples = made.samples.values.reduce(0) { $0 + $1.count }
        #expect(blocks.reduce(0) { $0 + (($1["num_samples"] as? Int) ?? 0) } == samples, "\(listJSON)")
        #expect(blocks.allSatisfy { ($0["size_bytes"] as? Int ?? 0) > 0 && $0["no_compact"] as? Bool == false }, "\(listJSON)")

        let id = ids[0]
        let inspect = try await cli.run(["blocks", "inspect", id], tenant: tenant)
        #expect(inspect.status == 0 && inspect.stdout.contains("__org_id__=\(tenant)") && inspect.stdout.contains("chunks/000001"), "\(inspect)")
        let inspectJSON = try await cli.run(["blocks", "inspect", id, "--output", "json"], tenant: tenant)
        let detail = try inspectJSON.object()
        #expect((detail["meta"] as? [String: Any])?["ulid"] as? String == id, "\(inspectJSON)")
        #expect(((detail["files"] as? [[String: Any]]) ?? []).contains { $0["path"] as? String == "index" }, "\(inspectJSON)")

        let verify = try await cli.run(["blocks", "verify", id], tenant: tenant)
        #expect(verify.status == 0 && Self.rows(verify).first?.prefix(2) == [id, "true"], "\(verify)")
        let verifyAll = try await cli.run(["blocks", "verify", "--all", "--output", "json"], tenant: tenant)
        let verified = (try verifyAll.object()["blocks"] as? [[String: Any]]) ?? []
        #expect(verifyAll.status == 0 && verified.count == ids.count && verified.allSatisfy { $0["ok"] as? Bool == true }, "\(verifyAll)")

        let mark = try await cli.run(["blocks", "mark-no-compact", id, "--reason", "kept for the audit"], tenant: tenant)
        #expect(mark.status == 0 && mark.stdout.contains("no-compact"), "\(mark)")
        let markFile = dir.appendingPathComponent("blocks/\(tenant)/markers/\(id)-no-compact-mark.json")
        let markJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: markFile)) as? [String: Any]
        #expect(markJSON?["reason"] as? String == "manual" && markJSON?["details"] as? String == "kept for the audit", "\(String(describing: markJSON))")
        let marked = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
        let markedBlock = ((try marked.object()["blocks"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == id }
        #expect(markedBlock?["no_compact"] as? Bool == true, "\(marked)")
        let markedInspect = try await cli.run(["blocks", "inspect", id], tenant: tenant)
        #expect(markedInspect.stdout.contains("manual: kept for the audit"), "\(markedInspect)")

        // Unknown block (exit 3), malformed IDs and missing arguments (exit 2).
        let unknownID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
        for args in [["blocks", "inspect", unknownID], ["blocks", "verify", unknownID],
                     ["blocks", "mark-no-compact", unknownID, "--reason", "x"]] {
            let run = try await cli.run(args, tenant: tenant)
            #expect(run.status == 3 && run.stderr.contains(unknownID), "\(run)")
        }
        for args in [["blocks", "inspect", "not-a-block"], ["blocks", "verify"], ["blocks", "verify", id, "--all"],
                     ["blocks", "mark-no-compact", id], ["blocks", "mark-no-compact", id, "--reason", " "], ["blocks", "inspect"]] {
            let run = try await cli.run(args, tenant: tenant)
            #expect(run.status == 2 && !run.stderr.isEmpty, "\(run)")
        }
        let noTenant = try await cli.run(["blocks", "list"])
        #expect(noTenant.status == 2 && noTenant.stderr.contains("--tenant"), "\(noTenant)")
        // A tenant without blocks has an empty list.
        let empty = try await cli.run(["blocks", "list"], tenant: "no-such-tenant")
        #expect(empty.status == 0 && empty.stdout.contains("(no blocks)"), "\(empty)")
        let emptyJSON = try await cli.run(["blocks", "list", "--output", "json"], tenant: "no-such-tenant")
        #expect(((try emptyJSON.object()["blocks"] as? [Any]) ?? [1]).isEmpty, "\(emptyJSON)")
        let otherTenant = try await cli.run(["blocks", "inspect", id], tenant: "no-such-tenant")
        #expect(otherTenant.status == 3, "\(otherTenant)")

        // A chunk segment damaged in the bucket: verify names the problem and exits 1.
        let segment = dir.appendingPathComponent("blocks/\(tenant)/\(ids[1])/chunks/000001")
        let handle = try FileHandle(forWritingTo: segment)
        try handle.truncate(atOffset: 40)
        try handle.close()
        let damaged = try await cli.run(["blocks", "verify", ids[1]], tenant: tenant)
        #expect(damaged.status == 1 && damaged.stdout.contains("\(ids[1]): problem:") && damaged.stderr.contains("failed verification"), "\(damaged)")
        #expect(server.terminate() == 0)
    }

    @Test("ring show and forget for the ingester, store-gateway and distributor rings")
    func ring() async throws {
        let dir = try makeTempDirectory("strata-admin-ring")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await Self.start(dir, ["-distributor.ring.instance-id=dist-1", "-distributor.ring.heartbeat-period=1s",
                                                "-ingester.ring.instance-id=ing-1"])
        let cli = AdminCLI(address: server.baseURL)
        let show = try await cli.run(["ring", "show"])
        #expect(show.status == 0 && show.stdout.hasPrefix("INSTANCE") && Self.rows(show).first?.prefix(2) == ["ing-1", "ACTIVE"], "\(show)")
        for ring in ["store-gateway", "distributor"] {
            let run = try await cli.run(["ring", "show", "--ring", ring, "--output", "json"])
            let shards = (try run.object()["shards"] as? [[String: Any]]) ?? []
            #expect(run.status == 0 && shards.count == 1 && shards.first?["state"] as? String == "ACTIVE", "\(run)")
        }
        let badRing = try await cli.run(["ring", "show", "--ring", "querier"])
        #expect(badRing.status == 2 && badRing.stderr.contains("ring"), "\(badRing)")
        let unknown = try await cli.run(["ring", "forget", "no-such-instance", "--ring", "distributor"])
        #expect(unknown.status == 3 && unknown.stderr.contains("no-such-instance"), "\(unknown)")
        let missing = try await cli.run(["ring", "forget"])
        #expect(missing.status == 2, "\(missing)")

        let forget = try await cli.run(["ring", "forget", "dist-1", "--ring", "distributor"])
        #expect(forget.status == 0 && forget.stdout.contains("dist-1"), "\(forget)")
        // A live instance registers again at its next heartbeat.
        try await eventually("dist-1 back in the distributor ring", timeout: .seconds(30)) {
            let run = try await cli.run(["ring", "show", "--ring", "distributor"])
            return Self.rows(run).first?.first == "dist-1"
        }
        #expect(server.terminate() == 0)
    }

    @Test("series delete, deletes and cancel; bad ranges and selectors; unknown requests and tenants")
    func seriesDeletes() async throws {
        let dir = try makeTempDirectory("strata-admin-series")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await Self.start(dir)
        let cli = AdminCLI(address: server.baseURL)
        let tenant = "team-deletes"
        try await Self.push(server, tenant: tenant, [Labels(["__name__": "adm_del", "job": "x", "secret": "leaked"]),
                                                     Labels(["__name__": "adm_del", "job": "x", "secret": "fine"])])
        let end = Int(Date().timeIntervalSince1970) + 60
        let delete = try await cli.run(["series", "delete", "--match", "{job=\"x\",secret=\"leaked\"}", "--start", "2026-01-01T00:00:00Z",
                                        "--end", String(end), "--user", "alice"], tenant: tenant)
        #expect(delete.status == 0, "\(delete)")
        let id = delete.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!id.isEmpty && !id.contains(" "), "\(delete)")
        let redact = try await cli.run(["series", "delete", "--match", "adm_del", "--start", "0", "--end", String(end),
                                        "--redact-label", "secret", "--redact-value", "REDACTED", "--output", "json"], tenant: tenant)
        #expect(redact.status == 0, "\(redact)")
        let redactID = try redact.object()["request_id"] as? String
        #expect(redactID != nil && redactID != id, "\(redact)")

        let list = try await cli.run(["series", "deletes"], tenant: tenant)
        #expect(list.status == 0 && list.stdout.hasPrefix("REQUEST ID"), "\(list)")
        let row = Self.rows(list).first { $0.first == id }
        #expect(row?.contains("pending") == true && row?.contains("alice") == true, "\(list)")
        #expect(list.stdout.contains("redact secret"), "\(list)")
        let listJSON = try await cli.run(["series", "deletes", "--output", "json"], tenant: tenant)
        let requests = (try listJSON.json() as? [[String: Any]]) ?? []
        #expect(requests.count == 2 && requests.contains { $0["request_id"] as? String == id && $0["user"] as? String == "alice" }, "\(listJSON)")

        let cancel = try await cli.run(["series", "cancel", id], tenant: tenant)
        #expect(cancel.status == 0 && cancel.stdout.contains("cancelled"), "\(cancel)")
        let after = try await cli.run(["series", "deletes", "--output", "json"], tenant: tenant)
        let cancelled = ((try after.json() as? [[String: Any]]) ?? []).first { $0["request_id"] as? String == id }
        #expect(cancelled?["status"] as? String == "cancelled", "\(after)")
        let again = try await cli.run(["series", "cancel", id], tenant: tenant)
        #expect(again.status == 1 && !again.stderr.isEmpty, "\(again)")
        let unknown = try await cli.run(["series", "cancel", "no-such-request"], tenant: tenant)
        #expect(unknown.status == 3, "\(unknown)")
        let otherTenant = try await cli.run(["series", "cancel", redactID ?? "x"], tenant: "someone-else")
        #expect(otherTenant.status == 3, "\(otherTenant)")
        let none = try await cli.run(["series", "deletes"], tenant: "someone-else")
        #expect(none.status == 0 && none.stdout.contains("(none)"), "\(none)")

        for (args, mention) in [
            (["series", "delete", "--start", "0", "--end", "10"], "--match"),
            (["series", "delete", "--match", "up", "--start", "yesterday", "--end", "10"], "--start"),
            (["series", "delete", "--match", "up", "--start", "100", "--end", "10"], "--end"),
            (["series", "delete", "--match", "up", "--start", "0"], "--end"),
            (["series", "delete", "--match", "up", "--start", "0", "--end", "10", "--redact-label", "secret"], "--redact-value"),
            (["series", "cancel"], "request-id"),
        ] {
            let run = try await cli.run(args, tenant: tenant)
            #expect(run.status == 2 && run.stderr.contains(mention), "\(run)")
        }
        // A selector only the server can judge: refused with its message, exit 1.
        let badSelector = try await cli.run(["series", "delete", "--match", "{job=~\"x\"", "--start", "0", "--end", "10"], tenant: tenant)
        #expect(badSelector.status == 1 && badSelector.stderr.contains("match[]"), "\(badSelector)")
        #expect(server.terminate() == 0)
    }

    @Test("cardinality top, labels, values, active-series, history and unused; bad arguments; unknown tenant")
    func cardinality() async throws {
        let dir = try makeTempDirectory("strata-admin-card")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try await Self.start(dir)
        let cli = AdminCLI(address: server.baseURL)
        let tenant = "team-card"
        try await Self.push(server, tenant: tenant, (0..<40).map { Labels(["__name__": "adm_card_big", "pod": "p\($0)", "job": "card"]) }
            + (0..<2).map { Labels(["__name__": "adm_card_small", "pod": "p\($0)", "job": "card"]) })
        // One query touches adm_card_small, so only adm_card_big is unused.
        var request = HTTPClientRequest(url: server.baseURL + "/prometheus/api/v1/query?query=adm_card_small")
        request.headers.add(name: "X-Scope-OrgID", value: tenant)
        let queried = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(queried.status == .ok)

        let top = try await cli.run(["cardinality", "top"], tenant: tenant)
        #expect(top.status == 0 && top.stdout.contains("Series count by metric name:"), "\(top)")
        let firstMetric = top.stdout.components(separatedBy: "Series count by metric name:\n").last?.split(separator: "\n").dropFirst().first
        #expect(firstMetric?.hasPrefix("adm_card_big") == true && firstMetric?.hasSuffix("40") == true, "\(top)")
        let topJSON = try await cli.run(["cardinality", "top", "--limit", "1", "--output", "json"], tenant: tenant)
        let byName = ((try topJSON.object()["data"] as? [String: Any])?["seriesCountByMetricName"] as? [[String: Any]]) ?? []
        #expect(byName.count == 1 && byName.first?["name"] as? String == "adm_card_big", "\(topJSON)")

        let labels = try await cli.run(["cardinality", "labels"], tenant: tenant)
        #expect(labels.status == 0 && Self.rows(labels).contains { $0 == ["pod", "40"] }, "\(labels)")
        let values = try await cli.run(["cardinality", "values", "--label", "__name__", "--output", "json"], tenant: tenant)
        let valueLabels = (try values.object()["labels"] as? [[String: Any]]) ?? []
        #expect(values.status == 0 && valueLabels.first?["label_name"] as? String == "__name__", "\(values)")
        let valuesTable = try await cli.run(["cardinality", "values", "--label", "__name__"], tenant: tenant)
        #expect(Self.rows(valuesTable).contains(["__name__", "adm_card_big", "40"]), "\(valuesTable)")
        let active = try await cli.run(["cardinality", "active-series", "--selector", "adm_card_small"], tenant: tenant)
        #expect(active.status == 0 && Self.rows(active).count == 2 && active.stdout.contains("adm_card_small{job=\"card\", pod=\"p0\"}"), "\(active)")

        // History and unused read the blocks: cut the heads into blocks first.
        try await BlocksStorageTests.flush(server: server, client: .shared)
        let history = try await cli.run(["cardinality", "history", "--days", "3", "--output", "json"], tenant: tenant)
        let days = (try history.object()["days"] as? [[String: Any]]) ?? []
        #expect(history.status == 0 && days.contains { ($0["series_count_total"] as? Int ?? 0) >= 42 }, "\(history)")
        let historyTable = try await cli.run(["cardinality", "history", "--days", "3"], tenant: tenant)
        #expect(historyTable.status == 0 && historyTable.stdout.contains("adm_card_big (40)"), "\(historyTable)")
        let unused = try await cli.run(["cardinality", "unused", "--output", "json"], tenant: tenant)
        let unusedNames = ((try unused.object()["metrics"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(unused.status == 0 && unusedNames.contains("adm_card_big") && !unusedNames.contains("adm_card_small"), "\(unused)")
        let unusedTable = try await cli.run(["cardinality", "unused"], tenant: tenant)
        #expect(Self.rows(unusedTable).contains(["adm_card_big", "40"]), "\(unusedTable)")

        for (args, mention) in [
            (["cardinality", "values"], "--label"),
            (["cardinality", "values", "--label", "bad-name"], "bad-name"),
            (["cardinality", "active-series"], "--selector"),
            (["cardinality", "history", "--days", "0"], "--days"),
            (["cardinality", "labels", "--limit", "0"], "--limit"),
            (["cardinality", "top", "--limit", "ten"], "--limit"),
        ] {
            let run = try await cli.run(args, tenant: tenant)
            #expect(run.status == 2 && run.stderr.contains(mention), "\(run)")
        }
        let serverRefusal = try await cli.run(["cardinality", "active-series", "--selector", "{pod=~\"p"], tenant: tenant)
        #expect(serverRefusal.status == 1 && serverRefusal.stderr.contains("selector"), "\(serverRefusal)")

        // A tenant that sent nothing has empty lists.
        let unknownTop = try await cli.run(["cardinality", "top", "--output", "json"], tenant: "quiet-tenant")
        let unknownNames = ((try unknownTop.object()["data"] as? [String: Any])?["seriesCountByMetricName"] as? [Any]) ?? [1]
        #expect(unknownTop.status == 0 && unknownNames.isEmpty, "\(unknownTop)")
        let unknownLabels = try await cli.run(["cardinality", "labels"], tenant: "quiet-tenant")
        #expect(unknownLabels.status == 0 && unknownLabels.stdout.contains("(none)"), "\(unknownLabels)")
        #expect(server.terminate() == 0)
    }

    @Test("tenants delete asks for --yes, then with --wait returns once the blocks are gone")
    func tenantDelete() async throws {
        let dir = try makeTempDirectory("strata-admin-tenant-delete")
        defer { try? FileManager.default.removeItem(at: dir) }
        let made = try PromtoolBlocks.make(in: dir, metrics: ["adm_gone"], series: 1, hours: 2)
        let server = try await Self.start(dir, ["-compactor.compaction-interval=1s"])
        let cli = AdminCLI(address: server.baseURL)
        let tenant = "team-gone"
        let backfill = try await cli.run(["backfill", "--no-wait"] + made.blockDirectories, tenant: tenant)
        try #require(backfill.status == 0, "\(backfill)")
        // `--no-wait` returns before the server has validated the blocks: wait until they are listed.
        try await eventually("the backfilled blocks are listed", timeout: .seconds(120)) {
            let listed = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
            // The in-process compactor may already have merged them (sources marked, one block more).
            return ((try? listed.object()["blocks"] as? [Any]) ?? []).count >= made.blockDirectories.count
        }

        let unconfirmed = try await cli.run(["tenants", "delete"], tenant: tenant)
        #expect(unconfirmed.status == 2 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed)")
        let noTenant = try await cli.run(["tenants", "delete", "--yes"])
        #expect(noTenant.status == 2 && noTenant.stderr.contains("--tenant"), "\(noTenant)")
        let still = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
        let live = ((try still.object()["blocks"] as? [[String: Any]]) ?? []).filter { ($0["deletion_marked"] as? Bool) != true }
        #expect(!live.isEmpty, "nothing deleted without --yes: \(still)")

        let delete = try await cli.run(["tenants", "delete", "--yes", "--wait", "--wait-timeout", "90", "--output", "json"], tenant: tenant)
        #expect(delete.status == 0, "\(delete)\nlog:\n\(server.log().suffix(3000))")
        #expect(try delete.object()["blocks_deleted"] as? Bool == true, "\(delete)")
        let gone = try await cli.run(["blocks", "list", "--output", "json"], tenant: tenant)
        #expect(((try gone.object()["blocks"] as? [Any]) ?? [1]).isEmpty, "\(gone)")
        #expect(server.terminate() == 0)
    }
}
