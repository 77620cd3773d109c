import StrataTestSupport
import Foundation
@testable import StrataObjstore
import Testing

/// moto does not verify signatures, so the signer is cross-checked against botocore (the AWS
/// SDK for Python, installed with moto) on requests shaped like the ones S3Bucket sends.
@Suite("SigV4 matches botocore")
struct SigV4BotocoreTests {
    static let script = """
    import sys, botocore.auth, botocore.credentials, botocore.awsrequest
    method, url, body, token, region, ts = sys.argv[1:7]
    headers = dict(h.split(":", 1) for h in sys.argv[7:])
    creds = botocore.credentials.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token or None)
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body.encode(), headers=headers)
    auth = botocore.auth.S3SigV4Auth(creds, "s3", region)
    req.context["timestamp"] = ts
    auth._modify_request_before_signing(req)
    print(auth.signature(auth.string_to_sign(req, auth.canonical_request(req)), req))
    """

    struct Case: Sendable, CustomTestStringConvertible {
        var method: String
        var key: String
        var query: [(String, String)]
        var body: String
        var token: String
        var extraHeaders: [(String, String)]
        var testDescription: String { "\(method) \(key) \(query.map(\.0))" }
    }

    static let cases: [Case] = [
        Case(method: "PUT", key: "t/a b+c=d&e.json", query: [("partNumber", "2"), ("uploadId", "abc+/=")], body: "hello",
             token: "SESSION/TOKEN+=", extraHeaders: [("content-type", "application/octet-stream")]),
        Case(method: "GET", key: "", query: [("list-type", "2"), ("max-keys", "7"), ("prefix", "tenant 1/ü"), ("delimiter", "/"), ("continuation-token", "1+Zm9v/YmFy==")],
             body: "", token: "", extraHeaders: []),
        Case(method: "POST", key: "01HX/chunks/000001", query: [("uploads", "")], body: "", token: "",
             extraHeaders: [("content-type", "application/octet-stream")]),
        Case(method: "HEAD", key: "t/ünïcødé~file", query: [], body: "", token: "", extraHeaders: [("range", "bytes=0-9")]),
    ]

    @Test("signatures equal botocore's", arguments: cases)
    func matchesBotocore(_ c: Case) throws {
        guard let python = MotoServer.findInPath("python3") else {
            Issue.record("python3 not found in PATH; install python3 with botocore (pip install 'moto[server]' brings it)")
            return
        }
        var config = S3Config()
        config.endpoint = "127.0.0.1:9000"
        config.bucketName = "bucket"
        config.region = "eu-west-1"
        config.bucketLookupType = .path
        config.insecure = true
        let endpoint = S3Endpoint(config: config)
        let path = endpoint.path(for: c.key)
        let url = "http://\(endpoint.authority)\(path)\(S3Bucket.queryString(c.query))"
        let bodyBytes = Array(c.body.utf8)
        let hash = bodyBytes.isEmpty ? SigV4Signer.emptyPayloadHash : SigV4Signer.hexSHA256(bodyBytes)
        let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", sessionToken: c.token),
                                 region: "eu-west-1")
        let signed = signer.sign(.init(method: c.method, encodedPath: path, query: c.query,
                                       headers: c.extraHeaders + [("host", endpoint.authority)], payloadHash: hash),
                                 date: Date(timeIntervalSince1970: 1_704_164_645))
        let ours = signed.first { $0.0 == "authorization" }?.1.components(separatedBy: "Signature=").last

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", Self.script, c.method, url, c.body, c.token, "eu-west-1", "20240102T030405Z"]
            + c.extraHeaders.map { "\($0.0):\($0.1)" }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("botocore signing failed (is botocore installed for \(python)?): \(errText)")
            return
        }
        let theirs = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(ours == theirs, "url \(url)")
    }
}
