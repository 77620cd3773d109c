import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// Exemplars and metric metadata in a cluster of separate processes (etcd, moto, 3 ingesters
/// with replication factor 3, a distributor, a query-frontend and a querier pulling from it):
/// the distributor forwards them to the ingesters inside the RPC pushes, and the querier reads
/// every ingester over gRPC (`strata.Ingester/Exemplars`, `strata.Ingester/Metadata`) and
/// de-duplicates the replicas, so each exemplar and metadata entry is answered once, not once per
/// replica. The query-frontend forwards both endpoints through its queue to the querier and
/// answers the same.
@Suite("Exemplars and metadata on a cluster", .serialized)
struct ExemplarsMetadataClusterTests {
    static let tenant = "exemplar-cluster"

    @Test("remote write 1.0 and 2.0 exemplars and metadata are answered once each by the querier and the query-frontend")
    func querierAnswersOnce() async throws {
        let cluster = try await LocalCluster(ingesters: 3, storeGateways: 0, queryFrontend: true,
                                             extra: ["ingester": ["-ingester.max-global-exemplars-per-user=1000"]])
        defer { cluster.shutdown() }
        try await cluster.startAll(client: .shared)
        let distributor = cluster.url("distributor") + "/api/v1/push"
        let t = Int64(Date().timeIntervalSince1970 * 1000) - 10_000

        // Remote write 1.0: exemplars in TimeSeries.exemplars, metadata in WriteRequest.metadata.
        var batch = SeriesBatch()
        let get = Labels(["__name__": "rpc_requests_total", "job": "api", "method": "Get"])
        let put = Labels(["__name__": "rpc_requests_total", "job": "api", "method": "Put"])
        batch.append(labels: get, samples: [Sample(timestamp: t, value: 10)])
        batch.append(labels: put, samples: [Sample(timestamp: t, value: 3)])
        let getExemplars = [Exemplar(labels: Labels(["trace_id": "aaa"]), value: 10, timestamp: t),
                            Exemplar(labels: Labels(["trace_id": "bbb"]), value: 11, timestamp: t + 1)]
        let putExemplar = Exemplar(labels: Labels(["trace_id": "ccc"]), value: 3, timestamp: t)
        let v1Metadata = MetricMetadata(metricFamilyName: "rpc_requests_total", type: .counter, help: "RPCs served.", unit: "")
        let v1 = RemoteWriteEncoder.encode(batch, extras: BatchExtras(exemplars: [0: getExemplars, 1: [putExemplar]], metadata: [v1Metadata]))
        let (status, text, _) = try await Self.push(distributor, body: v1, v2: false)
        #expect(status == 200, "1.0 push answered \(status): \(text)\n\(cluster.logs())")

        // Remote write 2.0: the exemplars written are counted over the replicas, once.
        let v2 = RemoteWriteV2TestEncoder.encode([
            RW2TestSeries(labels: [("__name__", "queue_bytes"), ("job", "api")], samples: [(t, 2048), (t + 1000, 4096)],
                          exemplars: [(labels: [("trace_id", "ddd")], value: 2048, timestamp: t),
                                      (labels: [("trace_id", "eee")], value: 4096, timestamp: t + 1000)],
                          metadata: (type: 2, help: "Bytes queued.", unit: "bytes")),
        ])
        let (status2, text2, exemplarsWritten) = try await Self.push(distributor, body: v2, v2: true)
        #expect(status2 == 200, "2.0 push answered \(status2): \(text2)\n\(cluster.logs())")
        #expect(exemplarsWritten == "2", "\(cluster.logs())")

        // The querier itself, then the query-frontend process, which has no store: it sends both
        // requests through its queue to the querier pulling from it.
        // Before it forwarded them, the query-frontend answered both empty.
        for reader in ["querier", "query-frontend"] {
            do {
                try await Self.expectAnsweredOnce(by: cluster.url(reader), reader: reader, t: t)
            } catch {
                throw HarnessError("\(error)\n\(cluster.logs())")
            }
        }
    }

    /// `query_exemplars` and `metadata` of `base` answer each exemplar and metadata entry pushed
    /// once.
    static func expectAnsweredOnce(by base: String, reader: String, t: Int64) async throws {
        let range = "start=\(t / 1000 - 60)&end=\(t / 1000 + 60)"
        var groups: [[String: Any]] = []
        try await eventually("query_exemplars on the \(reader) answers both metrics", timeout: .seconds(60)) {
            groups = try await Self.get(base, "query_exemplars?query=rpc_requests_total%20or%20queue_bytes&\(range)")["data"]
                as? [[String: Any]] ?? []
            return groups.count == 3
        }
        var bySeries: [[String: String]: [String]] = [:]
        for group in groups {
            let labels = group["seriesLabels"] as? [String: String] ?? [:]
            bySeries[labels] = (group["exemplars"] as? [[String: Any]] ?? []).map { ($0["labels"] as? [String: String])?["trace_id"] ?? "?" }
        }
        #expect(bySeries == [
            ["__name__": "rpc_requests_total", "job": "api", "method": "Get"]: ["aaa", "bbb"],
            ["__name__": "rpc_requests_total", "job": "api", "method": "Put"]: ["ccc"],
            ["__name__": "queue_bytes", "job": "api"]: ["ddd", "eee"],
        ], "\(reader): \(groups)")

        let metadata = try await Self.get(base, "metadata")
        #expect(metadata["data"] as? [String: [[String: String]]] == [
            "rpc_requests_total": [["type": "counter", "help": "RPCs served.", "unit": ""]],
            "queue_bytes": [["type": "gauge", "help": "Bytes queued.", "unit": "bytes"]],
        ], "\(reader): \(metadata)")
        let one = try await Self.get(base, "metadata?metric=queue_bytes")
        #expect((one["data"] as? [String: Any])?.keys.sorted() == ["queue_bytes"], "\(reader): \(one)")
        let limited = try await Self.get(base, "metadata?limit=1")
        #expect((limited["data"] as? [String: Any])?.keys.sorted() == ["queue_bytes"], "\(reader): \(limited)")
    }

    /// POSTs a remote write body; returns the status, body and `X-Prometheus-Remote-Write-Exemplars-Written`.
    static func push(_ url: String, body: [UInt8], v2: Bool) async throws -> (Int, String, String?) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: v2 ? "application/x-protobuf;proto=io.prometheus.write.v2.Request" : "application/x-protobuf")
        request.headers.add(name: "Content-Encoding", value: "snappy")
        request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: v2 ? "2.0.0" : "0.1.0")
        request.headers.add(name: "X-Scope-OrgID", value: tenant)
        request.body = .bytes(ByteBuffer(bytes: Snappy.compress(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        return (Int(response.status.code), text, response.headers.first(name: "X-Prometheus-Remote-Write-Exemplars-Written"))
    }

    /// GET `path` under `/prometheus/api/v1/` for the tenant: the JSON object of a 200.
    static func get(_ base: String, _ path: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + "/prometheus/api/v1/" + path)
        request.headers.add(name: "X-Scope-OrgID", value: tenant)
        let response = try await HTTPClient.plainQueries.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 24)
        guard response.status == .ok,
              let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("\(path) answered \(response.status): \(String(buffer: body).prefix(1000))")
        }
        return object
    }
}
