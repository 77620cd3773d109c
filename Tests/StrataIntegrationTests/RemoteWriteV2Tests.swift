import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// Remote write 2.0 against the real binary (`strata -target=all`): a request written byte by
/// byte from the specification's proto (`RemoteWriteV2TestEncoder`, not Strata's code) is
/// stored, and its samples, exemplars and metadata are read back through remote read,
/// `query_exemplars` and `metadata`.
///
/// The test machine's Prometheus is 2.x (`prometheus --version`), which cannot send 2.0, so
/// this spec-following client stands in for a Prometheus 3.x sender.
@Suite(.serialized)
struct RemoteWriteV2Tests {
    @Test("a spec-conformant remote write 2.0 request is stored and read back, with exemplars and metadata")
    func specConformantRequestRoundTrips() async throws {
        let dir = try makeTempDirectory("strata-rw2")
        defer { try? FileManager.default.removeItem(at: dir) }
        let client = HTTPClient.shared
        let server = try StrataProcess(dataDirectory: dir, extraArguments: ["-ingester.max-global-exemplars-per-user=1000"])
        defer { _ = server.terminate() }
        try await server.waitUntilReady(client: client)

        let t = Int64(Date().timeIntervalSince1970 * 1000) - 10_000
        let series = [
            RW2TestSeries(labels: [("__name__", "rpc_requests_total"), ("job", "rw2"), ("method", "Get")],
                          samples: [(t, 10), (t + 1000, 12.5)],
                          exemplars: [(labels: [("trace_id", "4bf92f3577b34da6")], value: 12.5, timestamp: t + 1000)],
                          metadata: (type: 1, help: "RPCs served.", unit: ""), createdTimestamp: t - 3_600_000),
            RW2TestSeries(labels: [("__name__", "rpc_requests_total"), ("job", "rw2"), ("method", "Put")],
                          samples: [(t, 3)], metadata: (type: 1, help: "RPCs served.", unit: "")),
            RW2TestSeries(labels: [("__name__", "queue_bytes"), ("job", "rw2")],
                          samples: [(t, 2048)], metadata: (type: 2, help: "Bytes queued.", unit: "bytes")),
        ]
        var request = HTTPClientRequest(url: server.baseURL + "/api/v1/push")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf;proto=io.prometheus.write.v2.Request")
        request.headers.add(name: "Content-Encoding", value: "snappy")
        request.headers.add(name: "X-Prometheus-Remote-Write-Version", value: "2.0.0")
        request.headers.add(name: "X-Scope-OrgID", value: "team-rw2")
        request.body = .bytes(ByteBuffer(bytes: Snappy.compress(RemoteWriteV2TestEncoder.encode(series))))
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 20))
        #expect(response.status == .ok, "push answered \(response.status): \(text)")
        #expect(response.headers.first(name: "X-Prometheus-Remote-Write-Samples-Written") == "4")
        #expect(response.headers.first(name: "X-Prometheus-Remote-Write-Histograms-Written") == "0")
        #expect(response.headers.first(name: "X-Prometheus-Remote-Write-Exemplars-Written") == "1")

        let stored = try await remoteRead(client: client, baseURL: server.baseURL, tenant: "team-rw2",
                                          matchers: [WireMatcher(type: .equal, name: "job", value: "rw2")], start: t - 1, end: t + 5000)
        let byLabels = Dictionary(uniqueKeysWithValues: stored.map { ($0.labels, $0.samples.map(\.value)) })
        #expect(byLabels == [
            Labels(["__name__": "rpc_requests_total", "job": "rw2", "method": "Get"]): [10, 12.5],
            Labels(["__name__": "rpc_requests_total", "job": "rw2", "method": "Put"]): [3],
            Labels(["__name__": "queue_bytes", "job": "rw2"]): [2048],
        ])

        let exemplars = try await getJSON(client, server.baseURL + "/prometheus/api/v1/query_exemplars?query=rpc_requests_total&start=\(t / 1000 - 60)&end=\(t / 1000 + 60)")
        let groups = exemplars["data"] as? [[String: Any]] ?? []
        #expect(groups.count == 1)
        #expect(groups.first?["seriesLabels"] as? [String: String] == ["__name__": "rpc_requests_total", "job": "rw2", "method": "Get"])
        let exemplar = (groups.first?["exemplars"] as? [[String: Any]])?.first
        #expect(exemplar?["labels"] as? [String: String] == ["trace_id": "4bf92f3577b34da6"])
        #expect(exemplar?["value"] as? String == "12.5")

        let metadata = try await getJSON(client, server.baseURL + "/prometheus/api/v1/metadata")
        let data = metadata["data"] as? [String: [[String: String]]] ?? [:]
        #expect(data == [
            "rpc_requests_total": [["type": "counter", "help": "RPCs served.", "unit": ""]],
            "queue_bytes": [["type": "gauge", "help": "Bytes queued.", "unit": "bytes"]],
        ])
    }

    func getJSON(_ client: HTTPClient, _ url: String) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-Scope-OrgID", value: "team-rw2")
        let response = try await client.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 20)
        guard response.status == .ok,
              let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            throw HarnessError("\(url) answered \(response.status): \(String(buffer: body))")
        }
        return json
    }
}
