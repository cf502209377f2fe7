import Foundation
import GantryCore
import Testing

@Suite struct ConfigKeyTests {
    @Test(arguments: ["A", "a", "_", "DATABASE_URL", "debug", "_PRIVATE", "K8S_2", String(repeating: "K", count: 256)])
    func acceptsShellVariableNames(_ key: String) throws {
        #expect(try ConfigKey(key).rawValue == key)
    }

    @Test(arguments: [
        ("", InvalidConfigKey.Problem.empty), ("1ABC", .characters), ("9", .characters), ("A-B", .characters),
        ("A B", .characters), ("A.B", .characters), ("A=B", .characters), ("É", .characters), ("A\n", .characters),
        ("A\u{0}", .characters), (String(repeating: "K", count: 257), .tooLong),
    ])
    func rejectsOtherKeys(_ key: String, _ problem: InvalidConfigKey.Problem) {
        #expect(throws: InvalidConfigKey(key: key, problem: problem)) { try ConfigKey(key) }
    }

    @Test func messageNamesTheKeyAndTheRule() {
        #expect(InvalidConfigKey(key: "1ABC", problem: .characters).description
            == "invalid config key '1ABC': use letters, digits and _, not starting with a digit")
        #expect(InvalidConfigKey(key: "", problem: .empty).description.hasPrefix("invalid config key '': a key cannot be empty"))
        let long = InvalidConfigKey(key: String(repeating: "K", count: 300), problem: .tooLong).description
        #expect(long.contains("it is 300 characters long; use at most 256"))
        #expect(long.count < 200, "a long key is shortened in the message")
        #expect(InvalidConfigKey(key: "A\nB", problem: .characters).description.contains(#"'A\nB'"#))
    }

    @Test func decodingValidatesTheKey() throws {
        #expect(throws: (any Error).self) { try API.decoder().decode([ConfigKey].self, from: Data(#"["1A"]"#.utf8)) }
        #expect(try API.decoder().decode([ConfigKey].self, from: Data(#"["A_1"]"#.utf8)) == [ConfigKey("A_1")])
    }
}

@Suite struct ConfigValueTests {
    let key = try! ConfigKey("BIG")

    @Test func acceptsUpTo32KiBOfUTF8() throws {
        try ConfigValue.validate("", of: key)
        try ConfigValue.validate(String(repeating: "x", count: 32768), of: key)
        try ConfigValue.validate(String(repeating: "é", count: 16384), of: key)
        try ConfigValue.validate("line 1\nline 2\t“quoted” 🚀", of: key)
    }

    @Test func rejectsLargerValuesCountingBytes() {
        #expect(throws: InvalidConfigVar.valueTooLarge(ConfigValueTooLarge(key: "BIG", size: 32769))) {
            try ConfigValue.validate(String(repeating: "x", count: 32769), of: key)
        }
        // 16,385 characters, 32,770 bytes.
        #expect(throws: InvalidConfigVar.valueTooLarge(ConfigValueTooLarge(key: "BIG", size: 32770))) {
            try ConfigValue.validate(String(repeating: "é", count: 16385), of: key)
        }
        #expect(ConfigValueTooLarge(key: "BIG", size: 40000).description
            == "the value of config var 'BIG' is 40000 bytes; values are limited to 32768 bytes (32 KiB)")
    }

    @Test func rejectsNUL() {
        #expect(throws: InvalidConfigVar.valueContainsNUL(key: "BIG")) { try ConfigValue.validate("a\u{0}b", of: key) }
        #expect(InvalidConfigVar.valueContainsNUL(key: "BIG").description.contains("'BIG' contains a NUL character"))
    }
}

@Suite struct ConfigChangeTests {
    @Test func nullUnsetsAndStringsSet() throws {
        let change = try API.decoder().decode(ConfigChange.self, from: Data(#"{"A": "1", "B": null, "C": "", "D": "x=y"}"#.utf8))
        #expect(change.set == ["A": "1", "C": "", "D": "x=y"])
        #expect(change.unset == ["B"])
        #expect(change == ConfigChange(set: ["A": "1", "C": "", "D": "x=y"], unset: ["B"]))
        #expect(!change.isEmpty)
        #expect(try API.decoder().decode(ConfigChange.self, from: Data("{}".utf8)).isEmpty)
    }

    @Test func encodesNullForUnsetKeys() throws {
        let json = String(decoding: try API.encoder().encode(ConfigChange(set: ["A": "1"], unset: ["B"])), as: UTF8.self)
        #expect(json == #"{"A":"1","B":null}"#)
        let change = ConfigChange(set: ["K": "v\n\"'"], unset: ["X", "Y"])
        #expect(try API.decoder().decode(ConfigChange.self, from: API.encoder().encode(change)) == change)
    }

    @Test func decodingLeavesKeysToTheServerButRequiresStrings() throws {
        // An invalid key decodes, so the server can name it in its own message.
        #expect(try API.decoder().decode(ConfigChange.self, from: Data(#"{"1A": "x"}"#.utf8)).set == ["1A": "x"])
        for body in [#"{"PORT": 5000}"#, #"{"A": {"b": 1}}"#, #"{"A": true}"#, #"["A"]"#, #""A=1""#, "{"] {
            #expect(throws: DecodingError.self) { try API.decoder().decode(ConfigChange.self, from: Data(body.utf8)) }
        }
        #expect {
            try API.decoder().decode(ConfigChange.self, from: Data(#"{"PORT": 5000}"#.utf8))
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.debugDescription == "the value of 'PORT' must be a string, or null to unset it"
        }
    }
}
