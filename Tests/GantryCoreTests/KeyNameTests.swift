import GantryCore
import Testing

@Suite struct KeyNameTests {
    @Test(arguments: ["alice", "alice@laptop", "ci-runner_2", "A.b", "7", String(repeating: "k", count: 64)])
    func acceptsPeopleAndMachineNames(_ name: String) throws {
        #expect(try KeyName(name).rawValue == name)
    }

    @Test(arguments: [
        ("", "empty"), ("-x", "start with a letter or digit"), ("@home", "start with a letter or digit"), ("a b", "' '"),
        ("a/b", "'/'"), ("é", "'\\u{00E9}'"), (String(repeating: "k", count: 65), "longer than 64"),
    ])
    func rejectsOtherNames(_ name: String, _ reason: String) {
        #expect {
            try KeyName(name)
        } throws: { error in
            (error as? InvalidKeyName)?.description.contains(reason) == true
        }
    }
}
