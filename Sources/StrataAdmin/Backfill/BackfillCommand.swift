import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import StrataBlocks
import StrataModel

/// `strata admin backfill <block-dir>…`: upload Prometheus blocks for a tenant.
///
/// Every block is checked on this side first (meta.json, the whole index, every chunk, time
/// ranges, layout); nothing is uploaded unless all of them pass. Each then goes through the
/// block-upload API (Mimir's): `start` with meta.json, one `files` request per chunk segment and
/// the index, `finish`, and `check` until the server has validated it again and made it visible.
/// Last, a query for one series of each block runs until it counts the block's samples, and the
/// time from the end of the upload to that moment is reported as "queryable after".
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Validate Prometheus blocks, upload them for the tenant and report when they are queryable.",
        discussion: """
        Uses POST /api/v1/upload/block/<id>/start (body: meta.json), \
        POST /api/v1/upload/block/<id>/files?path=<index|chunks/NNNNNN> (body: the file), \
        POST /api/v1/upload/block/<id>/finish, GET /api/v1/upload/block/<id>/check, then \
        GET /prometheus/api/v1/query until the blocks' samples are visible. Blocks come from \
        Prometheus or `promtool tsdb create-blocks-from`. Data newer than the queriers' \
        -querier.query-store-after is read from the ingesters only, so backfill older data.
        """
    )

    @OptionGroup var global: GlobalOptions
    @Argument(help: ArgumentHelp("Block directories (each holds meta.json, index and chunks/).", valueName: "block-dir"))
    var directories: [String] = []
    @Flag(name: .customLong("dry-run"), help: "Only validate the blocks; upload nothing.") var dryRun = false
    @Flag(name: .customLong("no-wait"), help: "Do not wait for the blocks to become queryable.") var noWait = false
    @Option(name: .customLong("wait-timeout"), help: ArgumentHelp("Seconds to wait for validation and for the samples to be queryable.", valueName: "seconds"))
    var waitTimeout: Double = 300

    static let uploadPath = "/api/v1/upload/block"

    func validate() throws {
        guard !directories.isEmpty else { throw ValidationError("name at least one block directory") }
        guard waitTimeout > 0, waitTimeout.isFinite else { throw ValidationError("--wait-timeout must be a positive number of seconds") }
    }

    /// What happened to one block.
    struct Outcome {
        var block: LocalBlock
        var uploadSeconds: Double = 0
        var uploadedAt: ContinuousClock.Instant? = nil
        var queryableAfter: Double? = nil
    }

    func run() async throws {
        let tenant = try global.requireTenant(for: "backfill")
        let out = Output(format: global.output)
        let blocks = try checkLocally()
        guard !dryRun else {
            if out.json { out.document(.object([("blocks", .array(blocks.map { Self.json(Outcome(block: $0)) })), ("uploaded", .bool(false))])) }
            else { out.line("\(blocks.count) block(s) valid; nothing uploaded (--dry-run)") }
            return
        }
        try await withAdminClient(global) { client, out throws(AdminError) in
            var outcomes = blocks.map { Outcome(block: $0) }
            let total = blocks.reduce(Int64(0)) { $0 + $1.bytes }
            let bar = ProgressBar(enabled: global.showsProgress, total: total, unit: .bytes)
            for i in outcomes.indices {
                let started = ContinuousClock.now
                try await upload(outcomes[i].block, client: client, bar: bar)
                try await waitUntilComplete(outcomes[i].block, client: client)
                outcomes[i].uploadedAt = ContinuousClock.now
                outcomes[i].uploadSeconds = Self.seconds(ContinuousClock.now - started)
                bar.note("block \(outcomes[i].block.meta.ulid): uploaded and validated in \(String(format: "%.1f", outcomes[i].uploadSeconds)) s")
            }
            bar.finish()
            if !noWait {
                try await waitUntilQueryable(&outcomes, client: client)
            }
            if out.json {
                return out.document(.object([("tenant", .string(tenant)), ("uploaded", .bool(true)),
                                             ("blocks", .array(outcomes.map(Self.json)))]))
            }
            out.table(Table(headers: ["block", "min time", "max time", "series", "samples", "size", "upload", "queryable after"],
                            rows: outcomes.map { o in
                                [o.block.meta.ulid, Format.time(milliseconds: o.block.meta.minTime), Format.time(milliseconds: o.block.meta.maxTime),
                                 String(o.block.verification.series), String(o.block.verification.samples), Format.bytes(o.block.bytes),
                                 String(format: "%.1fs", o.uploadSeconds),
                                 o.queryableAfter.map { String(format: "%.1fs", $0) } ?? (noWait ? "not waited" : "not probed")]
                            }))
            if let slowest = outcomes.compactMap(\.queryableAfter).max() {
                out.line("queryable after \(String(format: "%.1f", slowest)) s")
            }
        }
    }

    /// Loads and checks every block; throws listing every problem when any block has one.
    func checkLocally() throws(AdminError) -> [LocalBlock] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var blocks: [LocalBlock] = []
        var failures: [String] = []
        let bar = ProgressBar(enabled: global.showsProgress, total: Int64(directories.count), unit: .items("blocks checked"))
        for (i, directory) in directories.enumerated() {
            bar.update(done: Int64(i), label: directory)
            let block = try LocalBlock.load(directory, now: now)
            for warning in block.warnings { bar.note("\(directory): warning: \(warning)") }
            if !block.problems.isEmpty {
                failures.append("\(directory) (block \(block.meta.ulid)):\n" + block.problems.map { "  - \($0)" }.joined(separator: "\n")
                                + (block.verification.omittedProblems > 0 ? "\n  - … and \(block.verification.omittedProblems) more" : ""))
            }
            blocks.append(block)
        }
        bar.update(done: Int64(directories.count), label: "")
        bar.finish()
        var seen: [String: String] = [:]
        for block in blocks {
            if let other = seen[block.meta.ulid] {
                failures.append("\(block.directory) and \(other) are the same block \(block.meta.ulid); give each block once")
            }
            seen[block.meta.ulid] = block.directory
        }
        let sorted = blocks.sorted { $0.meta.minTime < $1.meta.minTime }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.meta.minTime < a.meta.maxTime && a.meta.ulid != b.meta.ulid {
            Output(format: global.output).note("warning: blocks \(a.meta.ulid) and \(b.meta.ulid) overlap in time; queries merge them and the compactor compacts them together")
        }
        guard failures.isEmpty else {
            throw .operation("nothing was uploaded: \(failures.count) block(s) failed validation:\n" + failures.joined(separator: "\n"))
        }
        return blocks
    }

    /// start, files, finish.
    func upload(_ block: LocalBlock, client: AdminClient, bar: ProgressBar) async throws(AdminError) {
        let id = block.meta.ulid
        let base = "\(Self.uploadPath)/\(id)"
        do {
            _ = try await client.expectSuccess(.POST, base + "/start", body: .bytes(ByteBuffer(bytes: block.metaBytes)),
                                               contentType: "application/json")
        } catch {
            throw Self.explain(error, block: id, step: "starting the upload")
        }
        for file in block.files {
            bar.update(done: bar.done, label: "\(id)/\(file.path)")
            let body = FileBody(path: block.directory + "/" + file.path) { n in bar.advance(by: Int64(n)) }
            // A big segment takes a while on a slow link: allow 2 s per MiB beyond --timeout.
            let seconds = max(global.timeout, Double(file.size) / 1_048_576 * 2)
            do {
                _ = try await client.expectSuccess(.POST, base + "/files", query: [("path", file.path)],
                                                   body: .stream(body, length: .known(file.size)),
                                                   contentType: "application/octet-stream",
                                                   timeout: .nanoseconds(Int64(seconds * 1e9)))
            } catch {
                throw Self.explain(error, block: id, step: "uploading \(file.path)")
            }
        }
        do {
            _ = try await client.postForm(base + "/finish")
        } catch {
            throw Self.explain(error, block: id, step: "finishing the upload")
        }
    }

    /// Polls `check` until the server validated the block and made it visible.
    func waitUntilComplete(_ block: LocalBlock, client: AdminClient) async throws(AdminError) {
        let id = block.meta.ulid
        let deadline = ContinuousClock.now + .milliseconds(Int64(waitTimeout * 1000))
        while true {
            let (_, json) = try await client.getJSON("\(Self.uploadPath)/\(id)/check", notFound: "the server knows no upload of block \(id)")
            switch json["result"].string {
            case "complete":
                return
            case "failed":
                throw .operation("the server rejected block \(id): \(json["error"].cell)")
            default:
                guard ContinuousClock.now < deadline else {
                    throw .operation("block \(id) is still \(json["result"].cell) on the server after \(Int(waitTimeout)) s (--wait-timeout)")
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Queries each block's probe series until the block's samples are counted.
    func waitUntilQueryable(_ outcomes: inout [Outcome], client: AdminClient) async throws(AdminError) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(waitTimeout * 1000))
        var pending = Set(outcomes.indices.filter { outcomes[$0].block.probe != nil })
        while !pending.isEmpty {
            for i in pending.sorted() {
                guard let probe = outcomes[i].block.probe, let uploadedAt = outcomes[i].uploadedAt else { continue }
                let counted = try await count(probe, client: client)
                if counted >= probe.samples {
                    outcomes[i].queryableAfter = Self.seconds(ContinuousClock.now - uploadedAt)
                    pending.remove(i)
                    Output(format: global.output).note("block \(outcomes[i].block.meta.ulid): queryable after \(String(format: "%.1f", outcomes[i].queryableAfter ?? 0)) s")
                }
            }
            if pending.isEmpty { break }
            guard ContinuousClock.now < deadline else {
                let ids = pending.map { outcomes[$0].block.meta.ulid }.sorted().joined(separator: ", ")
                throw .operation("uploaded, but not queryable within \(Int(waitTimeout)) s: \(ids). Store-gateways load new blocks at their next sync (-blocks-storage.bucket-store.sync-interval), and data newer than -querier.query-store-after is read from the ingesters only")
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The samples of the probe series a query counts over the series' span in the block.
    func count(_ probe: LocalBlock.Probe, client: AdminClient) async throws(AdminError) -> Int {
        let range = probe.maxTime - probe.minTime + 1
        let query = "count_over_time(\(Self.selector(probe.labels))[\(range)ms])"
        let time = String(format: "%.3f", Double(probe.maxTime) / 1000)
        let (_, json) = try await client.getJSON("/prometheus/api/v1/query", query: [("query", query), ("time", time)])
        return json["data"]["result"][0]["value"][1].int ?? 0
    }

    /// `{__name__="x", job="y"}` matching exactly `labels`.
    static func selector(_ labels: Labels) -> String {
        "{" + labels.map { "\($0.name)=\(JSONValue.quote($0.value))" }.joined(separator: ", ") + "}"
    }

    /// Adds which block and step failed to a server's refusal.
    static func explain(_ error: AdminError, block: String, step: String) -> AdminError {
        switch error {
        case .server(let status, let message):
            return .server(status: status, message: "block \(block): \(step): \(message)")
        case .notFound(let message):
            return .operation("block \(block): \(step): \(message); is the block upload API served at this address (a process with bucket access)?")
        default:
            return error
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func json(_ o: Outcome) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(o.block.meta.ulid)), ("directory", .string(o.block.directory)),
            ("min_time", .number(String(o.block.meta.minTime))), ("max_time", .number(String(o.block.meta.maxTime))),
            ("series", .number(String(o.block.verification.series))), ("samples", .number(String(o.block.verification.samples))),
            ("bytes", .number(String(o.block.bytes))),
            ("warnings", .array(o.block.warnings.map(JSONValue.string))),
        ]
        if o.uploadedAt != nil { members.append(("upload_seconds", .number(String(format: "%.3f", o.uploadSeconds)))) }
        if let q = o.queryableAfter { members.append(("queryable_after_seconds", .number(String(format: "%.3f", q)))) }
        return .object(members)
    }
}
