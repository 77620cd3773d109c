import StrataModel

/// Streams an index file in format v2: header and symbol table first (all symbols are known up
/// front), then each series as it is added, then — from the series references collected on the
/// way — label indices, postings, the two offset tables and the TOC. See `docs/format/block.md`.
///
/// Memory: the symbol map, plus one `UInt32` per (series, label) for postings. Chunk bytes are
/// never held here (the series entry only carries chunk references).
final class IndexWriter {
    let file: BufferedFileWriter
    /// Sorted symbols (byte order) and their sequence numbers, the v2 symbol references.
    let symbols: [String]
    let symbolIndex: [String: UInt32]
    var toc = IndexTOC()
    /// name → value → series references, in insertion (= sorted) order.
    var postings: [String: [String: [SeriesRef]]] = [:]
    var allPostings: [SeriesRef] = []
    var lastLabels: Labels? = nil
    var encoder = ByteEncoder(capacity: 4096)
    /// Scratch buffer for a series entry's body, reused so adding a series does not allocate.
    var seriesBody = ByteEncoder(capacity: 512)

    /// Opens `path` and writes the header and the symbol table of `symbols` (any order,
    /// duplicates allowed).
    init(path: String, symbols: some Sequence<String>) throws(BlockError) {
        // Prometheus's symbol table always holds "" (its head indexes the all-postings key
        // ""="" like a label), so including it keeps the index byte-identical to theirs.
        var set = Set(symbols)
        set.insert("")
        var unique = Array(set)
        unique.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        guard unique.count <= Int(UInt32.max) else { throw .invalidInput(reason: "too many symbols (\(unique.count))") }
        self.symbols = unique
        var index: [String: UInt32] = [:]
        index.reserveCapacity(unique.count)
        for (i, s) in unique.enumerated() { index[s] = UInt32(i) }
        symbolIndex = index
        file = try BufferedFileWriter(path: path)
        var header = ByteEncoder()
        header.putBE32(BlockFormat.indexMagic)
        header.putByte(BlockFormat.indexVersion)
        try file.write(header.bytes)
        try writeSymbols()
    }
}
