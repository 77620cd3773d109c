import ArgumentParser
import Foundation

/// How results are printed.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// Aligned columns for people.
    case table
    /// The server's JSON answer as it came (or a JSON document of the result), for scripts.
    case json
}

/// The options every `strata admin` command takes: where the server is, who asks, and how to
/// print. `--address` and `--tenant` fall back to `$STRATA_ADDRESS` and `$STRATA_TENANT`.
public struct GlobalOptions: ParsableArguments, Sendable {
    /// The default server: `-server.http-listen-port`'s default on this machine.
    public static let defaultAddress = "http://localhost:8080"

    @Option(name: .long, help: ArgumentHelp("Base URL of a Strata process (default: $STRATA_ADDRESS, else \(GlobalOptions.defaultAddress)).", valueName: "url"))
    var address: String?

    @Option(name: .long, help: ArgumentHelp("Tenant to act on, sent as X-Scope-OrgID (default: $STRATA_TENANT).", valueName: "id"))
    var tenant: String?

    @Option(name: .long, help: ArgumentHelp("Who is acting, sent as X-Strata-User (recorded in the delete audit log).", valueName: "name"))
    var user: String?

    @Option(name: .long, help: "Output format: table (aligned columns) or json (the server's JSON).")
    var output: OutputFormat = .table

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for each HTTP answer.", valueName: "seconds"))
    var timeout: Double = 30

    @Flag(name: .long, help: "Show progress bars on stderr even when it is not a terminal.")
    var progress = false

    public init() {}

    public mutating func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
        }
        let address = resolvedAddress
        guard let url = URL(string: address), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil else {
            throw ValidationError("--address \"\(address)\" is not an http:// or https:// URL, e.g. http://strata:8080")
        }
        if let tenant = resolvedTenant, tenant.isEmpty || tenant.contains("|") {
            throw ValidationError("--tenant \"\(tenant)\" must name exactly one tenant")
        }
    }

    /// `--address`, `$STRATA_ADDRESS` or the default, without a trailing slash.
    var resolvedAddress: String {
        var value = address ?? ProcessInfo.processInfo.environment["STRATA_ADDRESS"] ?? Self.defaultAddress
        if value.isEmpty { value = Self.defaultAddress }
        while value.hasSuffix("/") { value.removeLast() }
        return value
    }

    /// `--tenant` or `$STRATA_TENANT`; nil when neither is set.
    var resolvedTenant: String? {
        if let tenant { return tenant }
        if let env = ProcessInfo.processInfo.environment["STRATA_TENANT"], !env.isEmpty { return env }
        return nil
    }

    /// The tenant, or a usage error naming the command that needs one.
    func requireTenant(for command: String) throws(AdminError) -> String {
        guard let tenant = resolvedTenant else {
            throw .usage("\(command) acts on one tenant: pass --tenant <id> (or set STRATA_TENANT)")
        }
        return tenant
    }

    /// Whether progress bars are drawn: `--progress`, or stderr is a terminal.
    var showsProgress: Bool { progress || isatty(STDERR_FILENO) == 1 }
}
