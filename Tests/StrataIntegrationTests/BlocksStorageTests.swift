import AsyncHTTPClient
import Foundation
import NIOCore
import StrataBlocks
import StrataChunks
import StrataModel
import StrataObjstore
import StrataTestSupport
import StrataWire
import Testing

/// Long-term storage end to end: a `strata` process cuts its heads into blocks, ships them to a
/// real S3 API (`moto_server`), and answers from them after losing its local disk.
@Suite("Blocks storage end to end", .serialized)
struct BlocksStorageTests {
    static let tenant = "team-blocks"
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    /// Two days of one-minute samples for a few series, ending 20 hours ago (older than
    /// `-querier.query-store-after`, so after a restart only the store-gateway can answer).
    struct Dataset {
        let start: Int64
        let end: Int64
        let series: [Labels]

        init(seriesCount: Int, days: Int64 = 2) {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let end = (now - 20 * BlocksStorageTests.hour) / BlocksStorageTests.minute * BlocksStorageTests.minute
            self.end = end
            start = end - days * 24 * BlocksStorageTests.hour
            series = (0..<seriesCount).map { i in
                Labels(["__name__": i % 2 == 0 ? "blocks_test_requests_total" : "blocks_test_temperature",
                        "instance": "host-\(i / 2)", "job": "blocks"])
            }
        }

        var timestamps: StrideThrough<Int64> { stride(from: start, through: end, by: Int(BlocksStorageTests.minute)) }

        func value(series i: Int, at t: Int64) -> Double {
            let step = Double((t - start) / BlocksStorageTests.minute)
            return i % 2 == 0 ? step * Double(i + 1) : 20 + Double(i) + sin(step / 30) * 5
        }

        /// Pushes every sample in time order, one hour of all series per request.
        func push(to server: StrataProcess, client: HTTPClient) async throws {
            var t = start
            while t <= end {
                let sliceEnd = min(t + BlocksStorageTests.hour - 1, end)
                var payload: [(labels: Labels, samples: [Sample])] = []
                for (i, labels) in series.enumerated() {
                    let samples = stride(from: t, through: sliceEnd, by: Int(BlocksStorageTests.minute)).map {
                        Sample(timestamp: $0, value: value(series: i, at: $0))
                    }
                    payload.append((labels, samples))
                }
                let (status, body) = try await pushRemoteWrite(client: client, url: server.baseURL + "/api/v1/push",
                                                               tenant: BlocksStorageTests.tenant, series: payload)
                guard status == 200 else { throw HarnessError("push answered \(status): \(body)\nlog:\n\(server.log())") }
                t = sliceEnd + 1
            }
        }

