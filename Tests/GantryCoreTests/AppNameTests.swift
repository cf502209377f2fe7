import GantryCore
import Testing

@Suite struct AppNameTests {
    @Test(arguments: ["hello", "a", "my-app-2", "x1", String(repeating: "a", count: 30)])
    func acceptsHerokuStyleNames(_ name: String) throws {
        #expect(try AppName(name).rawValue == name)
    }

    @Test(arguments: [
        ("", "empty"), ("../x", "'.'"), ("a/b", "'/'"), ("Hello", "uppercase"), ("1abc", "start with a letter"),
        ("abc-", "ends with a dash"), (String(repeating: "a", count: 31), "longer than 30"), ("a b", "' '"), ("a.git", "'.'"),
    ])
    func rejectsNamesThatAreNotSafePathComponents(_ name: String, _ reason: String) {
        #expect {
            try AppName(name)
        } throws: { error in
            (error as? InvalidAppName)?.description.contains(reason) == true
        }
    }

    @Test func decodingValidatesTheName() throws {
        #expect(throws: (any Error).self) { try API.decoder().decode([AppName].self, from: Data(#"["../etc"]"#.utf8)) }
        #expect(try API.decoder().decode([AppName].self, from: Data(#"["ok"]"#.utf8)) == [AppName("ok")])
    }
}

import struct Foundation.Data
