import Foundation
import Testing
@testable import StrataPromQL
@testable import StrataPromQLTestSupport

@Suite("Parser fuzz")
struct FuzzTests {
    /// Bytes that steer mutations toward interesting PromQL.
    static let alphabet: [UInt8] = Array(#"(){}[],:@+-*/%^=!~<>"'`#. 0123456789abcdefxyzmshdwyEeINFnaN_é"#.utf8)
        + [0x5C, 0x0A, 0x09, 0xFF, 0x00, 0xC3]
    static let fragments = [
        "sum", " by (a)", " without ()", "rate(", "[5m]", "[1h:]", "[5m:1m]", " offset 5m", " offset -1h30m", " @ 100", " @ start()",
        " and ", " or ", " unless ", " + ", " ^ ", " == bool ", " * on(a) group_left(b) ", " / ignoring(c) ",
        "{a=\"b\"}", "{\"x.y\"}", "{__name__=~\".+\"}", "\"str\"", "'s\\x41'", "`raw`", "0x1f", "1e3", "Inf", "NaN",
        "topk(3, ", "count_values(\"v\", ", "label_replace(", "histogram_quantile(0.9, ", "(", ")", ",", "# c\n",
        "quantile_over_time(0.5, ", "abs(", "-", "time()", "vector(1)", "1.5", "foo", "bar:baz",
    ]

    static func seeds() throws -> [String] {
        var seeds = printCases.map(\.input) + errorCases.map(\.input)
        for url in try Corpus.files() {
            seeds += try Corpus.cases(in: url).map(\.expression)
        }
        return seeds.filter { !$0.isEmpty }
    }

    static func mutate(_ input: [UInt8], _ other: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var s = input
        let rounds = Int.random(in: 1...4, using: &rng)
        for _ in 0..<rounds {
            let pos = s.isEmpty ? 0 : Int.random(in: 0...s.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where !s.isEmpty && pos < s.count:
                s.remove(at: pos)
            case 1:
                s.insert(alphabet.randomElement(using: &rng) ?? 0x20, at: pos)
            case 2 where !s.isEmpty && pos < s.count:
                s[pos] = alphabet.randomElement(using: &rng) ?? 0x20
            case 3:
                // Splice: a prefix of this one and a suffix of another.
                let cut = other.isEmpty ? 0 : Int.random(in: 0...other.count, using: &rng)
                s = Array(s[..<pos]) + Array(other[cut...])
            case 4:
                s.insert(contentsOf: Array((fragments.randomElement(using: &rng) ?? "").utf8), at: pos)
            case 5 where !s.isEmpty:
                // Delete a run.
                let end = min(s.count, pos + Int.random(in: 1...8, using: &rng))
                if pos < end { s.removeSubrange(pos..<end) }
            default:
                // Duplicate a run.
                if !s.isEmpty {
                    let start = Int.random(in: 0..<s.count, using: &rng)
                    let end = min(s.count, start + Int.random(in: 1...12, using: &rng))
                    s.insert(contentsOf: Array(s[start..<end]), at: min(pos, s.count))
                }
            }
        }
        return s
    }

    @Test("≥100,000 mutated and random inputs parse or fail with a position inside the input")
    func fuzz() throws {
        let seeds = try Self.seeds().map { Array($0.utf8) }
        try #require(seeds.count > 1000)
        var rng = SeededRandom(seed: 0x5EED_0F_57A7A)
        let iterations = 120_000
        var parsed = 0, failed = 0, roundTripFailures: [String] = []
        for i in 0..<iterations {
            let bytes: [UInt8]
            if i % 10 == 9 {
                // Pure random token soup.
                var soup: [UInt8] = []
                for _ in 0..<Int.random(in: 0...12, using: &rng) {
                    if Bool.random(using: &rng) {
                        soup += Array((Self.fragments.randomElement(using: &rng) ?? "").utf8)
                    } else {
                        soup.append(Self.alphabet.randomElement(using: &rng) ?? 0x20)
                    }
                }
                bytes = soup
            } else {
                let a = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                let b = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
                bytes = Self.mutate(a, b, &rng)
            }
            let input = String(decoding: bytes, as: UTF8.self)
            do {
                let expr = try PromQL.parse(input)
                parsed += 1
                let printed = PromQL.format(expr)
                if let again = try? PromQL.parse(printed), again == expr {
                    // Round trip holds.
                } else if roundTripFailures.count < 20 {
                    roundTripFailures.append("\(input) => \(printed)")
                }
            } catch {
                failed += 1
                let n = input.utf8.count
                if !(error.position.start >= 0 && error.position.start <= n && error.position.end <= n
                     && error.line >= 1 && error.column >= 1) {
                    Issue.record("bad error position for \(input.debugDescription): \(error)")
                }
            }
        }
        print("fuzz: \(iterations) inputs, \(parsed) parsed, \(failed) rejected")
        #expect(parsed + failed == iterations)
        #expect(parsed > 1000 && failed > 1000, "the mutations should produce both kinds")
        #expect(roundTripFailures.isEmpty, "\(roundTripFailures)")
    }
}