        /// Asserts that remote read returns exactly the pushed samples of every series.
        func verifyRawSamples(server: StrataProcess, client: HTTPClient) async throws {
            let result = try await remoteRead(client: client, baseURL: server.baseURL, tenant: BlocksStorageTests.tenant,
                                              matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: "blocks_test_.*")],
                                              start: start, end: end)
            #expect(result.count == series.count, "series read back: \(result.count) of \(series.count); log tail:\n\(server.log().suffix(4000))")
            var byLabels: [Labels: [Sample]] = [:]
            for ts in result { byLabels[ts.labels] = ts.samples }
            for (i, labels) in series.enumerated() {
                let got = byLabels[labels] ?? []
                let want = timestamps.map { Sample(timestamp: $0, value: value(series: i, at: $0)) }
                #expect(got.count == want.count, "\(labels): \(got.count) samples of \(want.count)")
                if got != want, let i = (0..<min(got.count, want.count)).first(where: { got[$0] != want[$0] }) ?? Optional(min(got.count, want.count)) {
                    Issue.record("\(labels): first difference at sample \(i): got \(i < got.count ? "\(got[i])" : "nothing"), want \(i < want.count ? "\(want[i])" : "nothing")")
                }
            }
        }
    }

    /// Range and instant queries whose answers must survive the restart byte for byte.
    static func queries(_ d: Dataset) -> [(path: String, params: [(String, String)])] {
        let start = String(Double(d.start) / 1000), end = String(Double(d.end) / 1000)
        let mid = String(Double(d.start + 25 * hour) / 1000)
        return [
            ("/query_range", [("query", "sum by (instance) (rate(blocks_test_requests_total[5m]))"), ("start", start), ("end", end), ("step", "600")]),
            ("/query_range", [("query", "max_over_time(blocks_test_temperature[30m])"), ("start", start), ("end", end), ("step", "1800")]),
            ("/query", [("query", "count_over_time(blocks_test_requests_total[2d])"), ("time", end)]),
            ("/query", [("query", "blocks_test_temperature"), ("time", mid)]),
            ("/query", [("query", "sum(blocks_test_requests_total)"), ("time", mid)]),
            ("/series", [("match[]", "{job=\"blocks\"}"), ("start", start), ("end", end)]),
            ("/labels", [("start", start), ("end", end)]),
            ("/label/instance/values", [("start", start), ("end", end)]),
        ]
    }

    static func answers(_ d: Dataset, server: StrataProcess, client: HTTPClient) async throws -> [String] {
        var out: [String] = []
        for q in queries(d) {
            var components = URLComponents(string: server.baseURL + "/prometheus/api/v1" + q.path)!
            components.queryItems = q.params.map { URLQueryItem(name: $0.0, value: $0.1) }
            var request = HTTPClientRequest(url: components.url!.absoluteString)
            request.headers.add(name: "X-Scope-OrgID", value: tenant)
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = String(buffer: try await response.body.collect(upTo: 1 << 26))
            guard response.status == .ok else { throw HarnessError("\(q.path) \(q.params) answered \(response.status): \(body)") }
            out.append(body)
        }
        return out
    }

    static func flush(server: StrataProcess, client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: server.baseURL + "/ingester/flush")
        request.method = .POST
        // A state change is accepted only with a form or JSON body (what `curl -d ''` sends).
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let response = try await client.execute(request, timeout: .seconds(300))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .noContent else {
            throw HarnessError("flush answered \(response.status): \(body)\nlog:\n\(server.log())")
        }
    }

    static func s3Arguments(_ config: S3Config) -> [String] {
        [
            "-blocks-storage.backend=s3",
            "-blocks-storage.s3.endpoint=\(config.endpoint)",
            "-blocks-storage.s3.bucket-name=\(config.bucketName)",
            "-blocks-storage.s3.region=\(config.region)",
            "-blocks-storage.s3.access-key-id=\(config.accessKeyID)",
            "-blocks-storage.s3.secret-access-key=\(config.secretAccessKey)",
            "-blocks-storage.s3.insecure=true",
            "-blocks-storage.s3.bucket-lookup-type=path",
            "-blocks-storage.tsdb.head-compaction-interval=1s",
            "-blocks-storage.tsdb.ship-interval=1s",
        ]
    }

    /// Writes a one-series block of `metric` (an hour of samples from `at`) under `dir`.
    static func writeBlock(metric: String, at: Int64, in dir: URL) throws -> URL {
        var chunk = XORChunk()
        for i in 0..<60 { chunk.append(timestamp: at + Int64(i) * minute, value: Double(i)) }
        let labels = Labels(["__name__": metric, "job": "blocks"])
        let meta = try BlockWriter.write(parentDirectory: dir.path, series: [BlockSeries(labels: labels, chunks: [chunk.encoded()])])
        return dir.appendingPathComponent(meta.ulid)
    }

    /// Relative paths of the files under `dir`.
    static func files(in dir: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: dir) else { return [] }
        var out: [String] = []
        while let path = walker.nextObject() as? String {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir + "/" + path, isDirectory: &isDir), !isDir.boolValue { out.append(path) }
        }
        return out.sorted()
    }

    /// ULIDs of complete blocks (with meta.json) of the tenant in the bucket.
    static func blocksInBucket(_ bucket: any Bucket) async throws -> [String] {
        let listing = try await bucket.list(prefix: tenant + "/", delimiter: "/")
        var out: [String] = []
        for prefix in listing.commonPrefixes {
            let id = String(prefix.dropFirst(tenant.count + 1).dropLast())
            if id.count == 26, try await bucket.exists(prefix + "meta.json") { out.append(id) }
        }
        return out.sorted()
    }

    @Test("two days shipped to S3 (moto) answer the same queries after a restart with an empty disk")
    func restartWithEmptyDisk() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let s3Config = moto.config(bucket: "strata-blocks")
        let bucket = try S3Bucket(config: s3Config)
        try await bucket.createBucket()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let dataset = Dataset(seriesCount: 8)
        do {
            let firstDisk = try makeTempDirectory("strata-blocks-a")
            let first = try StrataProcess(dataDirectory: firstDisk, extraArguments: Self.s3Arguments(s3Config))
            try await first.waitUntilReady(client: client)
            try await dataset.push(to: first, client: client)
            try await Self.flush(server: first, client: client)
            let blocks = try await Self.blocksInBucket(bucket)
            // 48 hours in 2-hour ranges: 24 or 25 blocks depending on alignment.
            #expect(blocks.count >= 24, "blocks in the bucket: \(blocks.count)")
            #expect(try await bucket.exists(Self.tenant + "/bucket-index.json.gz"))
            let before = try await Self.answers(dataset, server: first, client: client)
            try await dataset.verifyRawSamples(server: first, client: client)
            #expect(first.terminate() == 0, "first process exit; log:\n\(first.log())")
            try FileManager.default.removeItem(at: firstDisk)

            let secondDisk = try makeTempDirectory("strata-blocks-b")
            defer { try? FileManager.default.removeItem(at: secondDisk) }
            let second = try StrataProcess(dataDirectory: secondDisk, extraArguments: Self.s3Arguments(s3Config))
            try await second.waitUntilReady(client: client)
            let after = try await Self.answers(dataset, server: second, client: client)
            for (i, q) in Self.queries(dataset).enumerated() {
                #expect(after[i] == before[i], "\(q.path) \(q.params) differs after the restart")
            }
            // Not empty answers: the raw samples are all there.
            try await dataset.verifyRawSamples(server: second, client: client)
            #expect(before[2].contains("\"2880\""), "count_over_time over two days: \(before[2].prefix(300))")
            #expect(second.terminate() == 0)
        } catch {
            try? await client.shutdown()
            await bucket.shutdown()
            throw error
        }
        try await client.shutdown()
        await bucket.shutdown()
    }

    @Test("with a proxy failing a third of S3 requests every block arrives intact and no sample is lost")
    func faultyObjectStore() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let direct = try S3Bucket(config: moto.config(bucket: "strata-faults"))
        try await direct.createBucket()
        let proxy = try await FlakyProxy.start(upstream: moto.port, schedule: [
            .forward, .status(503), .forward, .drop, .forward, .status(500), .forward, .status(429), .forward, .forward,
            .forward, .status(503), .forward, .drop, .forward, .status(500), .forward, .forward, .stall(.seconds(3)), .forward,
        ])
        let proxyTask = Task { await proxy.run() }
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let dataset = Dataset(seriesCount: 6, days: 1)
        let disk = try makeTempDirectory("strata-blocks-faults")
        defer { try? FileManager.default.removeItem(at: disk) }
        do {
            var args = Self.s3Arguments(moto.config(bucket: "strata-faults", port: proxy.port))
            args += ["-blocks-storage.s3.request-timeout=1s", "-blocks-storage.s3.max-retries=20"]
            let server = try StrataProcess(dataDirectory: disk, extraArguments: args)
            try await server.waitUntilReady(client: client)
            try await dataset.push(to: server, client: client)
            try await Self.flush(server: server, client: client)
            #expect(proxy.stats.injected > 10, "faults injected: \(proxy.stats.injected)")
            // Every block in the bucket is complete: its index and chunks read back through the
            // direct (fault-free) connection and every sample is answered.
            let blocks = try await Self.blocksInBucket(direct)
            #expect(blocks.count >= 12, "blocks: \(blocks.count)")
            try await dataset.verifyRawSamples(server: server, client: client)
            #expect(server.terminate() == 0)

            // A half-uploaded block (everything but meta.json, as an interrupted shipper leaves it)
            // holding a metric of its own: it must stay invisible.
            let partial = try Self.writeBlock(metric: "blocks_test_half_uploaded", at: dataset.start, in: disk)
            for file in try Self.files(in: partial.path) where file != "meta.json" {
                try await direct.upload(Self.tenant + "/" + partial.lastPathComponent + "/" + file,
                                        fromFile: partial.path + "/" + file)
            }

            // A fresh process reading the same bucket directly (no faults) sees the same samples.
            let fresh = try makeTempDirectory("strata-blocks-faults-b")
            defer { try? FileManager.default.removeItem(at: fresh) }
            let reader = try StrataProcess(dataDirectory: fresh, extraArguments: Self.s3Arguments(moto.config(bucket: "strata-faults")))
            try await reader.waitUntilReady(client: client)
            try await dataset.verifyRawSamples(server: reader, client: client)
            let hidden = try await remoteRead(client: client, baseURL: reader.baseURL, tenant: Self.tenant,
                                              matchers: [WireMatcher(type: .equal, name: "__name__", value: "blocks_test_half_uploaded")],
                                              start: dataset.start - Self.hour, end: dataset.end)
            #expect(hidden.isEmpty, "a block without meta.json was served: \(hidden.count) series")
            #expect(reader.terminate() == 0)
        } catch {
            proxyTask.cancel()
            await proxy.stop()
            try? await client.shutdown()
            await direct.shutdown()
            throw error
        }
        proxyTask.cancel()
        await proxy.stop()
        try await client.shutdown()
        await direct.shutdown()
    }
}

