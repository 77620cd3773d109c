import StrataTestSupport
import Foundation
import StrataObjstore
import Testing

@Suite("S3 retries")
struct S3RetryTests {
    @Test("every operation succeeds with intact data through a proxy failing a third of requests")
    func flakyProxy() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let proxy = try await FlakyProxy.start(upstream: moto.port, schedule: [
            .forward, .status(503), .forward, .drop, .forward, .forward, .status(500), .forward,
            .status(429), .forward, .forward, .stall(.seconds(3)), .forward,
        ])
        let serving = Task { await proxy.run() }
        var config = moto.config(bucket: "flaky", port: proxy.port)
        config.requestTimeout = .seconds(1)
        let s3 = try S3Bucket(config: config)
        do {
            try await s3.createBucket()
            // 2 MiB stays well inside the 1s attempt timeout on a loaded machine; the
            // multipart path is covered through the proxy with its own, longer timeout below.
            try await BucketConformance.putGet(s3)
            try await BucketConformance.notFound(s3)
            try await BucketConformance.ranges(s3)
            try await BucketConformance.listing(s3)
            try await BucketConformance.pagination(s3)
            try await BucketConformance.deletion(s3)
        } catch {
            await s3.shutdown()
            serving.cancel()
            await proxy.stop()
            throw error
        }
        await s3.shutdown()

        config.requestTimeout = .seconds(20)
        let s3Slow = try S3Bucket(config: config)
        do {
            try await BucketConformance.uploads(s3Slow, largeFileSize: 11 * 1024 * 1024 + 5)
        } catch {
            await s3Slow.shutdown()
            serving.cancel()
            await proxy.stop()
            throw error
        }
        await s3Slow.shutdown()
        let stats = proxy.stats
        serving.cancel()
        await proxy.stop()
        #expect(stats.injected > 20, "faults were injected: \(stats)")
    }

    @Test("exhausted retries report the last error with the attempt count")
    func exhausted() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let proxy = try await FlakyProxy.start(upstream: moto.port, schedule: [.status(503)])
        let serving = Task { await proxy.run() }
        var config = moto.config(bucket: "down", port: proxy.port)
        config.maxRetries = 3
        let s3 = try S3Bucket(config: config)
        let error = await #expect(throws: BucketError.self) { try await s3.get("any/key") }
        if case let .server(operation, bucket, key, status, code, _, _, attempts)? = error {
            #expect(operation == "GetObject" && bucket == "down" && key == "any/key" && status == 503 && code == "InjectedFault" && attempts == 4)
        } else {
            Issue.record("expected a server error, got \(String(describing: error))")
        }
        await s3.shutdown()
        serving.cancel()
        await proxy.stop()
        #expect(proxy.stats.injected == 4)
    }

    @Test("a refused connection is a transport error naming the endpoint settings")
    func refused() async throws {
        var config = S3Config()
        config.endpoint = "127.0.0.1:\(try freePort())"
        config.bucketName = "nowhere"
        config.insecure = true
        config.maxRetries = 2
        // AHC keeps retrying a refused connect until the attempt's deadline; keep it short.
        config.requestTimeout = .milliseconds(500)
        config.minBackoff = .milliseconds(1)
        config.maxBackoff = .milliseconds(2)
        let s3 = try S3Bucket(config: config)
        let error = await #expect(throws: BucketError.self) { try await s3.put("k", [1]) }
        if case let .transport(_, _, _, attempts, _)? = error {
            #expect(attempts == 3)
            #expect("\(error!)".contains("blocks_storage.s3.endpoint"))
        } else {
            Issue.record("expected a transport error, got \(String(describing: error))")
        }
        await s3.shutdown()
    }
}
