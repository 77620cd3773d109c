import Foundation
import StrataBlocks
import StrataChunks
import StrataModel

/// `strata-loadgen reencode-blocks`: rewrites TSDB blocks (Prometheus's, promtool's or Strata's)
/// with Strata's chunk encoder and a chosen number of samples per chunk, and reports the bytes
/// per sample before and after. It measures what Strata would store for data recorded elsewhere,
/// such as a Prometheus snapshot of real metrics, without replaying it.
struct ReencodeBlocksConfig: Sendable {
    /// Directory holding block directories (`<from>/<ULID>/meta.json`).
    var from = ""
    /// Directory the rewritten blocks go into (new ULIDs).
    var to = ""
    /// Samples after which a chunk is closed, as the block cut's
    /// `-blocks-storage.tsdb.block-samples-per-chunk`.
    var samplesPerChunk = 120
}

func parseReencodeBlocksFlags(_ arguments: [String]) throws -> ReencodeBlocksConfig? {
    var c = ReencodeBlocksConfig()
    var flags = FlagScanner(arguments)
    while let (name, inline) = try flags.next() {
        switch name {
        case "help", "h": return nil
        case "from": c.from = try flags.value(name, inline)
        case "to": c.to = try flags.value(name, inline)
        case "samples-per-chunk": c.samplesPerChunk = try flags.samplesPerChunk(name, inline)
        default:
            throw FlagError(description: "flag provided but not defined: -\(name)")
        }
    }
    guard !c.from.isEmpty, !c.to.isEmpty else { throw FlagError(description: "-from and -to are required") }
    return c
}

func reencodeBlocksUsage() -> String {
    """
    strata-loadgen reencode-blocks: rewrites every block under -from into -to with Strata's chunk
    encoder, cutting chunks every -samples-per-chunk samples, and prints bytes per sample of both.

    Usage:
      strata-loadgen reencode-blocks -from DIR -to DIR [-samples-per-chunk 120]

    """
}

/// Raised when a block holds something the rewrite cannot carry over unchanged.
struct ReencodeError: Error, CustomStringConvertible {
    var description: String
}

/// Runs `reencode-blocks`; returns the exit code.
func runReencodeBlocks(arguments: [String]) async -> Int32 {
    let config: ReencodeBlocksConfig
    switch startSubcommand("reencode-blocks", arguments, parse: parseReencodeBlocksFlags, usage: reencodeBlocksUsage) {
    case .run(let c): config = c
    case .exit(let code): return code
    }
    let fm = FileManager.default
    let names: [String]
    do {
        names = try fm.contentsOfDirectory(atPath: config.from).sorted()
            .filter { fm.fileExists(atPath: config.from + "/" + $0 + "/" + BlockFormat.metaFileName) }
        try fm.createDirectory(atPath: config.to, withIntermediateDirectories: true)
    } catch {
        log("strata-loadgen reencode-blocks: \(error)")
        return 3
    }
    guard !names.isEmpty else {
        log("strata-loadgen reencode-blocks: no block (a directory with meta.json) under \(config.from)")
        return 3
    }
    var totals = (samples: 0, before: 0, after: 0)
    for name in names {
        do {
            let block = try Block(directory: config.from + "/" + name)
            let series = try reencode(block, samplesPerChunk: config.samplesPerChunk)
            let meta = try BlockWriter.write(parentDirectory: config.to, series: series, thanos: block.meta.thanos,
                                             minTime: block.meta.minTime, maxTime: block.meta.maxTime)
            let before = try directoryBytes(block.directory)
            let after = try directoryBytes(config.to + "/" + meta.ulid)
            let samples = Int(meta.stats.numSamples)
            guard samples == Int(block.meta.stats.numSamples) else {
                throw ReencodeError(description: "rewrote \(samples) samples, the source meta counts \(block.meta.stats.numSamples)")
            }
            totals.samples += samples
            totals.before += before
            totals.after += after
            print("\(name) -> \(meta.ulid): \(meta.stats.numSeries) series, \(group(samples)) samples, "
                + "\(group(before)) -> \(group(after)) bytes, "
                + "\(perSample(before, samples)) -> \(perSample(after, samples)) B/sample")
        } catch {
            log("strata-loadgen reencode-blocks: block \(name): \(error)")
            return 3
        }
    }
    print("reencode-blocks: \(names.count) blocks, \(group(totals.samples)) samples, samples per chunk \(config.samplesPerChunk): "
        + "\(perSample(totals.before, totals.samples)) -> \(perSample(totals.after, totals.samples)) B/sample "
        + "(\(String(format: "%+.1f", (Double(totals.after) / Double(max(totals.before, 1)) - 1) * 100)) %)")
    return 0
}

/// Every series of `block` with its samples re-encoded into chunks of `samplesPerChunk`.
private func reencode(_ block: Block, samplesPerChunk: Int) throws -> [BlockSeries] {
    var out: [BlockSeries] = []
    for ref in try block.index.allPostings() {
        let entry = try block.index.series(ref)
        // ChunkReader refuses any encoding but XOR (native-histogram chunks) with an error naming it.
        var chunks = try entry.chunks.map { try block.chunks.chunk($0) }
        do {
            chunks = try Rechunker.rechunk(chunks, samplesPerChunk: samplesPerChunk, keepingLoneChunk: false)
        } catch {
            throw ReencodeError(description: "series \(entry.labels): \(error)")
        }
        out.append(BlockSeries(labels: entry.labels, chunks: chunks))
    }
    return out
}

/// Total size of the regular files under `path`.
private func directoryBytes(_ path: String) throws -> Int {
    let fm = FileManager.default
    var total = 0
    guard let walker = fm.enumerator(atPath: path) else { throw ReencodeError(description: "cannot list \(path)") }
    while let relative = walker.nextObject() as? String {
        let attributes = try fm.attributesOfItem(atPath: path + "/" + relative)
        if attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int {
            total += size
        }
    }
    return total
}

private func perSample(_ bytes: Int, _ samples: Int) -> String {
    String(format: "%.3f", Double(bytes) / Double(max(samples, 1)))
}
