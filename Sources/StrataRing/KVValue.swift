/// A value stored in a KV store, with the store's version of it.
///
/// Versions grow with every write to the store (etcd: the key's `mod_revision`; the in-memory store:
/// a counter shared by all keys), so of two observations of one key the higher version is the newer.
public struct KVValue: Sendable, Hashable {
    /// The stored bytes.
    public var bytes: [UInt8]
    /// The store revision of the write that produced `bytes`.
    public var version: Int64

    /// Creates a value observed at `version`.
    public init(bytes: [UInt8], version: Int64) {
        self.bytes = bytes
        self.version = version
    }
}
