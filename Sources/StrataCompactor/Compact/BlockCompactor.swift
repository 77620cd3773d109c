import StrataBlocks
import StrataBucketIndex
import StrataChunks
import StrataModel

/// What a compaction writes from its inputs.
public enum CompactionMode: Sendable, Equatable {
    /// Raw samples, replicas de-duplicated, re-encoded in XOR chunks of this many samples.
    case merge(samplesPerChunk: Int)
    /// Aggregates of `resolution` (ms) made from inputs of `from` (0: raw samples, or 5m
    /// aggregates when making 1h).
    case downsample(from: Int64, to: Int64)
}

/// Merges local input blocks of one tenant into new blocks, one series at a time, so memory
/// holds one series of each input and one output series whatever the blocks' sizes.
public enum BlockCompactor {
    /// The `__compactor_shard_id__` value of shard `index` (0-based) of `count`: Mimir's
    /// `1_of_4` spelling, 1-based.
    public static func shardID(_ index: Int, of count: Int) -> String { "\(index + 1)_of_\(count)" }

    /// The shard (0-based) of a series among `count`: its labels' xxHash64 (as Prometheus hashes
    /// label sets) modulo `count`.
    public static func shard(of labels: Labels, count: Int) -> Int {
        guard count > 1 else { return 0 }
        var hasher = LabelsHasher()
        for label in labels {
            hasher.add(label.name)
            hasher.add(label.value)
        }
        return Int(hasher.finish() % UInt64(count))
    }

    /// Writes the merge of `inputs` (ordered by block ID: the first wins disagreements) under
    /// `parentDirectory`, split by series hash into `shards` blocks when `shards` > 1 (each
    /// labelled `__compactor_shard_id__`), otherwise one block that keeps `keepShardID` if given.
    /// Shards without series are not written. Returns the metas of the blocks written; on error
    /// nothing is left under `parentDirectory` that looks like a complete block.
    public static func compact(inputs: [Block], into parentDirectory: String, mode: CompactionMode,
                               shards: Int = 1, keepShardID: String? = nil) throws(CompactionError) -> [BlockMeta] {
        guard let first = inputs.first else { return [] }
        let shardCount = max(1, shards)
        var symbols = Set<String>()
        for block in inputs { symbols.formUnion(block.index.symbols) }
        if shardCount > 1 { symbols.formUnion([BucketIndex.compactorShardIDLabel]) }

        let minTime = inputs.map(\.meta.minTime).min() ?? first.meta.minTime
        let maxTime = inputs.map(\.meta.maxTime).max() ?? first.meta.maxTime
        let resolution: Int64
        let level: Int
        switch mode {
        case .merge:
            resolution = first.meta.thanos?.downsample.resolution ?? 0
            level = (inputs.map(\.meta.compaction.level).max() ?? 1) + 1
        case .downsample(_, let to):
            resolution = to
            level = inputs.map(\.meta.compaction.level).max() ?? 1
        }
        var sources = Set<String>()
        for block in inputs { sources.formUnion(block.meta.compaction.sources.isEmpty ? [block.meta.ulid] : block.meta.compaction.sources) }
        let lineage = BlockMeta.Compaction(level: level, sources: sources.sorted())
        var labels = first.meta.thanos?.labels ?? [:]
        labels[BucketIndex.compactorShardIDLabel] = nil

        var writers: [BlockWriter] = []
        var counts: [Int] = []
        do {
            for i in 0..<shardCount {
                var l = labels
                if shardCount > 1 {
                    l[BucketIndex.compactorShardIDLabel] = shardID(i, of: shardCount)
                } else if let keepShardID {
                    l[BucketIndex.compactorShardIDLabel] = keepShardID
                }
                let thanos = BlockMeta.Thanos(labels: l, downsample: .init(resolution: resolution), source: Self.source)
                writers.append(try BlockWriter(parentDirectory: parentDirectory, symbols: symbols, thanos: thanos))
                counts.append(0)
            }
        } catch {
            throw .output(reason: "\(error)")
        }

        var merger = try SeriesMerger(blocks: inputs)
        let ids = merger.blockIDs
        while let series = try merger.next() {
            let chunks = try outputChunks(series, mode: mode, blockIDs: ids)
            guard !chunks.isEmpty else { continue }
            let shard = shard(of: series.labels, count: shardCount)
            do {
                try writers[shard].addSeries(series.labels, chunks: chunks)
            } catch {
                throw .output(reason: "\(error)")
            }
            counts[shard] += 1
        }
        var metas: [BlockMeta] = []
        for (writer, count) in zip(writers, counts) where count > 0 {
            do {
                metas.append(try writer.finish(minTime: minTime, maxTime: maxTime, compaction: lineage))
            } catch {
                throw .output(reason: "\(error)")
            }
        }
        return metas
    }

    /// `thanos.source` of the blocks the compactor writes (Thanos's and Mimir's value).
    public static let source = "compactor"

