import Foundation
import StrataBlocks
import StrataModel

/// A Prometheus block on the operator's disk, checked before it is uploaded.
struct LocalBlock: Sendable {
    /// One file to upload, relative to the block directory.
    struct File: Sendable, Equatable {
        /// `index` or `chunks/000001`…
        var path: String
        /// Size in bytes.
        var size: Int64
    }

    /// A series of the block and how many samples it has there: after the upload, a query for
    /// it that counts at least as many samples shows the block is being served.
    struct Probe: Sendable, Equatable {
        var labels: Labels
        var samples: Int
        /// First and last sample time of the series in the block, ms.
        var minTime: Int64
        var maxTime: Int64
    }

    /// The directory as given.
    let directory: String
    /// Its `meta.json`, as read (and as sent to the server's `start`).
    let metaBytes: [UInt8]
    /// The parsed `meta.json`.
    let meta: BlockMeta
    /// What verification found.
    let verification: BlockVerification
    /// Files to upload, chunk segments then the index (as the ingester ships them).
    let files: [File]
    /// Problems found outside the block's own data (layout, time range).
    let layoutProblems: [String]
    /// Oddities that do not stop the upload.
    let layoutWarnings: [String]
    /// The series a query looks for to see the block served (raw blocks with series only).
    let probe: Probe?

    /// Every problem: the block is uploaded only when there is none.
    var problems: [String] { layoutProblems + verification.problems }
    /// Every warning.
    var warnings: [String] { layoutWarnings + verification.warnings }
    /// Bytes to upload.
    var bytes: Int64 { files.reduce(0) { $0 + $1.size } }

    /// How far in the future a block may end (clock skew between the operator and the data).
    static let futureTolerance: Int64 = 10 * 60 * 1000

    /// Reads and checks the block in `directory`. Throws only when there is nothing to check
    /// (no directory, no readable `meta.json`); every other defect is listed in `problems`.
    static func load(_ directory: String, now: Int64, progress: ((Int, Int) -> Void)? = nil) throws(AdminError) -> LocalBlock {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .usage("\(directory) is not a directory: give the directory of a Prometheus block (the one holding meta.json)")
        }
        let metaPath = directory + "/" + BlockFormat.metaFileName
        guard let data = fm.contents(atPath: metaPath) else {
            throw .operation("\(directory): no readable meta.json; is this a Prometheus block directory?")
        }
        let metaBytes = Array(data)
        let meta: BlockMeta
        do {
            meta = try BlockMeta.decode(metaBytes, path: metaPath)
        } catch {
            throw .operation("\(directory): \(error)")
        }
        var problems: [String] = []
        var warnings: [String] = []
        let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        if name != meta.ulid {
            warnings.append("the directory is named \(name) but meta.json names block \(meta.ulid); it is uploaded as \(meta.ulid)")
        }
        if meta.maxTime > now + futureTolerance {
            problems.append("meta.json: maxTime \(Format.time(milliseconds: meta.maxTime)) is in the future")
        }
        let (files, layoutProblems) = uploadFiles(directory)
        problems += layoutProblems
        let verification = BlockVerifier.verify(directory: directory, progress: progress)
        var probe: Probe? = nil
        if verification.ok, (meta.thanos?.downsample.resolution ?? 0) == 0 {
            probe = firstSeries(directory)
        }
        return LocalBlock(directory: directory, metaBytes: metaBytes, meta: meta, verification: verification, files: files,
                          layoutProblems: problems, layoutWarnings: warnings, probe: probe)
    }

    /// The files to upload and the problems of the directory's layout: only `index`,
    /// `chunks/NNNNNN` and an empty `tombstones` (not uploaded) belong in a block.
    static func uploadFiles(_ directory: String) -> ([File], [String]) {
        let fm = FileManager.default
        var files: [File] = []
        var problems: [String] = []
        func size(_ path: String) -> Int64? {
            (try? fm.attributesOfItem(atPath: directory + "/" + path)[.size] as? NSNumber)?.int64Value
        }
        let top = ((try? fm.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for entry in top {
            switch entry {
            case BlockFormat.metaFileName, BlockFormat.tombstonesFileName:
                // meta.json goes with `start`; tombstones must be empty (checked by the reader) and are not needed.
                continue
            case BlockFormat.indexFileName:
                continue
            case BlockFormat.chunksDirectoryName:
                let segments = ((try? fm.contentsOfDirectory(atPath: directory + "/" + entry)) ?? []).sorted()
                for (i, segment) in segments.enumerated() {
                    guard segment == BlockFormat.segmentFileName(i) else {
                        problems.append("chunks/\(segment): unexpected file; chunk segments are named 000001, 000002, … without gaps")
                        continue
                    }
                    let path = BlockFormat.chunksDirectoryName + "/" + segment
                    files.append(File(path: path, size: size(path) ?? 0))
                }
            default:
                problems.append("\(entry): unexpected file in a block directory (a block holds meta.json, index, chunks/ and tombstones)")
            }
        }
        if top.contains(BlockFormat.indexFileName) {
            files.append(File(path: BlockFormat.indexFileName, size: size(BlockFormat.indexFileName) ?? 0))
        } else {
            problems.append("index: missing")
        }
        return (files, problems)
    }

    /// The block's first series and its sample count, from its chunks' headers: XOR, histogram
    /// and float-histogram chunks all begin with the big-endian 16-bit count of their samples
    /// (docs/format/chunks.md), and `count_over_time` counts float and histogram samples alike.
    /// A series with any other chunk (a downsampled aggregate) gives no probe.
    static func firstSeries(_ directory: String) -> Probe? {
        guard let block = try? Block(directory: directory), let ref = try? block.index.allPostings().first,
              let entry = try? block.index.series(ref), let first = entry.chunks.first, let last = entry.chunks.last else { return nil }
        var samples = 0
        for meta in entry.chunks {
            guard let chunk = try? block.chunks.chunk(meta), let count = sampleCount(chunk.encoding, chunk.data) else { return nil }
            samples += count
        }
        return Probe(labels: entry.labels, samples: samples, minTime: first.minTime, maxTime: last.maxTime)
    }

    /// The sample count a chunk's header declares, or nil for an encoding without one or a
    /// chunk too short to hold its header (XOR: 2 bytes; histogram chunks: 3, the count then
    /// the counter-reset flags).
    static func sampleCount(_ encoding: ChunkEncoding, _ data: some Collection<UInt8>) -> Int? {
        let header: Int
        switch encoding {
        case .xor: header = 2
        case .histogram, .floatHistogram: header = 3
        case .aggregate: return nil
        }
        guard data.count >= header else { return nil }
        let bytes = data.prefix(2).map(Int.init)
        return bytes[0] << 8 | bytes[1]
    }
}
