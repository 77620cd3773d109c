/// S3 ListObjectsV2 semantics over an in-memory key set, so the filesystem backend lists
/// exactly as S3 does (prefix match, delimiter roll-up, byte order, paging).
enum Listing {
    /// True when `a` sorts before `b` in UTF-8 byte order (S3's order; Swift's `<` is not).
    static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The page of `keys` (any order) under `prefix` that follows `after` (exclusive).
    static func page(keys: [String], prefix: String, delimiter: String?, after: String?, maxKeys: Int) -> ListPage {
        var entries = Set<String>()
        var prefixes = Set<String>()
        for key in keys where key.hasPrefix(prefix) {
            if let delimiter, !delimiter.isEmpty,
               let cut = key.utf8.dropFirst(prefix.utf8.count).firstRange(of: delimiter.utf8) {
                let rolled = String(decoding: key.utf8[..<cut.upperBound], as: UTF8.self)
                entries.insert(rolled)
                prefixes.insert(rolled)
            } else {
                entries.insert(key)
            }
        }
        return page(entries: entries, prefixes: prefixes, after: after, maxKeys: maxKeys)
    }

    /// Pages already rolled-up entries (keys plus common prefixes, `prefixes` marking the latter).
    ///
    /// The continuation token is the last entry returned; entries are unique, so "strictly
    /// after the token" resumes exactly where the previous page stopped.
    static func page(entries: Set<String>, prefixes: Set<String>, after: String?, maxKeys: Int) -> ListPage {
        var sorted = entries.sorted(by: byteOrder)
        if let after {
            sorted = sorted.filter { byteOrder(after, $0) }
        }
        let limit = max(1, maxKeys)
        let taken = sorted.prefix(limit)
        var page = ListPage(keys: [], commonPrefixes: [], continuationToken: nil)
        for entry in taken {
            if prefixes.contains(entry) { page.commonPrefixes.append(entry) } else { page.keys.append(entry) }
        }
        if sorted.count > limit { page.continuationToken = taken.last }
        return page
    }
}