/// Blocks written by Prometheus's own tooling, placed in the bucket, are served like Strata's.
@Suite("Blocks from promtool")
struct PromtoolBlocksTests {
    @Test("blocks from `promtool tsdb create-blocks-from openmetrics` answer with the same samples")
    func promtoolBlocks() async throws {
        try Promtool.require()
        let tenant = "team-promtool"
        let minute: Int64 = 60_000
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let end = (now - 30 * 3_600_000) / minute * minute
        let start = end - 6 * 3_600_000
        let names = ["om_requests", "om_temperature"]
        var text = ""
        var expected: [Labels: [Sample]] = [:]
        for t in stride(from: start, through: end, by: Int(minute)) {
            for (n, name) in names.enumerated() {
                for instance in 0..<3 {
                    let v = n == 0 ? Double((t - start) / minute * Int64(instance + 1)) : 0.25 * Double(instance) + Double((t / minute) % 17)
                    text += "\(name){instance=\"i\(instance)\",job=\"om\"} \(v) \(t / 1000)\n"
                    expected[Labels(["__name__": name, "instance": "i\(instance)", "job": "om"]), default: []].append(Sample(timestamp: t, value: v))
                }
            }
        }
        text += "# EOF\n"
        let work = try makeTempDirectory("strata-promtool-blocks")
        defer { try? FileManager.default.removeItem(at: work) }
        let input = work.appendingPathComponent("input.om")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let out = work.appendingPathComponent("promtool-out")
        let output = try Promtool.run(["tsdb", "create-blocks-from", "openmetrics", input.path, out.path])

        // Placed in the filesystem bucket under the tenant, as an operator would upload them.
        let data = work.appendingPathComponent("data")
        let tenantDir = data.appendingPathComponent("blocks").appendingPathComponent(tenant)
        try FileManager.default.createDirectory(at: tenantDir, withIntermediateDirectories: true)
        var copied = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) where name.count == 26 {
            try FileManager.default.copyItem(at: out.appendingPathComponent(name), to: tenantDir.appendingPathComponent(name))
            copied += 1
        }
        #expect(copied >= 3, "promtool wrote \(copied) blocks: \(output)")

        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let server = try StrataProcess(dataDirectory: data)
            try await server.waitUntilReady(client: client)
            let result = try await remoteRead(client: client, baseURL: server.baseURL, tenant: tenant,
                                              matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: "om_.*")],
                                              start: start, end: end)
            #expect(result.count == expected.count, "series: \(result.count) of \(expected.count); log:\n\(server.log())")
            // The query API returns the same samples: a range selector over the whole span.
            var components = URLComponents(string: server.baseURL + "/prometheus/api/v1/query")
            components?.queryItems = [URLQueryItem(name: "query", value: "{__name__=~\"om_.*\"}[6h1s]"),
                                      URLQueryItem(name: "time", value: String(Double(end) / 1000))]
            var request = HTTPClientRequest(url: components?.url?.absoluteString ?? "")
            request.headers.add(name: "X-Scope-OrgID", value: tenant)
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 26)
            #expect(response.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            let matrix = ((json?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
            #expect(matrix.count == expected.count, "query API series: \(matrix.count) of \(expected.count)")
            for entry in matrix {
                let metric = (entry["metric"] as? [String: String]) ?? [:]
                let values = (entry["values"] as? [[Any]]) ?? []
                let got = values.compactMap { pair -> Sample? in
                    guard pair.count == 2, let t = pair[0] as? Double, let v = (pair[1] as? String).flatMap(Double.init) else { return nil }
                    return Sample(timestamp: Int64((t * 1000).rounded()), value: v)
                }
                #expect(got == expected[Labels(metric)], "query API \(metric): \(got.count) samples")
            }
            for ts in result {
                let want = expected[ts.labels] ?? []
                #expect(ts.samples.count == want.count && ts.samples == want, "\(ts.labels): \(ts.samples.count) samples, want \(want.count)")
            }
            #expect(server.terminate() == 0)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}