    /// The series' chunks as they are, in time order, when no two overlap and all hold raw
    /// samples (XOR, histogram or float-histogram chunks): then nothing needs de-duplicating and
    /// the bytes (CRC-checked when read) are copied, as Prometheus's compactor copies the chunks
    /// of blocks that do not overlap; histogram chunks keep their counter-reset headers. Merging
    /// the 2h blocks of one series into 12h and 24h blocks is that case. Nil when chunks overlap.
    static func disjointChunks(_ series: MergedSeries) -> [EncodedChunk]? {
        var all: [EncodedChunk] = []
        for input in series.inputs {
            for chunk in input.chunks {
                guard chunk.encoding != .aggregate else { return nil }
                all.append(chunk)
            }
        }
        all.sort { $0.minTime < $1.minTime }
        for i in all.indices.dropFirst() where all[i].minTime <= all[i - 1].maxTime { return nil }
        return all
    }

    /// The series' raw samples from every input, de-duplicated (`SampleMerge`).
    /// With `floatsOnly`, histogram chunks are skipped instead of refused.
    static func mergedSamples(_ series: MergedSeries, blockIDs: [String], floatsOnly: Bool = false) throws(CompactionError) -> [Sample] {
        var decoded: [[Sample]] = []
        for input in series.inputs {
            let chunks = floatsOnly ? input.chunks.filter { $0.encoding != .histogram && $0.encoding != .floatHistogram } : input.chunks
            decoded.append(try SampleMerge.decode(chunks, block: blockIDs[input.input], series: series.labels))
        }
        return SampleMerge.merge(decoded)
    }

    /// The chunks one merged series gets in the output.
    static func outputChunks(_ series: MergedSeries, mode: CompactionMode, blockIDs: [String]) throws(CompactionError) -> [EncodedChunk] {
        switch mode {
        case .merge(let samplesPerChunk):
            if series.inputs.count == 1, series.inputs[0].chunks.allSatisfy({ $0.encoding == .aggregate }) {
                // Merging downsampled blocks: aggregate chunks are copied, never decoded as samples.
                return series.inputs[0].chunks
            }
            if let disjoint = disjointChunks(series) { return disjoint }
            if HistogramMerge.holdsHistograms(series) {
                return try HistogramMerge.mergedChunks(series, blockIDs: blockIDs, samplesPerChunk: samplesPerChunk)
            }
            return Rechunker.chunks(of: try mergedSamples(series, blockIDs: blockIDs), samplesPerChunk: samplesPerChunk)
        case .downsample(let from, let to):
            let out: [DownsampledChunk]
            if from == 0 {
                if HistogramMerge.holdsHistograms(series) {
                    // Native histograms get histogram aggregates, cut at each float/histogram
                    // switch (docs/downsampling.md#native-histograms).
                    var decoded: [[HistogramMerge.AnySample]] = []
                    for input in series.inputs {
                        decoded.append(try HistogramMerge.decode(input.chunks, block: blockIDs[input.input], series: series.labels))
                    }
                    do {
                        out = try Downsampler.downsample(mixed: SampleMerge.merge(decoded), resolution: to)
                    } catch {
                        throw .sourceBlock(block: blockIDs.joined(separator: ","), reason: "series \(series.labels): \(error)")
                    }
                } else {
                    out = Downsampler.downsample(raw: try mergedSamples(series, blockIDs: blockIDs), resolution: to)
                }
            } else {
                var all: [DownsampledChunk] = []
                for input in series.inputs {
                    for chunk in input.chunks {
                        guard chunk.encoding == .aggregate else {
                            throw .sourceBlock(block: blockIDs[input.input], reason: "series \(series.labels): an XOR chunk in a downsampled block")
                        }
                        do {
                            all.append(DownsampledChunk(minTime: chunk.minTime, maxTime: chunk.maxTime, chunk: try AggrChunk(bytes: chunk.data)))
                        } catch {
                            throw .sourceBlock(block: blockIDs[input.input], reason: "series \(series.labels): \(error)")
                        }
                    }
                }
                // Inputs cover different windows; where two overlap, the first input's chunk stays.
                let ordered = all.enumerated().sorted {
                    $0.element.minTime != $1.element.minTime ? $0.element.minTime < $1.element.minTime : $0.offset < $1.offset
                }.map(\.element)
                var kept: [DownsampledChunk] = []
                for chunk in ordered where kept.last.map({ chunk.minTime > $0.maxTime }) ?? true { kept.append(chunk) }
                do {
                    out = try Downsampler.downsampleRuns(kept, from: from, to: to)
                } catch {
                    throw .sourceBlock(block: blockIDs.joined(separator: ","), reason: "series \(series.labels): \(error)")
                }
            }
            return out.map { EncodedChunk(minTime: $0.minTime, maxTime: $0.maxTime, encoding: .aggregate, data: $0.chunk.encoded()) }
        }
    }
}
