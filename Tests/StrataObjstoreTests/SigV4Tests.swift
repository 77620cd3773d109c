import Foundation
@testable import StrataObjstore
import Testing

@Suite("AWS Signature Version 4")
struct SigV4Tests {
    /// AWS's published S3 example "GET Object" (header-based auth): bucket `examplebucket`,
    /// key `test.txt`, `Range: bytes=0-9`, 2013-05-24T00:00:00Z, the documentation's example keys.
    @Test("reproduces the AWS documentation's GET Object example signature")
    func awsGetObjectExample() {
        let signer = SigV4Signer(
            credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1"
        )
        let request = SigV4Signer.Request(
            method: "GET", encodedPath: "/test.txt", query: [],
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9")],
            payloadHash: SigV4Signer.emptyPayloadHash
        )
        let headers = signer.sign(request, date: Date(timeIntervalSince1970: 1_369_353_600))
        let auth = headers.first { $0.0 == "authorization" }?.1
        #expect(auth == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.first { $0.0 == "x-amz-date" }?.1 == "20130524T000000Z")
    }

    @Test("canonical request sorts and encodes the query, lower-cases and trims headers")
    func canonicalRequest() {
        let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: "AK", secretAccessKey: "SK"), region: "eu-west-1")
        let request = SigV4Signer.Request(
            method: "GET", encodedPath: "/bucket", query: [("prefix", "a b/c"), ("list-type", "2"), ("delimiter", "/")],
            headers: [("Host", "h:9000"), ("X-Custom", "  a   b  ")], payloadHash: SigV4Signer.emptyPayloadHash
        )
        let headers = [("host", "h:9000"), ("x-custom", "a b")]
        let text = signer.canonicalRequest(request, headers: headers, signedHeaders: "host;x-custom")
        #expect(text == "GET\n/bucket\ndelimiter=%2F&list-type=2&prefix=a%20b%2Fc\nhost:h:9000\nx-custom:a b\n\nhost;x-custom\n\(SigV4Signer.emptyPayloadHash)")
    }

    @Test("session tokens are signed as x-amz-security-token")
    func sessionToken() {
        let signer = SigV4Signer(credentials: S3Credentials(accessKeyID: "AK", secretAccessKey: "SK", sessionToken: "TOKEN"), region: "us-east-1")
        let headers = signer.sign(.init(method: "GET", encodedPath: "/", query: [], headers: [("host", "h")], payloadHash: SigV4Signer.emptyPayloadHash), date: Date())
        #expect(headers.contains { $0 == ("x-amz-security-token", "TOKEN") })
        #expect(headers.first { $0.0 == "authorization" }?.1.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") == true)
    }

    @Test("URI encoding keeps only unreserved characters")
    func uriEncoding() {
        #expect(S3URI.encode("a b+c/d~e_f.g-h") == "a%20b%2Bc%2Fd~e_f.g-h")
        #expect(S3URI.encodePath("t/ü x") == "t/%C3%BC%20x")
        #expect(SigV4Signer.hexSHA256([UInt8]()) == SigV4Signer.emptyPayloadHash)
    }

    @Test("dates format and parse without locale")
    func dates() {
        #expect(AmzDate(Date(timeIntervalSince1970: 951_782_400 + 3_723)).full == "20000229T010203Z")
        #expect(S3URI.parseHTTPDate("Wed, 21 Oct 2015 07:28:00 GMT") == Date(timeIntervalSince1970: 1_445_412_480))
        #expect(S3URI.parseHTTPDate("garbage") == nil)
    }
}
