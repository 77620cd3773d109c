import AsyncHTTPClient
import Foundation
import NIOCore
import StrataBucketIndex
import StrataModel
import StrataObjstore
import StrataTestSupport
import Testing

/// The cardinality API of a real `strata -target=all` (filesystem storage): three tenants with
/// ordinary metrics, one of which also gets a cardinality bomb (one metric with 50,000 new
/// series on `request_id`). The bomb is named first for that tenant and never for the others —
/// by `label_names`, `label_values` and `status/tsdb` from the heads, by `history` from the heads
/// at once and from the bucket index's per-day block statistics after a flush — and `unused`
/// lists the metrics no query touched but not those queried.
@Suite("Cardinality API end to end", .serialized)
struct CardinalityTests {
    static let tenants = ["card-a", "card-b", "card-c"]
    static let bombTenant = "card-b"
    static let bombMetric = "api_request_duration_seconds"
    static let bombSeries = 50_000

    /// Every tenant's ordinary series: 10 `up`, 30 `http_requests_total`, 40 `node_cpu_seconds_total`.
    static func ordinarySeries() -> [Labels] {
        var out: [Labels] = []
        for i in 0..<10 { out.append(Labels(["__name__": "up", "job": "node", "instance": "host-\(i)"])) }
        for i in 0..<10 {
            for code in ["200", "404", "500"] {
                out.append(Labels(["__name__": "http_requests_total", "job": "web", "instance": "host-\(i)", "code": code]))
            }
        }
        for cpu in 0..<8 {
            for mode in ["idle", "user", "system", "iowait", "irq"] {
                out.append(Labels(["__name__": "node_cpu_seconds_total", "job": "node", "cpu": "\(cpu)", "mode": mode]))
            }
        }
        return out
    }

    static func push(_ series: [Labels], tenant: String, at t: Int64, server: StrataProcess) async throws {
        for start in stride(from: 0, to: series.count, by: 5_000) {
            let slice = series[start..<min(start + 5_000, series.count)]
            let payload = slice.map { (labels: $0, samples: [Sample(timestamp: t, value: 1)]) }
            let (status, body) = try await pushRemoteWrite(client: .shared, url: server.baseURL + "/api/v1/push", tenant: tenant,
                                                           series: payload, timeout: .seconds(60))
            guard status == 200 else { throw HarnessError("push for \(tenant) answered \(status): \(body)\nlog:\n\(server.log().suffix(4000))") }
        }
    }

