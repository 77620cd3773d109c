import StrataModel
import Testing

@Suite("Query shard matcher")
struct QueryShardTests {
    @Test("well-formed values parse to a zero-based index and print back unchanged")
    func parsesValid() throws {
        let one = try QueryShard(parsing: "1_of_1")
        #expect(one.index == 0 && one.count == 1)
        #expect(one.description == "1_of_1")
        let last = try QueryShard(parsing: "16_of_16")
        #expect(last.index == 15 && last.count == 16)
        #expect(last.description == "16_of_16")
        let max = try QueryShard(parsing: "512_of_512")
        #expect(max.index == 511 && max.count == QueryShard.maxShards)
        // Leading zeros are still decimal digits, as Mimir's strconv.Atoi reads them.
        #expect(try QueryShard(parsing: "03_of_016") == QueryShard(index: 2, count: 16))
        #expect(QueryShard(index: 2, count: 16)?.matcher.description == #"__query_shard__="3_of_16""#)
    }

    @Test("malformed or out-of-range values are refused with the error ID, never trapped on",
          arguments: [
              ("0_of_4", "badIndex"), ("5_of_4", "badIndex"), ("-1_of_2", "malformed"),
              ("1_of_0", "badCount"), ("1_of_513", "badCount"),
              ("x", "malformed"), ("1_of_", "malformed"), ("_of_2", "malformed"),
              ("1_of_99999999999999", "malformed"), (" 1_of_2", "malformed"), ("1_of_2 ", "malformed"),
              ("", "malformed"), ("1_OF_2", "malformed"), ("1_of_2_of_3", "malformed"), ("+1_of_2", "malformed"),
              ("1_of_١٢", "malformed"),
          ])
    func refusesInvalid(value: String, kind: String) {
        do {
            let shard = try QueryShard(parsing: value)
            Issue.record("\"\(value)\" parsed as \(shard)")
        } catch {
            #expect(Self.kind(of: error) == kind, "\"\(value)\": \(error)")
            #expect(error.description.contains("err-strata-invalid-query-shard"))
            #expect(error.description.contains("__query_shard__"))
        }
    }

    @Test("the zero-based initialiser refuses what the parser refuses")
    func zeroBasedInit() {
        #expect(QueryShard(index: 0, count: 1) != nil)
        #expect(QueryShard(index: 511, count: 512) != nil)
        #expect(QueryShard(index: -1, count: 4) == nil)
        #expect(QueryShard(index: 4, count: 4) == nil)
        #expect(QueryShard(index: 0, count: 0) == nil)
        #expect(QueryShard(index: 0, count: 513) == nil)
    }

    @Test("every series is in exactly one shard, by its stable label hash")
    func membership() throws {
        let series = (0..<200).map { Labels(["__name__": "m", "i": "\($0)"]) }
        for n in [1, 3, 16] {
            var counts = [Int](repeating: 0, count: n)
            for labels in series {
                let owners = (0..<n).filter { i in QueryShard(index: i, count: n)?.contains(labels) == true }
                #expect(owners.count == 1)
                #expect(owners.first == Int(labels.stableHash % UInt64(n)))
                if let o = owners.first { counts[o] += 1 }
            }
            // A hash that spreads: no shard of a few is empty over 200 series.
            if n <= 3 { #expect(counts.allSatisfy { $0 > 0 }) }
        }
    }

    @Test("extract takes the shard matcher out and keeps the others in order")
    func extracts() throws {
        let job = try LabelMatcher(.equal, "job", "api")
        let name = try LabelMatcher(.regexMatch, "__name__", "up|down")
        let none = try QueryShard.extract(from: [job, name])
        #expect(none.shard == nil)
        #expect(none.rest.map(\.description) == [job.description, name.description])

        let shardMatcher = try LabelMatcher(.equal, QueryShard.labelName, "2_of_3")
        let got = try QueryShard.extract(from: [job, shardMatcher, name])
        #expect(got.shard == QueryShard(index: 1, count: 3))
        #expect(got.rest.map(\.description) == [job.description, name.description])

        let only = try QueryShard.extract(from: [shardMatcher])
        #expect(only.shard == QueryShard(index: 1, count: 3))
        #expect(only.rest.isEmpty)

        // The same shard twice is harmless (a selector rewritten twice).
        let twice = try QueryShard.extract(from: [shardMatcher, job, shardMatcher])
        #expect(twice.shard == QueryShard(index: 1, count: 3))
        #expect(twice.rest.map(\.description) == [job.description])
    }

    @Test("extract refuses non-equality, malformed and conflicting shard matchers")
    func extractRefuses() throws {
        let job = try LabelMatcher(.equal, "job", "api")
        let cases: [([LabelMatcher], String)] = [
            ([job, try LabelMatcher(.notEqual, QueryShard.labelName, "1_of_2")], "notEquality"),
            ([try LabelMatcher(.regexMatch, QueryShard.labelName, "1_of_2"), job], "notEquality"),
            ([try LabelMatcher(.regexNoMatch, QueryShard.labelName, ".*"), job], "notEquality"),
            ([job, try LabelMatcher(.equal, QueryShard.labelName, "1_of_2"), try LabelMatcher(.equal, QueryShard.labelName, "2_of_2")], "conflicting"),
            ([try LabelMatcher(.equal, QueryShard.labelName, "1_of_2"), try LabelMatcher(.equal, QueryShard.labelName, "1_of_4")], "conflicting"),
            ([job, try LabelMatcher(.equal, QueryShard.labelName, "")], "malformed"),
            ([job, try LabelMatcher(.equal, QueryShard.labelName, "3_of_2")], "badIndex"),
        ]
        for (matchers, kind) in cases {
            do {
                let got = try QueryShard.extract(from: matchers)
                Issue.record("\(matchers) extracted as \(String(describing: got.shard))")
            } catch {
                #expect(Self.kind(of: error) == kind, "\(matchers): \(error)")
                #expect(error.description.contains("err-strata-invalid-query-shard"))
            }
        }
    }

    /// The case name of a shard error, for comparing without its payload.
    static func kind(of error: QueryShardError) -> String {
        switch error {
        case .malformed: return "malformed"
        case .badCount: return "badCount"
        case .badIndex: return "badIndex"
        case .notEquality: return "notEquality"
        case .conflicting: return "conflicting"
        }
    }
}
