import ArgumentParser
import Foundation

/// `strata admin …`: the operator's command line over Strata's admin HTTP API.
///
/// The `strata` executable hands every invocation whose first argument is `admin` to `main`;
/// everything else starts the server as before.
public enum StrataAdmin {
    /// Parses `arguments` (those after `admin`), runs the command and returns the exit code
    /// (see `AdminExit`): usage errors are 2 (ArgumentParser's 64 is mapped), help is 0.
    public static func main(arguments: [String]) async -> Int32 {
        let command: any ParsableCommand
        do {
            command = try AdminCommand.parseAsRoot(arguments)
        } catch {
            return report(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
            return AdminExit.success
        } catch let error as AdminError {
            printError("error: \(error)")
            return error.exitCode
        } catch {
            return report(error)
        }
    }

    /// Prints ArgumentParser's message for `error` (help to stdout, errors to stderr) and returns
    /// the exit code.
    static func report(_ error: any Error) -> Int32 {
        let code = AdminCommand.exitCode(for: error)
        let message = AdminCommand.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
            return AdminExit.success
        }
        if !message.isEmpty { printError(message) }
        return code == .validationFailure ? AdminExit.usage : code.rawValue
    }

    /// Writes a line to stderr.
    static func printError(_ text: String) {
        FileHandle.standardError.write(Data(("strata admin: " + text + "\n").utf8))
    }
}

/// The root of the command tree.
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strata admin",
        abstract: "Operate Strata over its admin HTTP API: cardinality, deletes, tenants, blocks, rings, backfill.",
        discussion: """
        Every command talks HTTP to one Strata process (--address, default $STRATA_ADDRESS or \
        \(GlobalOptions.defaultAddress)) as one tenant (--tenant, sent as X-Scope-OrgID; default \
        $STRATA_TENANT). Results print as aligned tables; --output json prints the server's JSON.

        Exit codes: 0 success; 1 the server answered an error or the operation failed; 2 usage \
        error (bad or missing arguments, nothing was sent); 3 not found (unknown block, delete \
        request, ring instance or upload); 4 the server cannot be reached.
        """,
        subcommands: [CardinalityCommand.self, SeriesCommand.self, TenantsCommand.self, BlocksCommand.self,
                      RingCommand.self, BackfillCommand.self]
    )
}

/// Where a command's results go: stdout, as a table or as JSON.
struct Output: Sendable {
    let format: OutputFormat

    /// Whether JSON was asked for.
    var json: Bool { format == .json }

    /// Prints text as it is.
    func text(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Prints a line.
    func line(_ text: String) {
        self.text(text + "\n")
    }

    /// Prints the server's answer as it came.
    func raw(_ response: AdminResponse) {
        var body = response.body
        if body.last != UInt8(ascii: "\n") { body.append(UInt8(ascii: "\n")) }
        FileHandle.standardOutput.write(Data(body))
    }

    /// Prints a JSON document built by the CLI.
    func document(_ value: JSONValue) {
        line(value.prettyText)
    }

    /// Prints a table.
    func table(_ table: Table) {
        text(table.render())
    }

    /// A message for people on stderr (never mixed into the JSON on stdout).
    func note(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Runs a command's body with a client built from the global options, shutting the client down
/// whatever happens.
func withAdminClient(_ global: GlobalOptions, _ body: (AdminClient, Output) async throws(AdminError) -> Void) async throws(AdminError) {
    let client = AdminClient(options: global)
    do {
        try await body(client, Output(format: global.output))
    } catch {
        await client.shutdown()
        throw error
    }
    await client.shutdown()
}
