import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataTestSupport
import Testing

/// The cardinality API on a querier of a cluster of separate processes (etcd, moto, 3 ingesters
/// with replication factor 3, a distributor and a querier): the querier asks every ingester over
/// gRPC and merges, so a high-cardinality metric is named first with the series pushed counted
/// once, not once per replica.
@Suite("Cardinality on a cluster's querier", .serialized)
struct CardinalityClusterTests {
    static let tenant = "card-cluster"
    static let bombMetric = "checkout_request_seconds"
    static let bombSeries = 3_000
    static let upSeries = 20

    @Test("label_names, label_values, active_series and status/tsdb on the querier merge the ingesters, counts not tripled")
    func querierMergesTheRing() async throws {
        let cluster = try await LocalCluster(ingesters: 3, storeGateways: 0)
        defer { cluster.shutdown() }
        try await cluster.startAll(client: .shared)

        var series = (0..<Self.bombSeries).map { Labels(["__name__": Self.bombMetric, "job": "checkout", "request_id": "r\($0)"]) }
        series += (0..<Self.upSeries).map { Labels(["__name__": "up", "job": "node", "instance": "host-\($0)"]) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for start in stride(from: 0, to: series.count, by: 1_000) {
            let payload = series[start..<min(start + 1_000, series.count)].map { (labels: $0, samples: [Sample(timestamp: now, value: 1)]) }
            let (status, body) = try await pushRemoteWrite(client: .shared, url: cluster.url("distributor") + "/api/v1/push",
                                                           tenant: Self.tenant, series: payload, timeout: .seconds(60))
            #expect(status == 200, "push answered \(status): \(body)\n\(cluster.logs())")
        }
        let querier = cluster.url("querier")
        let total = Self.bombSeries + Self.upSeries

        // The push is acknowledged by a quorum; the third replica may append a moment later.
        var names: [String: Any] = [:]
        try await eventually("label_names on the querier counts every request_id once", timeout: .seconds(60)) {
            names = try await Self.ok(querier, "cardinality/label_names")
            return Self.list(names["cardinality"]).first?["label_values_count"] as? Int == Self.bombSeries
        }
        #expect(Self.list(names["cardinality"]).first?["label_name"] as? String == "request_id", "\(names)")
        #expect(names["label_names_count"] as? Int == 4, "\(names)")

        let values = try await Self.ok(querier, "cardinality/label_values?label_names[]=__name__&label_names[]=job")
        #expect(values["series_count_total"] as? Int == total, "\(values)")
        let labels = Self.list(values["labels"])
        #expect(labels.first?["label_name"] as? String == "__name__", "\(values)")
        let byName = Self.list(labels.first?["cardinality"])
        #expect(byName.first?["label_value"] as? String == Self.bombMetric, "\(values)")
        #expect(byName.first?["series_count"] as? Int == Self.bombSeries, "\(values)")

        let status = try await Self.ok(querier, "status/tsdb?limit=3")
        let data = try #require(status["data"] as? [String: Any], "\(status)")
        #expect((data["headStats"] as? [String: Any])?["numSeries"] as? Int == total, "\(status)")
        let byMetric = Self.list(data["seriesCountByMetricName"])
        #expect(byMetric.first?["name"] as? String == Self.bombMetric && byMetric.first?["value"] as? Int == Self.bombSeries, "\(status)")
        let byLabel = Self.list(data["labelValueCountByLabelName"])
        #expect(byLabel.first?["name"] as? String == "request_id" && byLabel.first?["value"] as? Int == Self.bombSeries, "\(status)")

        let active = try await Self.ok(querier, "cardinality/active_series?selector=up")
        #expect(Self.list(active["data"]).count == Self.upSeries, "\(active)")
    }

    /// GET `path` (under `/prometheus/api/v1/`) on `base` for the tenant: the JSON object of a 200.
    static func ok(_ base: String, _ path: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + "/prometheus/api/v1/" + path)
        request.headers.add(name: "X-Scope-OrgID", value: tenant)
        let response = try await HTTPClient.plainQueries.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 26)
        guard response.status == .ok,
              let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("\(path) answered \(response.status): \(String(buffer: body).prefix(1000))")
        }
        return object
    }

    static func list(_ value: Any?) -> [[String: Any]] { value as? [[String: Any]] ?? [] }
}
