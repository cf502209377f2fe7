import Foundation
import GantryCore
import Testing
@testable import GantryClient
import GantryTesting

@Suite("Config vars in the client")
struct ConfigClientTests {
    @Test(arguments: [
        ("A=b=c", "A", "b=c"), ("A=", "A", ""), ("DATABASE_URL=postgres://u:p@db/x?a=1", "DATABASE_URL", "postgres://u:p@db/x?a=1"),
        ("_X==", "_X", "="), ("lower=two words", "lower", "two words"), ("K=line\nbreak", "K", "line\nbreak"),
    ])
    func splitsAtTheFirstEquals(_ argument: String, _ key: String, _ value: String) throws {
        let assignment = try ConfigAssignment(parsing: argument)
        #expect(assignment.key.rawValue == key)
        #expect(assignment.value == value)
    }

    @Test(arguments: [
        ("=x", "invalid config key '': a key cannot be empty"),
        ("A", "'A' has no value; write A=VALUE"),
        ("1A=x", "invalid config key '1A': use letters, digits and _, not starting with a digit"),
        ("A-B=x", "invalid config key 'A-B'"),
        ("", "an argument is not KEY=VALUE"),
        ("BIG=" + String(repeating: "x", count: 32769), "the value of config var 'BIG' is 32769 bytes"),
    ])
    func rejectsWhatIsNotKeyEqualsValue(_ argument: String, _ message: String) {
        #expect {
            try ConfigAssignment(parsing: argument)
        } throws: { error in
            (error as? InvalidConfigAssignment)?.description.hasPrefix(message) == true
        }
    }

    @Test(arguments: ["s3cret", "my secret words", "hunter2", "-----BEGIN"])
    func neverShowsWhatMayBeAValue(_ argument: String) {
        #expect {
            try ConfigAssignment(parsing: argument)
        } throws: { error in
            let message = "\(error)"
            return !message.contains(argument) && message.contains("quote values that contain spaces")
        }
    }

    @Test func parsesEveryArgumentAndRefusesAKeyTwice() throws {
        #expect(try ConfigAssignment.parse(["A=1", "B=x=y", "C="]) == ["A": "1", "B": "x=y", "C": ""])
        #expect(try ConfigAssignment.parse([]) == [:])
        #expect(throws: InvalidConfigAssignment.self) { try ConfigAssignment.parse(["A=1", "A=2"]) }
        #expect(throws: InvalidConfigAssignment.self) { try ConfigAssignment.parse(["A=1", "oops"]) }
    }

    @Test func shellLinesQuoteOnlyWhenNeeded() {
        #expect(ConfigDisplay.shellLine(key: "A", value: "postgres://u@db:5432/x,y+z%20=1") == "A=postgres://u@db:5432/x,y+z%20=1")
        #expect(ConfigDisplay.shellLine(key: "A", value: "") == "A=''")
        #expect(ConfigDisplay.shellLine(key: "A", value: "two words") == "A='two words'")
        #expect(ConfigDisplay.shellLine(key: "A", value: "it's $HOME") == #"A='it'\''s $HOME'"#)
        #expect(ConfigDisplay.shellLine(key: "A", value: "~/x") == "A='~/x'")
        #expect(ConfigDisplay.shell(["B": "2", "A": "1"]) == "A=1\nB=2")
    }

    @Test func shellLinesEvalBackToTheValues() async throws {
        let values = ["it's", "a\nb", "$(echo no)", "`x`", "\\", "\"", "~", "é 🚀", "!event", "*"]
        let script = values.enumerated().map { ConfigDisplay.shellLine(key: "V\($0.offset)", value: $0.element) + "\n" }.joined()
            + values.indices.map { #"printf '%s\0' "$V\#($0)""# }.joined(separator: "\n")
        let result = try await Shell.run("/bin/sh", ["-c", script], errors: .inherited)
        #expect(result.status == 0)
        let data = result.data
        let printed = data.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        #expect(printed == values)
    }

    @Test func tableIsHerokusLayoutSortedByKey() {
        #expect(ConfigDisplay.table(app: "blog", config: ["DEBUG": "1", "DATABASE_URL": "postgres://db/blog"]) == """
            === blog Config Vars
            DATABASE_URL: postgres://db/blog
            DEBUG:        1
            """)
    }

    @Test func configGetsTheAppsConfig() async throws {
        try await withServer(.init(status: 200, body: #"{"A":"1","B":"x=y"}"#)) { server in
            #expect(try await GantryAPIClient(server: server.url, token: "t").config(app: "blog") == ["A": "1", "B": "x=y"])
            let request = try #require(server.requests.first)
            #expect(request.method == "GET")
            #expect(request.target == "/api/v1/apps/blog/config")
        }
    }

    @Test func changeConfigPatchesSetAndNullForUnset() async throws {
        try await withServer(.init(status: 200, body: #"{"config":{"A":"1"}}"#)) { server in
            let result = try await GantryAPIClient(server: server.url, token: "t")
                .changeConfig(app: "blog", set: ["A": "1"], unset: ["B"])
            #expect(result == ConfigChangeResult(config: ["A": "1"], release: nil))
            let request = try #require(server.requests.first)
            #expect(request.method == "PATCH")
            #expect(request.target == "/api/v1/apps/blog/config")
            #expect(request.headers["content-type"] == "application/json")
            #expect(request.bodyText == #"{"A":"1","B":null}"#)
        }
    }

    @Test func noDeployAsksForNoRelease() async throws {
        try await withServer(.init(status: 200, body: #"{"config":{"A":"1"}}"#)) { server in
            _ = try await GantryAPIClient(server: server.url, token: "t").changeConfig(app: "blog", set: ["A": "1"], deploy: false)
            #expect(server.requests.first?.target == "/api/v1/apps/blog/config?deploy=false")
        }
    }

    @Test func rejectedChangeCarriesTheServersMessage() async throws {
        let answer = #"{"error":"invalid config key '1A': use letters, digits and _, not starting with a digit"}"#
        try await withServer(.init(status: 400, body: answer)) { server in
            do throws(ClientError) {
                _ = try await GantryAPIClient(server: server.url, token: "t").changeConfig(app: "blog", set: ["1A": "x"])
                Issue.record("no error")
            } catch {
                #expect(error == .rejected(status: 400, message: "invalid config key '1A': use letters, digits and _, not starting with a digit"))
                #expect(error.exitCode == 1)
            }
        }
    }
}
