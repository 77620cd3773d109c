import GRPCCore
import StrataModel

/// `strata.LabelMatcher` on the wire (type, name, value), shared by every request that carries
/// matchers, so that reads and cardinality requests encode and validate them alike.
enum MatcherCodec {
    /// A matcher as it arrived, before its type is checked and its regex compiled.
    struct Raw {
        var type: UInt64 = 0
        var name = ""
        var value = ""
        /// Where the matcher starts in the request, for error messages.
        var offset: Int
    }

    /// The encoded size of `m`'s message body.
    static func size(_ m: LabelMatcher) -> Int {
        varintFieldSize(field: MatcherField.type, value: UInt64(m.type.rawValue))
            + stringFieldSize(field: MatcherField.name, m.name)
            + stringFieldSize(field: MatcherField.value, m.value)
    }

    /// Writes `m` as the length-delimited field `field`.
    static func write(_ m: LabelMatcher, field: Int, to w: inout RPCProtoWriter) {
        w.writeLengthPrefix(field, size(m))
        w.writeVarintField(MatcherField.type, UInt64(m.type.rawValue))
        w.writeStringField(MatcherField.name, m.name)
        w.writeStringField(MatcherField.value, m.value)
    }

    /// Reads one matcher message (unknown fields skipped).
    static func read(_ r: inout RPCProtoReader, offset: Int) throws(RPCWireError) -> Raw {
        var m = Raw(offset: offset)
        while !r.isAtEnd {
            let tag = try r.readTag()
            switch tag.field {
            case MatcherField.type: m.type = try r.varintField(tag)
            case MatcherField.name: m.name = try r.stringField(tag)
            case MatcherField.value: m.value = try r.stringField(tag)
            default: try r.skip(tag)
            }
        }
        return m
    }

    /// The matchers of request `message`, or `invalidArgument` naming the first one whose type
    /// the contract does not define or whose regex does not compile.
    static func validated(_ raw: [Raw], message: String) throws(RPCError) -> [LabelMatcher] {
        var matchers: [LabelMatcher] = []
        matchers.reserveCapacity(raw.count)
        for m in raw {
            guard m.type <= UInt64(UInt8.max), let type = MatchType(rawValue: UInt8(m.type)) else {
                throw RPCError(code: .invalidArgument,
                               message: "\(message): matcher at byte \(m.offset) has type \(m.type); the contract defines 0 (=), 1 (!=), 2 (=~) and 3 (!~)")
            }
            do {
                matchers.append(try LabelMatcher(type, m.name, m.value))
            } catch {
                throw RPCError(code: .invalidArgument, message: "\(message): matcher \(m.name)\(type)\(quoteLabelValue(m.value)): \(error)")
            }
        }
        return matchers
    }
}
