/// Why an RPC message's bytes could not be decoded. The receiving side answers a malformed
/// request with `invalidArgument`; a malformed response fails the call on the client.
struct RPCWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message being decoded, by its name in the contract (`strata.PushRequest`, …).
    var message: String
    /// The field number being decoded, or 0 when the tag itself was bad.
    var field: Int
    /// Byte offset of the problem inside the message.
    var offset: Int
    /// What is wrong.
    var reason: String

    /// Creates an error.
    init(message: String, field: Int, offset: Int, reason: String) {
        self.message = message
        self.field = field
        self.offset = offset
        self.reason = reason
    }

    /// `malformed strata.SelectRequest: field 4 at byte 12: …`.
    var description: String {
        let what = field == 0 ? "a tag" : "field \(field)"
        return "malformed \(message): \(what) at byte \(offset): \(reason); the peer does not speak Strata's RPC contract (docs/format/rpc.md) or the bytes were corrupted"
    }
}
