import GRPCCore
import StrataQueryFrontend

/// One message of the `strata.Frontend/Process` stream between a querier and a frontend.
///
/// The querier opens the stream with `hello`; the frontend then sends one `request` at a time
/// and the querier answers each with a `response` or a `failure` carrying the same sequence
/// number. Bodies are `QueryCodec` bytes (docs/format/query-messages.md).
public enum FrontendStreamMessage: Sendable, Equatable {
    /// Querier → frontend, first: the querier's ID (its instance ID, for shuffle sharding).
    case hello(querierID: String)
    /// Frontend → querier: a request to run.
    case request(sequence: UInt64, QueryRequest)
    /// Querier → frontend: the request's answer.
    case response(sequence: UInt64, QueryResponse)
    /// Querier → frontend: why the request failed.
    case failure(sequence: UInt64, QueryFailure)

    private enum Tag: UInt8 {
        case hello = 1, request = 2, response = 3, failure = 4
    }

    /// The message's bytes: a tag, the sequence as a uvarint, then the body.
    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        func header(_ tag: Tag, _ sequence: UInt64) {
            out.append(tag.rawValue)
            var v = sequence
            while v >= 0x80 {
                out.append(UInt8(truncatingIfNeeded: v) | 0x80)
                v >>= 7
            }
            out.append(UInt8(v))
        }
        switch self {
        case .hello(let id):
            header(.hello, 0)
            out.append(contentsOf: id.utf8)
        case .request(let seq, let r):
            header(.request, seq)
            out.append(contentsOf: QueryCodec.encode(r))
        case .response(let seq, let r):
            header(.response, seq)
            out.append(contentsOf: QueryCodec.encode(r))
        case .failure(let seq, let f):
            header(.failure, seq)
            out.append(contentsOf: QueryCodec.encode(f))
        }
        return out
    }

    /// Reads a message; throws `invalidArgument` for bytes that are not one.
    static func decode(_ bytes: [UInt8]) throws(RPCError) -> FrontendStreamMessage {
        guard let first = bytes.first, let tag = Tag(rawValue: first) else {
            throw RPCError(code: .invalidArgument, message: "frontend stream message: unknown or missing tag")
        }
        var i = 1
        var seq: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard i < bytes.count, shift < 64 else {
                throw RPCError(code: .invalidArgument, message: "frontend stream message: truncated sequence number")
            }
            let b = bytes[i]
            i += 1
            seq |= UInt64(b & 0x7f) << shift
            if b < 0x80 { break }
            shift += 7
        }
        let body = Array(bytes[i...])
        do throws(QueryCodecError) {
            switch tag {
            case .hello: return .hello(querierID: String(decoding: body, as: UTF8.self))
            case .request: return .request(sequence: seq, try QueryCodec.decodeRequest(body))
            case .response: return .response(sequence: seq, try QueryCodec.decodeResponse(body))
            case .failure: return .failure(sequence: seq, try QueryCodec.decodeFailure(body))
            }
        } catch {
            throw RPCError(code: .invalidArgument, message: "frontend stream message: \(error)")
        }
    }
}

/// Serializes `FrontendStreamMessage`s for gRPC.
struct FrontendStreamSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: FrontendStreamMessage) throws -> Bytes {
        let bytes = message.encoded()
        var out = Bytes(repeating: 0, count: bytes.count)
        out.withUnsafeMutableBytes { raw in
            bytes.withUnsafeBytes { raw.copyMemory(from: $0) }
        }
        return out
    }
}

/// Deserializes `FrontendStreamMessage`s from gRPC.
struct FrontendStreamDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> FrontendStreamMessage {
        let bytes = serializedMessageBytes.withUnsafeBytes { Array($0) }
        return try FrontendStreamMessage.decode(bytes)
    }
}
