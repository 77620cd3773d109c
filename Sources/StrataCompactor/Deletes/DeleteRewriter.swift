import StrataBlocks
import StrataChunks
import StrataDeletes
import StrataModel

/// Rewrites one block with delete requests applied: samples a deletion covers are left out,
/// series a redaction covers are written under their new labels. The new block keeps the old
/// one's time range, external labels, resolution and compaction lineage, so the planner treats
/// it as the block it replaces.
enum DeleteRewriter {
    /// What a rewrite produced.
    enum Outcome: Sendable, Equatable {
        /// No series of the block is affected: nothing was written.
        case unchanged
        /// Every sample was deleted: no block was written, the old one only goes.
        case emptied
        /// The replacement block.
        case rewritten(BlockMeta)
    }

    /// One output series: series no request matches are re-read from the input by reference.
    private enum Source {
        case input(SeriesRef)
        case chunks([EncodedChunk])
    }

    /// Writes the rewrite of `block` under `parentDirectory`.
    static func rewrite(_ block: Block, requests: [DeleteRequest], into parentDirectory: String,
                        samplesPerChunk: Int) throws(CompactionError) -> Outcome {
        let id = block.meta.ulid
        var entries: [(labels: Labels, source: Source)] = []
        var changed = false
        var extraSymbols = Set<String>()
        do {
            for ref in try block.index.allPostings() {
                let series = try block.index.series(ref)
                guard requests.contains(where: { $0.matches(series.labels) }) else {
                    entries.append((series.labels, .input(ref)))
                    continue
                }
                var chunks: [EncodedChunk] = []
                for meta in series.chunks { chunks.append(try block.chunks.chunk(meta)) }
                guard let outputs = try DeleteMask.apply(labels: series.labels, chunks: chunks, requests: requests,
                                                         samplesPerChunk: samplesPerChunk) else {
                    // Matched but untouched (no sample in a deleted range): keep the chunks
                    // already read rather than reading them again while writing.
                    entries.append((series.labels, .chunks(chunks)))
                    continue
                }
                changed = true
                for (labels, chunks) in outputs {
                    for l in labels where l != series.labels.first(where: { $0.name == l.name }) {
                        extraSymbols.insert(l.name)
                        extraSymbols.insert(l.value)
                    }
                    entries.append((labels, .chunks(chunks)))
                }
            }
        } catch let error as CompactionError {
            throw error
        } catch {
            throw .sourceBlock(block: id, reason: "\(error)")
        }
        guard changed else { return .unchanged }
        guard !entries.isEmpty else { return .emptied }
        // Redacted series may land anywhere in label order, or on a series that exists.
        entries.sort { $0.labels < $1.labels }
        var symbols = Set(block.index.symbols)
        symbols.formUnion(extraSymbols)
        do {
            let writer = try BlockWriter(parentDirectory: parentDirectory, symbols: symbols, thanos: block.meta.thanos)
            var i = 0
            while i < entries.count {
                var chunks: [EncodedChunk] = []
                var j = i
                while j < entries.count && entries[j].labels == entries[i].labels {
                    switch entries[j].source {
                    case .input(let ref):
                        for meta in try block.index.series(ref).chunks { chunks.append(try block.chunks.chunk(meta)) }
                    case .chunks(let c):
                        chunks += c
                    }
                    j += 1
                }
                if j - i > 1 { chunks.sort { $0.minTime < $1.minTime } }
                try writer.addSeries(entries[i].labels, chunks: chunks)
                i = j
            }
            let meta = try writer.finish(minTime: block.meta.minTime, maxTime: block.meta.maxTime, compaction: block.meta.compaction)
            return .rewritten(meta)
        } catch {
            throw .output(reason: "rewriting block \(id) for delete requests: \(error)")
        }
    }
}
