import HummingbirdTesting
import StrataModel
import StrataServer
import Testing

/// `/ready`, `/config`, `/metrics`.
@Suite struct OperationalEndpointTests {
    @Test func readyConfigAndMetrics() async throws {
        let strata = try await InProcessStrata { $0.server.httpListenPort = 18080 }
        let t = nowMs()
        try await strata.test { client in
            try await client.execute(uri: "/ready", method: .get) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/config", method: .get) { r in
                let yaml = String(buffer: r.body)
                #expect(yaml.contains("http_listen_port: 18080"))
                #expect(yaml.contains("blocks_storage:"))
            }
            try await client.execute(uri: "/config?mode=diff", method: .get) { r in
                let yaml = String(buffer: r.body)
                #expect(yaml.contains("http_listen_port: 18080"))
                #expect(!yaml.contains("ingestion_rate"))
            }
            try await client.execute(uri: "/config?mode=nope", method: .get) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/push", method: .post, headers: pushHeaders(),
                                     body: remoteWriteBody([(Labels(["__name__": "up"]), [Sample(timestamp: t, value: 1)])])) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                let text = String(buffer: r.body)
                for name in ["strata_distributor_received_samples_total", "strata_ingester_memory_series",
                             "strata_ingester_tsdb_head_series", "strata_ingester_tsdb_wal_written_bytes_total",
                             "strata_request_duration_seconds_bucket", "strata_bucket_store_blocks_loaded",
                             "strata_store_index_cache_requests_total"] {
                    #expect(text.contains(name), "missing \(name) in /metrics")
                }
                #expect(text.contains("route=\"api_v1_push\""))
            }
        }
    }
}
