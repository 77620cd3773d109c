import Crypto
import Foundation

/// AWS credentials for Signature Version 4.
public struct S3Credentials: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Temporary credentials' token, sent as `x-amz-security-token`; empty for long-term keys.
    public var sessionToken: String

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String = "") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }
}

/// AWS Signature Version 4 with header authentication, for the `s3` service.
///
/// The caller gives the already-encoded path and the query parameters; the signer adds
/// `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` and `Authorization`.
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// What to sign; header names may be any case.
    public struct Request: Sendable {
        public var method: String
        /// The path as sent, already URI-encoded (see `S3URI.encodePath`).
        public var encodedPath: String
        /// Raw (unencoded) query parameters; `""` values sign as `name=`.
        public var query: [(String, String)]
        /// Headers to sign besides the ones the signer adds; must include `host`.
        public var headers: [(String, String)]
        /// Lower-case hex SHA-256 of the body.
        public var payloadHash: String

        public init(method: String, encodedPath: String, query: [(String, String)], headers: [(String, String)], payloadHash: String) {
            self.method = method
            self.encodedPath = encodedPath
            self.query = query
            self.headers = headers
            self.payloadHash = payloadHash
        }
    }

    /// The headers to add to the request (including `authorization`), in signing order.
    public func sign(_ request: Request, date: Date) -> [(String, String)] {
        let stamp = AmzDate(date)
        var headers = request.headers.map { ($0.0.lowercased(), Self.trimHeaderValue($0.1)) }
        headers.append(("x-amz-content-sha256", request.payloadHash))
        headers.append(("x-amz-date", stamp.full))
        if !credentials.sessionToken.isEmpty {
            headers.append(("x-amz-security-token", credentials.sessionToken))
        }
        headers.sort { $0.0 < $1.0 }
        let signedHeaders = headers.map(\.0).joined(separator: ";")
        let canonical = canonicalRequest(request, headers: headers, signedHeaders: signedHeaders)
        let scope = "\(stamp.day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(stamp.full)\n\(scope)\n\(Self.hexSHA256(Array(canonical.utf8)))"
        let signature = Self.hex(hmac(key: signingKey(day: stamp.day), Array(stringToSign.utf8)))
        headers.append(("authorization", "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"))
        return headers
    }

    /// The canonical request text (exposed for tests and debugging signature mismatches).
    func canonicalRequest(_ request: Request, headers: [(String, String)], signedHeaders: String) -> String {
        var pairs: [(name: String, value: String)] = request.query.map { (S3URI.encode($0.0), S3URI.encode($0.1)) }
        pairs.sort { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        let query = pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        let headerLines = headers.map { "\($0.0):\($0.1)\n" }.joined()
        return "\(request.method)\n\(request.encodedPath)\n\(query)\n\(headerLines)\n\(signedHeaders)\n\(request.payloadHash)"
    }

    private func signingKey(day: String) -> SymmetricKey {
        let kDate = hmac(key: SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8)), Array(day.utf8))
        let kRegion = hmac(key: SymmetricKey(data: kDate), Array(region.utf8))
        let kService = hmac(key: SymmetricKey(data: kRegion), Array(service.utf8))
        return SymmetricKey(data: hmac(key: SymmetricKey(data: kService), Array("aws4_request".utf8)))
    }

    private func hmac(key: SymmetricKey, _ data: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
    }

    /// SigV4 trims header values and collapses inner runs of spaces.
    static func trimHeaderValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    /// Lower-case hex SHA-256 of `bytes`.
    public static func hexSHA256(_ bytes: some DataProtocol) -> String {
        hex(Array(SHA256.hash(data: bytes)))
    }

    /// SHA-256 of an empty body, used by every bodiless request.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// `x-amz-date` (`20130524T000000Z`) and its day (`20130524`), computed without DateFormatter.
struct AmzDate {
    let full: String
    let day: String

    init(_ date: Date) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (y, m, d) = CivilDate.fromDays(Int((Double(seconds) / 86_400).rounded(.down)))
        let secondOfDay = seconds - Int((Double(seconds) / 86_400).rounded(.down)) * 86_400
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        day = pad(y, 4) + pad(m, 2) + pad(d, 2)
        full = day + "T" + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2) + pad(secondOfDay % 60, 2) + "Z"
    }
}

/// Proleptic Gregorian calendar arithmetic (Howard Hinnant's algorithms), locale-free.
enum CivilDate {
    static func fromDays(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func toDays(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
