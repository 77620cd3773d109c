import Testing
@testable import StrataAdmin

@Suite("admin CLI JSON")
struct JSONValueTests {
    @Test("objects keep their order; numbers their text; booleans stay booleans")
    func parse() throws {
        let v = try JSONValue.parse(#"{"b":1,"a":[true,false,null,"x\n\u00e9\ud83d\ude00"],"n":1.5e3,"big":9007199254740993}"#)
        #expect(v.members.map(\.key) == ["b", "a", "n", "big"])
        #expect(v["b"].int == 1 && v["b"].bool == nil)
        #expect(v["a"][0].bool == true && v["a"][1].bool == false && v["a"][2].isNull)
        #expect(v["a"][3].string == "x\né😀")
        #expect(v["n"].double == 1500 && v["n"].cell == "1.5e3")
        #expect(v["big"].int == 9_007_199_254_740_993, "integers beyond 2^53 keep every digit")
        #expect(v["missing"].isNull && v["a"][9].isNull && v["b"]["x"].isNull)
        #expect(try JSONValue.parse("\"1.25\"").double == 1.25, "Prometheus quotes sample values")
    }

    @Test("compact and pretty text parse back to the same value")
    func roundTrip() throws {
        let text = #"{"id":"x","list":[1,{"k":"v"},[]],"empty":{},"q":"a\"b\\c\t"}"#
        let v = try JSONValue.parse(text)
        #expect(v.compactText == text)
        #expect(try JSONValue.parse(v.prettyText) == v)
    }

    @Test("malformed documents are refused, deep nesting too")
    func refusals() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"open", "1 2", "{\"a\":1}}"] {
            #expect(throws: (any Error).self, "\(bad)") { try JSONValue.parse(bad) }
        }
        #expect(throws: (any Error).self) { try JSONValue.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
    }
}
