import StrataModel
import Testing

@Suite struct TenantIDTests {
    @Test func acceptsMimirCharacterSet() throws {
        let id = try TenantID(validating: "team-a_1.prod!*'()")
        #expect(id.rawValue == "team-a_1.prod!*'()")
        #expect(id.description == "team-a_1.prod!*'()")
    }

    @Test func refusesEmptyDotsLongAndOddCharacters() {
        #expect(throws: TenantIDError.empty) { try TenantID(validating: "") }
        #expect(throws: TenantIDError.unsafe(".")) { try TenantID(validating: ".") }
        #expect(throws: TenantIDError.unsafe("..")) { try TenantID(validating: "..") }
        let long = String(repeating: "a", count: TenantID.maxLength + 1)
        #expect(throws: TenantIDError.tooLong(long)) { try TenantID(validating: long) }
        #expect(throws: TenantIDError.unsupportedCharacter("a/b", "/")) { try TenantID(validating: "a/b") }
        #expect(throws: TenantIDError.unsupportedCharacter("a|b", "|")) { try TenantID(validating: "a|b") }
    }

    @Test func maxLengthIsAccepted() throws {
        let id = try TenantID(validating: String(repeating: "x", count: TenantID.maxLength))
        #expect(id.rawValue.count == 150)
    }

    @Test func messagesFollowMimir() {
        #expect(TenantIDError.empty.description == "no org id")
        #expect(TenantIDError.tooLong("x").description == "tenant ID is too long: max 150 characters")
        #expect(TenantIDError.unsafe("..").description == "tenant ID is '..': '.' and '..' are not allowed")
        #expect(TenantIDError.unsupportedCharacter("a/b", "/").description == "tenant ID 'a/b' contains unsupported character '/'")
    }

    @Test func parseManySortsAndDeduplicates() throws {
        let ids = try TenantID.parseMany("b|a|b")
        #expect(ids.map(\.rawValue) == ["a", "b"])
        #expect(throws: TenantIDError.empty) { try TenantID.parseMany("a||b") }
    }

    @Test func anonymousTenant() {
        #expect(TenantID.anonymous.rawValue == "anonymous")
    }
}
