import ArgumentParser
import Foundation
import NIOCore

/// `strata admin ring …`: the hash rings' members, and removing a dead one.
struct RingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ring",
        abstract: "Show a hash ring's instances; forget an instance that is gone.",
        subcommands: [Show.self, Forget.self]
    )

    /// The rings and the status page each is served at.
    enum Name: String, ExpressibleByArgument, CaseIterable, Sendable {
        case ingester
        case storeGateway = "store-gateway"
        case distributor

        var path: String { "/\(rawValue)/ring" }
    }

    /// The ring's JSON page, or a not-found naming the ring when this process does not serve it.
    static func page(_ ring: Name, client: AdminClient) async throws(AdminError) -> (AdminResponse, JSONValue) {
        try await client.getJSON(ring.path, notFound: "\(client.address) serves no \(ring.rawValue) ring page (a process serves the rings it takes part in)")
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "The ring's instances: state, address, zone, heartbeat age, tokens, ownership.",
            discussion: "Uses GET /ingester/ring, /store-gateway/ring or /distributor/ring with Accept: application/json."
        )
        @OptionGroup var global: GlobalOptions
        @Option(help: "Which ring: ingester, store-gateway or distributor.") var ring: Name = .ingester

        func run() async throws {
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (response, json) = try await RingCommand.page(ring, client: client)
                if out.json { return out.raw(response) }
                let rows = json["shards"].array.map { s -> [String] in
                    [s["id"].cell, s["state"].cell, s["address"].cell, s["zone"].cell,
                     s["heartbeat_age_seconds"].int.map { "\($0)s" } ?? "", s["num_tokens"].cell,
                     s["ownership_percent"].double.map { String(format: "%.2f%%", $0) } ?? ""]
                }
                out.table(Table(headers: ["instance", "state", "address", "zone", "heartbeat", "tokens", "ownership"], rows: rows,
                                emptyText: "(no instances)"))
            }
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "forget",
            abstract: "Remove an instance from the ring (a live instance registers again at its next heartbeat).",
            discussion: "Uses POST /<ring>/ring with forget=<instance-id> (the status page's Forget button). Exit code 3 when the ring has no such instance."
        )
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The instance ID, as `ring show` lists it.") var instanceID: String
        @Option(help: "Which ring: ingester, store-gateway or distributor.") var ring: Name = .ingester

        func validate() throws {
            guard !instanceID.isEmpty else { throw ValidationError("the instance ID must not be empty") }
        }

        func run() async throws {
            try await withAdminClient(global) { client, out throws(AdminError) in
                let (_, page) = try await RingCommand.page(ring, client: client)
                guard page["shards"].array.contains(where: { $0["id"].string == instanceID }) else {
                    throw .notFound("the \(ring.rawValue) ring has no instance \(instanceID)")
                }
                let response = try await client.send(.POST, ring.path, body: .bytes(.init(string: AdminClient.formEncode([("forget", instanceID)]))),
                                                     contentType: "application/x-www-form-urlencoded")
                guard (200..<400).contains(response.status) else {
                    throw AdminClient.failure(response, method: .POST, path: ring.path, notFound: nil)
                }
                if out.json { return out.document(.object([("ring", .string(ring.rawValue)), ("forgotten", .string(instanceID))])) }
                out.line("instance \(instanceID) removed from the \(ring.rawValue) ring")
            }
        }
    }
}
