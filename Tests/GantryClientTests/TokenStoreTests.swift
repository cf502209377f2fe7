import Foundation
import Testing
import GantryClient

@Suite("TokenStore")
struct TokenStoreTests {
    @Test func standardPathFollowsXDGConfigHome() {
        #expect(TokenStore.standard(environment: ["XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/u"]).path == "/x/cfg/gantry/token")
        #expect(TokenStore.standard(environment: ["XDG_CONFIG_HOME": "relative", "HOME": "/home/u"]).path == "/home/u/.config/gantry/token")
        #expect(TokenStore.standard(environment: ["HOME": "/home/u"]).path == "/home/u/.config/gantry/token")
    }

    @Test func environmentTokenWinsOverTheFile() throws {
        try withScratchDirectory { directory in
            let environment = ["XDG_CONFIG_HOME": directory]
            try TokenStore.standard(environment: environment).save("from-file")
            #expect(try TokenStore.currentToken(environment: environment) == "from-file")
            #expect(try TokenStore.currentToken(environment: environment.merging(["GANTRY_TOKEN": "from-env"]) { $1 }) == "from-env")
            #expect(try TokenStore.currentToken(environment: environment.merging(["GANTRY_TOKEN": " "]) { $1 }) == "from-file")
        }
    }

    @Test func saveCreatesPrivateDirectoryAndFile() throws {
        try withScratchDirectory { directory in
            let store = TokenStore(path: directory + "/nested/gantry/token")
            #expect(try store.read() == nil)
            try store.save("first")
            try store.save("second")
            #expect(try store.read() == "second")
            #expect(try permissions(store.path) == 0o600)
            #expect(try permissions(directory + "/nested/gantry") == 0o700)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/nested/gantry") == ["token"])
        }
    }

    @Test func readTrimsWhitespaceAndTreatsBlankAsMissing() throws {
        try withScratchDirectory { directory in
            let path = directory + "/token"
            try "  abc\n\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(try TokenStore(path: path).read() == "abc")
            try "\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(try TokenStore(path: path).read() == nil)
        }
    }

    private func permissions(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }
}

@Suite("GitCredential")
struct GitCredentialTests {
    @Test func getAnswersWithUsernameAndToken() {
        #expect(GitCredential.answer(action: "get", token: "t0k") == "username=gantry\npassword=t0k\n")
    }

    @Test(arguments: ["store", "erase", "unknown"])
    func otherActionsAnswerNothing(action: String) {
        #expect(GitCredential.answer(action: action, token: "t0k") == "")
    }

    @Test func getWithoutTokenAnswersNothing() {
        #expect(GitCredential.answer(action: "get", token: nil) == "")
        #expect(GitCredential.answer(action: "get", token: "a\nb") == "")
    }

    @Test func helperValueQuotesOnlyWhenNeeded() {
        #expect(GitCredential.helperConfigValue(executable: "/usr/local/bin/gantry") == "/usr/local/bin/gantry git-credential")
        #expect(GitCredential.helperConfigValue(executable: "/home/me/my apps/gantry") == "!'/home/me/my apps/gantry' git-credential")
        #expect(GitCredential.helperConfigValue(executable: "/it's/gantry") == #"!'/it'\''s/gantry' git-credential"#)
    }
}

/// Runs `body` with a fresh empty directory that is removed afterwards.
func withScratchDirectory(_ body: (String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-client-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try body(directory)
}