/// Scale-down: an ingester stopped with SIGTERM and `-blocks-storage.tsdb.flush-blocks-on-shutdown`
/// ships its whole head first, so a replacement with an empty disk answers with all of it.
@Suite("Flush on shutdown")
struct FlushOnShutdownTests {
    @Test("SIGTERM with flush-blocks-on-shutdown ships the head; a new process with an empty disk reads it all")
    func flushOnShutdown() async throws {
        let tenant = "team-scale-down"
        let minute: Int64 = 60_000
        let now = Int64(Date().timeIntervalSince1970 * 1000) / minute * minute
        let start = now - 3 * 3_600_000
        let series = (0..<4).map { Labels(["__name__": "scale_down_bytes", "instance": "i\($0)"]) }
        var expected: [Labels: [Sample]] = [:]
        for (i, labels) in series.enumerated() {
            expected[labels] = stride(from: start, to: now, by: Int(minute)).map { Sample(timestamp: $0, value: Double(i * 1000) + Double(($0 - start) / minute)) }
        }
        let data = try makeTempDirectory("strata-scale-down")
        defer { try? FileManager.default.removeItem(at: data) }
        let args = ["-blocks-storage.tsdb.flush-blocks-on-shutdown=true", "-querier.query-store-after=0s"]
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let first = try StrataProcess(dataDirectory: data, extraArguments: args)
            try await first.waitUntilReady(client: client)
            // Half an hour per request, in time order.
            var t = start
            while t < now {
                let end = min(t + 30 * minute, now)
                let payload = series.map { labels in (labels: labels, samples: (expected[labels] ?? []).filter { $0.timestamp >= t && $0.timestamp < end }) }
                let (status, body) = try await pushRemoteWrite(client: client, url: first.baseURL + "/api/v1/push", tenant: tenant, series: payload)
                guard status == 200 else { throw HarnessError("push answered \(status): \(body)") }
                t = end
            }
            #expect(first.terminate() == 0, "exit; log:\n\(first.log())")
            #expect(first.log().contains("flushed the heads to the bucket on shutdown"), "log:\n\(first.log())")
            // The ingester's disk goes away with the instance; the bucket stays.
            try FileManager.default.removeItem(at: data.appendingPathComponent("tsdb"))
            try? FileManager.default.removeItem(at: data.appendingPathComponent("tsdb-sync"))

            let second = try StrataProcess(dataDirectory: data, extraArguments: args)
            try await second.waitUntilReady(client: client)
            let result = try await remoteRead(client: client, baseURL: second.baseURL, tenant: tenant,
                                              matchers: [WireMatcher(type: .equal, name: "__name__", value: "scale_down_bytes")],
                                              start: start, end: now)
            #expect(result.count == series.count, "series after the restart: \(result.count); log:\n\(second.log())")
            for ts in result {
                let want = expected[ts.labels] ?? []
                #expect(ts.samples.count == want.count && ts.samples == want, "\(ts.labels): \(ts.samples.count) of \(want.count) samples")
            }
            #expect(second.terminate() == 0)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }
}
