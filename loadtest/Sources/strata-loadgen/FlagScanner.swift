import StrataChunks

/// Walks the Go-style flags of a subcommand (`make-blocks`, `query-bench`, `reencode-blocks`): `-name value`,
/// `-name=value`, any number of leading dashes. The subcommand decides what each name means.
struct FlagScanner {
    private let arguments: [String]
    private var index = 0

    init(_ arguments: [String]) {
        self.arguments = arguments
    }

    /// The next flag's name and the value written after `=`, if any; nil after the last flag.
    mutating func next() throws -> (name: String, inline: String?)? {
        guard index < arguments.count else { return nil }
        var arg = Substring(arguments[index])
        index += 1
        guard arg.hasPrefix("-") else { throw FlagError(description: "unexpected argument \"\(arg)\"") }
        arg = arg.drop { $0 == "-" }
        var inline: String?
        if let eq = arg.firstIndex(of: "=") {
            inline = String(arg[arg.index(after: eq)...])
            arg = arg[..<eq]
        }
        return (String(arg), inline)
    }

    /// The value of flag `name`: its inline value, or else the next argument.
    mutating func value(_ name: String, _ inline: String?) throws -> String {
        if let inline { return inline }
        guard index < arguments.count else { throw FlagError(description: "flag needs an argument: -\(name)") }
        index += 1
        return arguments[index - 1]
    }

    /// The value of a `-samples-per-chunk` flag: what a chunk's 2-byte count can hold, 1 to 65535.
    mutating func samplesPerChunk(_ name: String, _ inline: String?) throws -> Int {
        let v = try value(name, inline)
        guard let n = Int(v), (1...XORChunk.maxEncodableSamples).contains(n) else {
            throw FlagError(description: "invalid value \"\(v)\" for flag -\(name): want 1 to 65535")
        }
        return n
    }
}

/// What a subcommand does after reading its flags: run with the configuration, or exit at once.
enum SubcommandStart<Config> {
    case run(Config)
    case exit(Int32)
}

/// Reads the flags of subcommand `name`: `.run` with the configuration, or `.exit(0)` after
/// printing `usage` for `-help`, or `.exit(2)` after logging what is wrong with a flag.
func startSubcommand<Config>(_ name: String, _ arguments: [String], parse: ([String]) throws -> Config?,
                             usage: () -> String) -> SubcommandStart<Config> {
    do {
        guard let config = try parse(arguments) else {
            print(usage(), terminator: "")
            return .exit(0)
        }
        return .run(config)
    } catch {
        log("strata-loadgen \(name): \(error)")
        return .exit(2)
    }
}
