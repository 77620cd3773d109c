import StrataBlocks
import StrataModel

/// Walks one input block's series in label order (the order of the index's postings), reading
/// each series' chunk references and then its chunk bytes on demand, so a compaction holds one
/// series per input in memory whatever the block size.
struct SeriesCursor {
    /// The input block's ID, named in errors.
    let blockID: String
    let block: Block
    private let refs: [SeriesRef]
    private var position = 0
    /// The series under the cursor; nil once every series was read.
    private(set) var current: IndexSeries?

    /// Opens the cursor on the first series of `block`.
    init(block: Block) throws(CompactionError) {
        self.block = block
        blockID = block.meta.ulid
        do {
            refs = try block.index.allPostings()
        } catch {
            throw .sourceBlock(block: block.meta.ulid, reason: "\(error)")
        }
        try advance()
    }

    /// Moves to the next series; checks that series come in strictly increasing label order, as
    /// the merge relies on it.
    mutating func advance() throws(CompactionError) {
        guard position < refs.count else {
            current = nil
            return
        }
        let next: IndexSeries
        do {
            next = try block.index.series(refs[position])
        } catch {
            throw .sourceBlock(block: blockID, reason: "\(error)")
        }
        if let previous = current, !(previous.labels < next.labels) {
            throw .sourceBlock(block: blockID, reason: "index lists series \(next.labels) after \(previous.labels): series are out of order")
        }
        position += 1
        current = next
    }

    /// The chunks of the current series, CRC-checked.
    func chunks() throws(CompactionError) -> [EncodedChunk] {
        guard let series = current else { return [] }
        var out: [EncodedChunk] = []
        out.reserveCapacity(series.chunks.count)
        for meta in series.chunks {
            do {
                out.append(try block.chunks.chunk(meta))
            } catch {
                throw .sourceBlock(block: blockID, reason: "series \(series.labels): \(error)")
            }
        }
        return out
    }
}

/// One series of the merged inputs: its labels and, per input that has it, that input's chunks.
struct MergedSeries {
    var labels: Labels
    /// `(input position, chunks)`, inputs in the order given to the merger.
    var inputs: [(input: Int, chunks: [EncodedChunk])]
}

/// Merges the series of several blocks by labels: each call of `next()` returns the smallest
/// label set any input still has, with the chunks of every input that holds it.
struct SeriesMerger {
    private var cursors: [SeriesCursor]

    /// Merges `blocks`; their order decides which replica wins where samples disagree.
    init(blocks: [Block]) throws(CompactionError) {
        var cursors: [SeriesCursor] = []
        for block in blocks { cursors.append(try SeriesCursor(block: block)) }
        self.cursors = cursors
    }

    /// The IDs of the inputs, in order.
    var blockIDs: [String] { cursors.map(\.blockID) }

    /// The next series, or nil when every input is exhausted.
    mutating func next() throws(CompactionError) -> MergedSeries? {
        var smallest: Labels? = nil
        for cursor in cursors {
            guard let labels = cursor.current?.labels else { continue }
            if let s = smallest, !(labels < s) { continue }
            smallest = labels
        }
        guard let labels = smallest else { return nil }
        var inputs: [(input: Int, chunks: [EncodedChunk])] = []
        for i in cursors.indices where cursors[i].current?.labels == labels {
            inputs.append((i, try cursors[i].chunks()))
            try cursors[i].advance()
        }
        return MergedSeries(labels: labels, inputs: inputs)
    }
}
