@testable import StrataObjstore
import Testing

@Suite("Object storage configuration")
struct ConfigTests {
    func config(_ endpoint: String, _ lookup: BucketLookupType, insecure: Bool = false, bucket: String = "blocks") -> S3Config {
        var c = S3Config()
        c.endpoint = endpoint
        c.bucketName = bucket
        c.bucketLookupType = lookup
        c.insecure = insecure
        return c
    }

    @Test("bucket_lookup_type picks path or virtual-hosted addressing like Mimir")
    func addressing() {
        var e = S3Endpoint(config: config("minio:9000", .auto, insecure: true))
        #expect(e.scheme == "http" && e.authority == "minio:9000" && e.path(for: "t/a b") == "/blocks/t/a%20b")
        e = S3Endpoint(config: config("s3.eu-west-1.amazonaws.com", .auto))
        #expect(e.scheme == "https" && e.authority == "blocks.s3.eu-west-1.amazonaws.com" && e.path(for: "t/x") == "/t/x")
        #expect(e.path(for: "") == "/")
        e = S3Endpoint(config: config("s3.amazonaws.com", .path))
        #expect(e.authority == "s3.amazonaws.com" && e.path(for: "") == "/blocks")
        e = S3Endpoint(config: config("minio:9000", .virtualHosted))
        #expect(e.authority == "blocks.minio:9000")
        e = S3Endpoint(config: config("", .auto, bucket: "my.dotted"))
        #expect(e.authority == "s3.us-east-1.amazonaws.com", "dotted names stay path style over TLS")
    }

    @Test("invalid settings name the YAML key to fix")
    func validation() {
        var c = config("http://minio:9000", .auto)
        #expect(throws: BucketError.invalidConfig(field: "blocks_storage.s3.endpoint", reason: "\"http://minio:9000\" has a scheme; give host[:port] only and set insecure: true for plain HTTP")) { try c.validate() }
        c = config("minio:9000", .auto, bucket: "")
        #expect(throws: BucketError.self) { try c.validate() }
        c = config("minio:9000", .auto)
        c.partSize = 1024
        #expect(throws: BucketError.self) { try c.validate() }
        c = config("minio:9000", .auto)
        c.accessKeyID = "AK"
        #expect(throws: BucketError.self) { try c.validate() }
        #expect(BucketLookupType(rawValue: "virtual-hosted") == .virtualHosted)
        #expect(BucketConfig.Backend(rawValue: "s3") == .s3)
    }

    @Test("backoff grows exponentially with bounded jitter")
    func backoff() {
        let b = Backoff(min: .milliseconds(100), max: .seconds(2))
        for retry in 0..<10 {
            let d = b.delay(retry: retry)
            let cap = min(Duration.milliseconds(100) * (1 << retry), .seconds(2))
            #expect(d >= cap / 2 && d <= cap, "retry \(retry): \(d)")
        }
    }
}
