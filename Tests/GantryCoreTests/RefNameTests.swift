import GantryCore
import Testing

@Suite struct RefNameTests {
    @Test(arguments: ["refs/heads/main", "refs/heads/feature/x-1", "refs/tags/v1.0", "refs/heads/a.b"])
    func acceptsValidRefs(_ name: String) throws {
        #expect(try RefName(name).rawValue == name)
    }

    @Test(arguments: [
        "main", "refs/heads/", "refs/heads/a..b", "refs/heads/a b", "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b",
        "refs/heads/a?", "refs/heads/a*", "refs/heads/[a", "refs/heads/a\\b", "refs/heads/.hidden", "refs/heads/x.lock",
        "refs/heads/a//b", "refs/heads/a@{1}", "refs/heads/a.", "refs/main", "refs/heads/a\u{7}",
    ])
    func rejectsWhatGitCheckRefFormatRejects(_ name: String) {
        #expect(throws: InvalidRefName.self) { try RefName(name) }
    }

    @Test func onlyMainAndMasterDeploy() throws {
        #expect(try RefName.branch("main").isDeployBranch)
        #expect(try RefName.branch("master").isDeployBranch)
        #expect(try !RefName.branch("develop").isDeployBranch)
        #expect(try !RefName("refs/tags/main").isDeployBranch)
        #expect(try RefName.branch("feature/x").branchName == "feature/x")
    }

    @Test func objectIDsAreFortyLowercaseHexDigits() throws {
        #expect(ObjectID.zero.isZero)
        #expect(try ObjectID(String(repeating: "ab", count: 20)).short == "ababab" + "a")
        #expect(throws: InvalidObjectID.self) { try ObjectID("ABCDEF" + String(repeating: "0", count: 34)) }
        #expect(throws: InvalidObjectID.self) { try ObjectID("abc") }
    }
}
