import Foundation

// The JSON messages of etcd's v3 gRPC gateway that Strata uses. Keys and values are base64;
// 64-bit integers arrive as JSON strings, and fields at their default (0, false, PUT) are omitted.

/// An int64 that etcd's gateway writes as a string (or, from other gateways, as a number).
struct EtcdInt64: Decodable {
    var value: Int64

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        guard let number = Int64(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an int64: \(text)")
        }
        value = number
    }
}

struct EtcdHeader: Decodable {
    var revision: EtcdInt64?
}

struct EtcdKeyValue: Decodable {
    var key: String?
    var value: String?
    var modRevision: EtcdInt64?

    enum CodingKeys: String, CodingKey {
        case key, value
        case modRevision = "mod_revision"
    }
}

struct EtcdRangeResponse: Decodable {
    var header: EtcdHeader?
    var kvs: [EtcdKeyValue]?
}

struct EtcdTxnResponse: Decodable {
    var header: EtcdHeader?
    var succeeded: Bool?
}

struct EtcdEvent: Decodable {
    var type: String?
    var kv: EtcdKeyValue?
}

struct EtcdWatchResult: Decodable {
    var header: EtcdHeader?
    var created: Bool?
    var canceled: Bool?
    var compactRevision: EtcdInt64?
    var cancelReason: String?
    var events: [EtcdEvent]?

    enum CodingKeys: String, CodingKey {
        case header, created, canceled, events
        case compactRevision = "compact_revision"
        case cancelReason = "cancel_reason"
    }
}

struct EtcdWatchMessage: Decodable {
    var result: EtcdWatchResult?
    var error: EtcdGatewayError?
}

struct EtcdGatewayError: Decodable {
    var message: String?
    var code: Int?
}

enum EtcdBase64 {
    static func encode(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    static func decode(_ text: String?) -> [UInt8]? {
        guard let text else { return [] }
        return Data(base64Encoded: text).map { Array($0) }
    }
}
