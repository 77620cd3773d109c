/// Byte offsets of the index sections, as stored in the TOC at the end of the file.
public struct IndexTOC: Sendable, Equatable {
    /// Offset of the symbol table.
    public var symbols: UInt64 = 0
    /// Offset where the series section starts (before alignment).
    public var series: UInt64 = 0
    /// Offset of the label indices.
    public var labelIndices: UInt64 = 0
    /// Offset of the label offset table.
    public var labelIndicesTable: UInt64 = 0
    /// Offset of the postings lists.
    public var postings: UInt64 = 0
    /// Offset of the postings offset table.
    public var postingsTable: UInt64 = 0

    /// Creates an empty TOC.
    public init() {}
}
