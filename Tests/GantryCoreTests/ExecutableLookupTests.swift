import Foundation
import GantryCore
import Testing

struct ExecutableLookupTests {
    @Test func aToolIsFoundInPathOnceAndGivenAsAnAbsolutePath() {
        let sh = ExecutableLookup.path(of: "sh")
        #expect(sh.hasPrefix("/") && sh.hasSuffix("/sh") && access(sh, X_OK) == 0, "\(sh)")
        #expect(ExecutableLookup.path(of: "sh") == sh)
    }

    @Test func aPathOrAMissingToolIsLeftAsItIs() {
        #expect(ExecutableLookup.path(of: "./runc") == "./runc")
        #expect(ExecutableLookup.path(of: "/usr/sbin/runc") == "/usr/sbin/runc")
        #expect(ExecutableLookup.path(of: "no-such-tool-\(UUID().uuidString)").hasPrefix("no-such-tool-"))
    }
}
