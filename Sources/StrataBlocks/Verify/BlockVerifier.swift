import StrataModel

/// What checking a whole block found: the problems that make it unusable, the warnings that do
/// not, and what it holds.
public struct BlockVerification: Sendable, Equatable {
    /// Defects that make the block unfit to serve or upload (a reader would fail or answer wrongly).
    public var problems: [String] = []
    /// Oddities a reader copes with (stats in `meta.json` that do not match the data, …).
    public var warnings: [String] = []
    /// Series in the index.
    public var series = 0
    /// Chunks referenced by the index.
    public var chunks = 0
    /// Samples in the XOR chunks (from each chunk's sample-count header).
    public var samples = 0
    /// Problems not listed because `BlockVerifier.maxProblems` were already listed.
    public var omittedProblems = 0
    /// Series per metric name (`__name__`), what `meta.json`'s `strata` section records.
    public var seriesByMetricName: [String: UInt64] = [:]

    /// Creates an empty report.
    public init() {}

    /// Whether the block has no problem.
    public var ok: Bool { problems.isEmpty }

    mutating func problem(_ text: String) {
        if problems.count < BlockVerifier.maxProblems { problems.append(text) } else { omittedProblems += 1 }
    }
}

/// Reads every part of a block and reports what is wrong with it: `meta.json`, the index (TOC,
/// symbols, postings, every series entry with its CRC and label order), and every chunk the
/// index references (present, CRC-checked, inside the block's time range, in time order without
/// overlap within its series).
///
/// Used by `strata admin backfill` before a block leaves the operator's disk, and by the server
/// when an upload finishes and for `POST /api/v1/admin/blocks/<id>/verify`, so both sides apply
/// the same rules. The checks follow what Thanos's and Mimir's block validation rejects.
public enum BlockVerifier {
    /// Problems listed at most; a block damaged everywhere does not produce an endless report.
    public static let maxProblems = 50

    /// Verifies the block in `directory`. A block that cannot even be opened (no `meta.json`, an
    /// index that does not parse, a chunk segment with a bad header) has exactly that problem.
    /// `progress` is called with (series checked, series in the block) every few thousand series.
    public static func verify(directory: String, progress: ((Int, Int) -> Void)? = nil) -> BlockVerification {
        let block: Block
        do {
            block = try Block(directory: directory)
        } catch {
            var report = BlockVerification()
            report.problem(error.description)
            return report
        }
        return verify(block.reader, progress: progress)
    }

    /// Verifies an opened block.
    public static func verify(_ reader: BlockReader, progress: ((Int, Int) -> Void)? = nil) -> BlockVerification {
        var report = BlockVerification()
        let meta = reader.meta
        if meta.minTime >= meta.maxTime {
            report.problem("meta.json: minTime \(meta.minTime) is not before maxTime \(meta.maxTime); the block covers no time")
        }
        if meta.compaction.level < 1 {
            report.problem("meta.json: compaction level \(meta.compaction.level); a block has level 1 or more")
        }
        let refs: [SeriesRef]
        do {
            refs = try reader.index.allPostings()
        } catch {
            report.problem("index: the all-series postings list is unreadable: \(error)")
            return report
        }
        if refs.isEmpty, meta.stats.numSeries > 0 {
            report.problem("index: no series, but meta.json says \(meta.stats.numSeries)")
        }
        var previous: Labels? = nil
        for (n, ref) in refs.enumerated() {
            if let progress, n % 4096 == 0 { progress(n, refs.count) }
            let entry: IndexSeries
            do {
                entry = try reader.index.series(ref)
            } catch {
                report.problem("index: series \(ref): \(error)")
                continue
            }
            report.series += 1
            if let name = entry.labels["__name__"] { report.seriesByMetricName[name, default: 0] += 1 }
            if entry.labels.isEmpty { report.problem("index: series \(ref) has no labels") }
            if let previous, !(previous < entry.labels) {
                report.problem("index: series \(entry.labels) is not after \(previous) (series must be sorted by labels and unique)")
            }
            previous = entry.labels
            checkChunks(of: entry, in: reader, report: &report)
        }
        progress?(refs.count, refs.count)
        let stats = meta.stats
        if stats.numSeries != UInt64(report.series) {
            report.warnings.append("meta.json says \(stats.numSeries) series, the index holds \(report.series)")
        }
        if stats.numChunks != UInt64(report.chunks) {
            report.warnings.append("meta.json says \(stats.numChunks) chunks, the index references \(report.chunks)")
        }
        if meta.thanos?.downsample.resolution ?? 0 == 0, stats.numSamples != UInt64(report.samples) {
            report.warnings.append("meta.json says \(stats.numSamples) samples, the chunks hold \(report.samples)")
        }
        return report
    }

    private static func checkChunks(of entry: IndexSeries, in reader: BlockReader, report: inout BlockVerification) {
        let meta = reader.meta
        var lastMax: Int64? = nil
        for chunk in entry.chunks {
            report.chunks += 1
            if chunk.minTime > chunk.maxTime {
                report.problem("series \(entry.labels): chunk \(chunk.ref.rawValue) starts at \(chunk.minTime), after its end \(chunk.maxTime)")
            }
            if chunk.minTime < meta.minTime || chunk.maxTime > meta.maxTime {
                report.problem("series \(entry.labels): chunk [\(chunk.minTime), \(chunk.maxTime)] is outside the block's range [\(meta.minTime), \(meta.maxTime))")
            }
            if let lastMax, chunk.minTime <= lastMax {
                report.problem("series \(entry.labels): chunk starting at \(chunk.minTime) overlaps or precedes the previous chunk ending at \(lastMax) (chunks out of order)")
            }
            lastMax = max(lastMax ?? .min, chunk.maxTime)
            do {
                let encoded = try reader.chunks.chunk(chunk)
                // XOR and histogram chunks alike start with their 2-byte sample count.
                if encoded.encoding != .aggregate {
                    guard encoded.data.count >= 2 else {
                        report.problem("series \(entry.labels): \(encoded.encoding) chunk \(chunk.ref.rawValue) has \(encoded.data.count) bytes, too short for its sample count")
                        continue
                    }
                    report.samples += Int(encoded.data[0]) << 8 | Int(encoded.data[1])
                }
            } catch {
                report.problem("series \(entry.labels): \(error)")
            }
        }
    }
}
