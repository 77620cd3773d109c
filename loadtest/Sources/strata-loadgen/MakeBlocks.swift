import Foundation
import StrataBlocks
import StrataChunks
import StrataModel

/// `strata-loadgen make-blocks`: writes the simulated fleet's history straight into Prometheus
/// TSDB blocks in a filesystem bucket (`<out>/<tenant>/<ULID>/`), one block per 2h range, with the
/// same label sets and value models as the remote-write load. For store-gateway benchmarks that
/// need days of blocks without days of ingestion.
struct MakeBlocksConfig: Sendable {
    /// Root of the filesystem bucket.
    var out = ""
    /// Tenant directory the blocks go into.
    var tenant = "bench"
    /// Series in the simulated fleet.
    var series = 10_000
    /// Number of consecutive 2h blocks, the newest ending at `end`.
    var blocks = 100
    /// Time between two samples of a series.
    var scrapeInterval: Duration = .seconds(15)
    /// End of the newest block (Unix seconds, rounded down to 2h); now minus a day when unset.
    var end: Int64?
    /// Seed of the sample values.
    var seed: UInt64 = 1
    /// Samples per chunk: Prometheus's 120, or what `-blocks-storage.tsdb.block-samples-per-chunk`
    /// makes Strata's ingester write.
    var samplesPerChunk = 120
}

/// Block range of the generated blocks, as the ingester cuts them.
let makeBlocksRangeMs: Int64 = 2 * 3_600_000
func parseMakeBlocksFlags(_ arguments: [String]) throws -> MakeBlocksConfig? {
    var c = MakeBlocksConfig()
    var flags = FlagScanner(arguments)
    while let (name, inline) = try flags.next() {
        func value() throws -> String { try flags.value(name, inline) }
        func positive() throws -> Int {
            let v = try value()
            guard let n = Int(v), n > 0 else { throw FlagError(description: "invalid value \"\(v)\" for flag -\(name): want a positive integer") }
            return n
        }
        switch name {
        case "help", "h": return nil
        case "out": c.out = try value()
        case "tenant": c.tenant = try value()
        case "series": c.series = try positive()
        case "blocks": c.blocks = try positive()
        case "scrape-interval":
            let v = try value()
            guard let d = try? GoDuration.parseThrowing(v), d >= .seconds(1) else {
                throw FlagError(description: "invalid value \"\(v)\" for flag -scrape-interval: want a duration of at least 1s")
            }
            c.scrapeInterval = d
        case "end":
            let v = try value()
            guard let e = Int64(v), e > 0 else { throw FlagError(description: "invalid value \"\(v)\" for flag -end: want Unix seconds") }
            c.end = e
        case "samples-per-chunk": c.samplesPerChunk = try flags.samplesPerChunk(name, inline)
        case "seed":
            let v = try value()
            guard let s = UInt64(v) else { throw FlagError(description: "invalid value \"\(v)\" for flag -seed") }
            c.seed = s
        default:
            throw FlagError(description: "flag provided but not defined: -\(name)")
        }
    }
    guard !c.out.isEmpty else { throw FlagError(description: "-out is required (the filesystem bucket's root directory)") }
    return c
}

func makeBlocksUsage() -> String {
    """
    strata-loadgen make-blocks: writes the simulated fleet's history as Prometheus TSDB blocks into a
    filesystem bucket, <out>/<tenant>/<ULID>/, one block per 2h range.

    Usage:
      strata-loadgen make-blocks -out DIR [-tenant bench] [-series 10000] [-blocks 100]
                                 [-scrape-interval 15s] [-end UNIX_SECONDS] [-seed 1]
                                 [-samples-per-chunk 120]

    """
}

/// Runs `make-blocks`; returns the exit code.
func runMakeBlocks(arguments: [String]) async -> Int32 {
    let config: MakeBlocksConfig
    switch startSubcommand("make-blocks", arguments, parse: parseMakeBlocksFlags, usage: makeBlocksUsage) {
    case .run(let c): config = c
    case .exit(let code): return code
    }
    let nowMs = Int64(Date().timeIntervalSince1970 * 1000)
    let endMs = ((config.end.map { $0 * 1000 } ?? (nowMs - 86_400_000)) / makeBlocksRangeMs) * makeBlocksRangeMs
    let startMs = endMs - Int64(config.blocks) * makeBlocksRangeMs
    let intervalMs = Int64(config.scrapeInterval.components.seconds) * 1000
    let fleet = Fleet(seriesCount: config.series)
    // Blocks list series in label order; states advance block after block in time order.
    let order = fleet.series.indices.sorted { fleet.series[$0].labels < fleet.series[$1].labels }
    var states = order.map { SeriesState(series: fleet.series[$0], seed: config.seed, nowMs: startMs) }
    let parent = config.out + "/" + config.tenant
    do {
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
        log("strata-loadgen make-blocks: cannot create \(parent): \(error)")
        return 3
    }
    let thanos = BlockMeta.Thanos(labels: [BlockMeta.tenantLabel: config.tenant], source: "receive")
    let started = ContinuousClock.now
    var totalSamples = 0
    for b in 0..<config.blocks {
        let lo = startMs + Int64(b) * makeBlocksRangeMs
        let hi = lo + makeBlocksRangeMs
        var series: [BlockSeries] = []
        series.reserveCapacity(order.count)
        for (k, index) in order.enumerated() {
            var chunks: [EncodedChunk] = []
            var chunk = XORChunk()
            var t = lo
            while t < hi {
                let v = states[k].advance(timestampMs: t, interval: Double(intervalMs) / 1000, resetProbability: 0.0005)
                chunk.append(timestamp: t, value: v)
                if chunk.count == config.samplesPerChunk {
                    chunks.append(chunk.encoded())
                    chunk = XORChunk()
                }
                t += intervalMs
                totalSamples += 1
            }
            if chunk.count > 0 { chunks.append(chunk.encoded()) }
            series.append(BlockSeries(labels: fleet.series[index].labels, chunks: chunks))
        }
        do {
            let meta = try BlockWriter.write(parentDirectory: parent, series: series, thanos: thanos, minTime: lo, maxTime: hi)
            log("block \(b + 1)/\(config.blocks): \(meta.ulid) [\(lo), \(hi)) \(meta.stats.numSeries) series, \(meta.stats.numSamples) samples")
        } catch {
            log("strata-loadgen make-blocks: writing block [\(lo), \(hi)) failed: \(error)")
            return 3
        }
    }
    log("make-blocks: \(config.blocks) blocks, \(group(totalSamples)) samples in \(fmtSeconds((ContinuousClock.now - started).seconds)), "
        + "range [\(startMs / 1000), \(endMs / 1000)] s")
    return 0
}