    /// GET `path` (under `/prometheus/api/v1/`) for `tenant`: status and parsed JSON object.
    static func get(_ server: StrataProcess, _ path: String, tenant: String) async throws -> (status: Int, json: [String: Any]) {
        var request = HTTPClientRequest(url: server.baseURL + "/prometheus/api/v1/" + path)
        request.headers.add(name: "X-Scope-OrgID", value: tenant)
        let response = try await HTTPClient.plainQueries.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 1 << 28)
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        guard let object else { throw HarnessError("\(path) answered a non-object: \(String(buffer: body).prefix(500))") }
        return (Int(response.status.code), object)
    }

    /// A successful answer's JSON.
    static func ok(_ server: StrataProcess, _ path: String, tenant: String) async throws -> [String: Any] {
        let (status, json) = try await get(server, path, tenant: tenant)
        guard status == 200 else { throw HarnessError("\(path) for \(tenant) answered \(status): \(json)") }
        return json
    }

    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }
    static func int(_ value: Any?) -> Int { (value as? NSNumber)?.intValue ?? -1 }

    @Test("a cardinality bomb is named first for its tenant only, shows in today's history before and after a flush, and unused lists unqueried metrics")
    func cardinalityBomb() async throws {
        let dir = try makeTempDirectory("strata-cardinality")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try StrataProcess(dataDirectory: dir, extraArguments: [
            "-distributor.ingestion-rate-limit=10000000", "-distributor.ingestion-burst-size=10000000",
        ])
        defer { server.terminate() }
        try await server.waitUntilReady(client: .shared)

        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let ordinary = Self.ordinarySeries()
        for tenant in Self.tenants {
            try await Self.push(ordinary, tenant: tenant, at: now, server: server)
        }
        let bomb = (0..<Self.bombSeries).map { i in
            Labels(["__name__": Self.bombMetric, "job": "api", "request_id": String(format: "req-%06d", i)])
        }
        try await Self.push(bomb, tenant: Self.bombTenant, at: now, server: server)

        // Queries touch `up` and `http_requests_total` of every tenant; nothing reads the others.
        for tenant in Self.tenants {
            for query in ["up", "sum(rate(http_requests_total[5m]))"] {
                let q = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
                _ = try await Self.ok(server, "query?query=\(q)&time=\(Double(now) / 1000)", tenant: tenant)
            }
        }

        for tenant in Self.tenants {
            let isBomb = tenant == Self.bombTenant
            // label_names: request_id has 50,000 values in the bomb's tenant and does not exist elsewhere.
            let names = try await Self.ok(server, "cardinality/label_names", tenant: tenant)
            let first = Self.list(names["cardinality"]).first
            if isBomb {
                #expect(first?["label_name"] as? String == "request_id")
                #expect(Self.int(first?["label_values_count"]) == Self.bombSeries)
                #expect(Self.int(names["label_names_count"]) == 7)
            } else {
                #expect(first?["label_name"] as? String != "request_id")
                #expect(!Self.list(names["cardinality"]).contains { $0["label_name"] as? String == "request_id" })
                #expect(Self.int(names["label_names_count"]) == 6)
            }

            // label_values of __name__: the bomb's metric has the most series.
            let values = try await Self.ok(server, "cardinality/label_values?label_names[]=__name__&label_names[]=job", tenant: tenant)
            #expect(Self.int(values["series_count_total"]) == ordinary.count + (isBomb ? Self.bombSeries : 0))
            let nameEntry = Self.list(values["labels"]).first { $0["label_name"] as? String == "__name__" }
            let topMetric = Self.list(nameEntry?["cardinality"]).first
            if isBomb {
                #expect(topMetric?["label_value"] as? String == Self.bombMetric)
                #expect(Self.int(topMetric?["series_count"]) == Self.bombSeries)
            } else {
                #expect(topMetric?["label_value"] as? String == "node_cpu_seconds_total")
                #expect(Self.int(topMetric?["series_count"]) == 40)
            }

            // status/tsdb: Prometheus's envelope, the bomb first in every list it belongs to.
            let status = try await Self.ok(server, "status/tsdb?limit=5", tenant: tenant)
            #expect(status["status"] as? String == "success")
            let data = status["data"] as? [String: Any] ?? [:]
            let head = data["headStats"] as? [String: Any] ?? [:]
            #expect(Self.int(head["numSeries"]) == ordinary.count + (isBomb ? Self.bombSeries : 0))
            #expect(Self.int(head["minTime"]) == Int(now) && Self.int(head["maxTime"]) == Int(now))
            let byMetric = Self.list(data["seriesCountByMetricName"])
            let byLabel = Self.list(data["labelValueCountByLabelName"])
            #expect(byMetric.count == (isBomb ? 4 : 3))
            if isBomb {
                #expect(byMetric.first?["name"] as? String == Self.bombMetric)
                #expect(byLabel.first?["name"] as? String == "request_id")
                // 50,000 series each; equal counts are ordered by name.
                let pairs = Self.list(data["seriesCountByLabelValuePair"]).prefix(2).compactMap { $0["name"] as? String }
                #expect(pairs == ["__name__=\(Self.bombMetric)", "job=api"])
            } else {
                #expect(byMetric.first?["name"] as? String == "node_cpu_seconds_total")
                #expect(!byLabel.contains { $0["name"] as? String == "request_id" })
            }

            // active_series: the label sets of the selected series.
            let active = try await Self.ok(server, "cardinality/active_series?selector=" + "up{job=\"node\"}".percentEncoded, tenant: tenant)
            let series = Self.list(active["data"])
            #expect(series.count == 10)
            #expect(series.first?["__name__"] as? String == "up")

            // history: today, with the bomb's in-memory series.
            let history = try await Self.ok(server, "cardinality/history?days=3&limit=3", tenant: tenant)
            let days = Self.list(history["days"])
            #expect(days.count == 3)
            #expect(days.last?["date"] as? String == UTCDay(milliseconds: now).description)
            let today = Self.list(days.last?["metrics"])
            #expect(today.first?["name"] as? String == (isBomb ? Self.bombMetric : "node_cpu_seconds_total"))
            if isBomb { #expect(Self.int(today.first?["series_count"]) == Self.bombSeries) }

            // unused: the metrics nobody queried, not the queried ones.
            let unused = try await Self.ok(server, "cardinality/unused?days=7", tenant: tenant)
            let unusedNames = Set(Self.list(unused["metrics"]).compactMap { $0["name"] as? String })
            #expect(unusedNames.contains("node_cpu_seconds_total"))
            #expect(unusedNames.contains(Self.bombMetric) == isBomb)
            #expect(!unusedNames.contains("up") && !unusedNames.contains("http_requests_total"))
            #expect(Self.int(unused["queried_metrics_tracked"]) == 2)
            if isBomb {
                #expect(Self.list(unused["metrics"]).first?["name"] as? String == Self.bombMetric)
                #expect(Self.int(Self.list(unused["metrics"]).first?["series_count"]) == Self.bombSeries)
            }
        }

        // What an operator runs: `strata admin cardinality top|history|unused` over real HTTP.
        let cli = AdminCLI(address: server.baseURL)
        for tenant in Self.tenants {
            let isBomb = tenant == Self.bombTenant
            let top = try await cli.run(["cardinality", "top", "--limit", "5", "--output", "json"], tenant: tenant)
            #expect(top.status == 0, "\(top)")
            let data = try top.object()["data"] as? [String: Any] ?? [:]
            let firstMetric = Self.list(data["seriesCountByMetricName"]).first?["name"] as? String
            let firstLabel = Self.list(data["labelValueCountByLabelName"]).first?["name"] as? String
            #expect(firstMetric == (isBomb ? Self.bombMetric : firstMetric), "\(top)")
            if isBomb {
                #expect(firstMetric == Self.bombMetric && firstLabel == "request_id", "\(top)")
                let table = try await cli.run(["cardinality", "top", "--limit", "5"], tenant: tenant)
                let bombAt = table.stdout.range(of: Self.bombMetric)?.lowerBound
                let otherAt = table.stdout.range(of: "node_cpu_seconds_total")?.lowerBound
                #expect(table.status == 0 && bombAt != nil && otherAt != nil && bombAt! < otherAt!, "the table names the bomb first: \(table)")
            } else {
                #expect(firstMetric != Self.bombMetric && firstLabel != "request_id", "\(top)")
            }
            let history = try await cli.run(["cardinality", "history", "--days", "2", "--output", "json"], tenant: tenant)
            let lastDay = Self.list((try? history.object())?["days"]).last
            #expect(history.status == 0 && lastDay?["date"] as? String == UTCDay(milliseconds: now).description, "\(history)")
            #expect((Self.list(lastDay?["metrics"]).first?["name"] as? String == Self.bombMetric) == isBomb, "\(history)")
            let unused = try await cli.run(["cardinality", "unused", "--days", "7", "--output", "json"], tenant: tenant)
            let names = Set(Self.list((try? unused.object())?["metrics"]).compactMap { $0["name"] as? String })
            #expect(unused.status == 0 && names.contains("node_cpu_seconds_total") && !names.contains("up")
                    && !names.contains("http_requests_total") && names.contains(Self.bombMetric) == isBomb, "\(unused)")
        }

        // The heads go to the bucket; the bucket index now holds the day's block statistics.
        try await BlocksStorageTests.flush(server: server, client: .shared)
        let bucket = try FilesystemBucket(root: dir.appendingPathComponent("blocks").path)
        for tenant in Self.tenants {
            let index = try #require(try await BucketIndex.read(bucket: bucket, tenant: TenantID(validating: tenant)),
                                     "no bucket index for \(tenant) after the flush")
            let day = try #require(index.seriesHistory.day(UTCDay(milliseconds: now)), "no history day in \(tenant)'s bucket index")
            #expect(day.seriesTotal == ordinary.count + (tenant == Self.bombTenant ? Self.bombSeries : 0))
            #expect(day.metrics[Self.bombMetric] == (tenant == Self.bombTenant ? Self.bombSeries : nil))
            #expect(day.metrics["up"] == 10)
        }
        // The history endpoint answers from the index as well (the heads were cut).
        let after = try await Self.ok(server, "cardinality/history?days=1&metric=\(Self.bombMetric)", tenant: Self.bombTenant)
        let afterDay = Self.list(after["days"]).first
        #expect(Self.int(afterDay?["series_count_total"]) == ordinary.count + Self.bombSeries)
        #expect(Self.int(Self.list(afterDay?["metrics"]).first?["series_count"]) == Self.bombSeries)

        // The query log reached the bucket at shutdown, one file per day per querier.
        #expect(await server.terminateGracefully() == 0)
        let keys = try await bucket.list(prefix: Self.bombTenant + "/query-stats/", delimiter: nil).keys
        #expect(keys.count == 1 && keys.first?.hasPrefix("\(Self.bombTenant)/query-stats/\(UTCDay(milliseconds: now))/") == true, "\(keys)")
        if let key = keys.first {
            let file = try JSONSerialization.jsonObject(with: Data(try await bucket.get(key))) as? [String: Any]
            #expect(file?["metric_names"] as? [String] == ["http_requests_total", "up"])
        }
    }

    @Test("bad parameters answer 400 with the error ID; an unknown tenant has empty statistics")
    func badParametersAndUnknownTenant() async throws {
        let dir = try makeTempDirectory("strata-cardinality-params")
        defer { try? FileManager.default.removeItem(at: dir) }
        let server = try StrataProcess(dataDirectory: dir)
        defer { server.terminate() }
        try await server.waitUntilReady(client: .shared)

        for path in ["cardinality/label_names?limit=0", "cardinality/label_names?limit=501", "cardinality/label_names?selector=" + "rate(x[5m])".percentEncoded,
                     "cardinality/label_values", "cardinality/label_values?label_names[]=" + "a-b".percentEncoded,
                     "cardinality/active_series", "status/tsdb?limit=x", "cardinality/history?days=0", "cardinality/history?days=401",
                     "cardinality/history?metric=" + "1bad".percentEncoded, "cardinality/unused?limit=10001"] {
            let (status, json) = try await Self.get(server, path, tenant: "nobody")
            #expect(status == 400, "\(path)")
            #expect(json["errorType"] as? String == "bad_data", "\(path)")
            #expect((json["error"] as? String)?.contains("err-strata-invalid-cardinality-request") == true, "\(path): \(json)")
        }
        let (federated, fjson) = try await Self.get(server, "cardinality/label_names", tenant: "a|b")
        #expect(federated == 400 && (fjson["error"] as? String)?.contains("one tenant") == true)

        let names = try await Self.ok(server, "cardinality/label_names", tenant: "nobody")
        #expect(Self.int(names["label_names_count"]) == 0 && Self.list(names["cardinality"]).isEmpty)
        let values = try await Self.ok(server, "cardinality/label_values?label_names[]=job", tenant: "nobody")
        #expect(Self.int(values["series_count_total"]) == 0)
        #expect(Self.int(Self.list(values["labels"]).first?["series_count"]) == 0)
        let status = try await Self.ok(server, "status/tsdb", tenant: "nobody")
        #expect(Self.int((status["data"] as? [String: Any])?["headStats"].flatMap { ($0 as? [String: Any])?["numSeries"] }) == 0)
        let history = try await Self.ok(server, "cardinality/history", tenant: "nobody")
        #expect(Self.list(history["days"]).count == 14)
        #expect(Self.list(history["days"]).allSatisfy { Self.int($0["series_count_total"]) == 0 })
        let unused = try await Self.ok(server, "cardinality/unused", tenant: "nobody")
        #expect(Self.list(unused["metrics"]).isEmpty && Self.int(unused["queried_metrics_tracked"]) == 0)
        let active = try await Self.ok(server, "cardinality/active_series?selector=" + "{job=\"x\"}".percentEncoded, tenant: "nobody")
        #expect(Self.list(active["data"]).isEmpty)
    }
}

extension String {
    /// Percent-encoded for a URL query value.
    fileprivate var percentEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self
    }
}
