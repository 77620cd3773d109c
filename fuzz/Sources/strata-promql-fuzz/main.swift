import Foundation
import StrataPromQLTestSupport

// strata-promql-fuzz -cases N -seed S -corpus DIR [-log FILE] [-timeout-ms MS]
//
// Runs N generated queries through the PromQL engine. Each case is written to the log file
// before it runs, so the last line of the log reproduces a crash. Exits 1 when a query
// overran its deadline or failed with an internal error.

var cases = 100_000
var seed: UInt64 = 1
var corpus = Corpus.directory
var logPath = "strata-promql-fuzz.log"
var timeoutMs = 50
var args = CommandLine.arguments.dropFirst()
func usage(_ message: String) -> Never {
    FileHandle.standardError.write(Data("strata-promql-fuzz: \(message)\nusage: strata-promql-fuzz -cases N -seed S -corpus DIR [-log FILE] [-timeout-ms MS]\n".utf8))
    exit(2)
}
while let flag = args.popFirst() {
    guard let value = args.popFirst() else { usage("\(flag) needs a value") }
    switch flag {
    case "-cases", "--cases": guard let n = Int(value), n >= 0 else { usage("bad -cases \(value)") }; cases = n
    case "-seed", "--seed": guard let n = UInt64(value) else { usage("bad -seed \(value)") }; seed = n
    case "-corpus", "--corpus": corpus = URL(fileURLWithPath: value)
    case "-log", "--log": logPath = value
    case "-timeout-ms", "--timeout-ms": guard let n = Int(value), n > 0 else { usage("bad -timeout-ms \(value)") }; timeoutMs = n
    default: usage("unknown flag \(flag)")
    }
}

guard FileManager.default.createFile(atPath: logPath, contents: nil), let log = FileHandle(forWritingAtPath: logPath) else {
    usage("cannot write the log file \(logPath)")
}
var options = QueryFuzzer.Options(cases: cases, seed: seed, corpus: corpus)
options.timeout = .milliseconds(timeoutMs)
let fuzzer: QueryFuzzer
do {
    fuzzer = try QueryFuzzer(options: options)
} catch {
    usage("\(error)")
}
print("strata-promql-fuzz: \(cases) cases, seed \(seed), \(fuzzer.seeds.count) corpus expressions, timeout \(timeoutMs) ms, log \(logPath)")
let summary = await fuzzer.run { c in
    // Written unbuffered, so the case is on disk if the process dies running it.
    log.write(Data((c.description + "\n").utf8))
}
for line in summary.overruns.prefix(20) { print("overrun: \(line)") }
for line in summary.internalErrors.prefix(20) { print("internal error: \(line)") }
print("slowest: \(summary.slowest)")
print(summary)
exit(summary.overruns.isEmpty && summary.internalErrors.isEmpty ? 0 : 1)
