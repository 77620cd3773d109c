import StrataModel

/// Object key rules shared by every backend, so a key valid for one is valid for all.
///
/// S3 accepts almost any key, but the filesystem backend maps keys to paths, and blocks must
/// move between backends unchanged; the common subset is `/`-separated non-empty segments.
enum ObjectKey {
    /// S3's limit on key length in UTF-8 bytes.
    static let maxBytes = 1024
    /// Marker in the names of the filesystem backend's in-flight temp files; keys may not use it.
    /// It is `StorageNames`'s, which `TenantID` refuses too, so every tenant's keys are valid.
    static let tempMarker = StorageNames.temporaryMarker

    /// Throws `.invalidKey` unless `key` names an object.
    static func validate(_ key: String) throws(BucketError) {
        if key.isEmpty { throw .invalidKey(key: key, reason: "the key is empty") }
        if key.utf8.count > maxBytes { throw .invalidKey(key: key, reason: "longer than \(maxBytes) bytes") }
        if key.hasPrefix("/") { throw .invalidKey(key: key, reason: "absolute keys are refused; use a relative key such as \"tenant/block/meta.json\"") }
        if key.utf8.contains(0) { throw .invalidKey(key: key, reason: "contains a NUL byte") }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { throw .invalidKey(key: key, reason: "empty path segment (\"//\" or a trailing \"/\")") }
            if segment == "." || segment == ".." { throw .invalidKey(key: key, reason: "\".\" and \"..\" segments are refused (path traversal)") }
            if StorageNames.isTemporary(segment) { throw .invalidKey(key: key, reason: "\"\(tempMarker)\" is reserved for temporary files") }
        }
    }

    /// Throws `.invalidKey` unless `prefix` is usable for listing (empty is allowed).
    static func validatePrefix(_ prefix: String) throws(BucketError) {
        if prefix.hasPrefix("/") { throw .invalidKey(key: prefix, reason: "absolute prefixes are refused; list with a relative prefix such as \"tenant/\"") }
        if prefix.utf8.contains(0) { throw .invalidKey(key: prefix, reason: "contains a NUL byte") }
        for segment in prefix.split(separator: "/", omittingEmptySubsequences: true) where segment == ".." {
            throw .invalidKey(key: prefix, reason: "\"..\" segments are refused (path traversal)")
        }
    }
}
