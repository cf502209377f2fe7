import Foundation
@testable import GantryStore
import Testing

@Suite("API tokens")
struct TokenTests {
    @Test
    func tokenHasGantryPrefixAnd40HexDigits() async throws {
        let store = try Store.temporary()
        let token = try await store.createToken(name: "admin")
        #expect(token.hasPrefix("gantry_"))
        let digits = token.dropFirst("gantry_".count)
        #expect(digits.count == 40)
        #expect(digits.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test
    func authenticatesTheRightTokenOnly() async throws {
        let store = try Store.temporary()
        let admin = try await store.createToken(name: "admin")
        let ci = try await store.createToken(name: "ci")
        #expect(admin != ci)
        #expect(try await store.tokenCount() == 2)

        #expect(try await store.authenticate(token: admin) == "admin")
        #expect(try await store.authenticate(token: ci) == "ci")
        let nearMiss = String(admin.dropLast()) + (admin.last == "0" ? "1" : "0")
        #expect(try await store.authenticate(token: nearMiss) == nil)
        #expect(try await store.authenticate(token: "") == nil)
        #expect(try await store.authenticate(token: Store.sha256Hex(admin)) == nil)
    }

    @Test
    func authenticationRecordsLastUse() async throws {
        let store = try Store.temporary()
        let token = try await store.createToken(name: "admin")
        #expect(try await store.strings(sql: "SELECT last_used_at FROM api_tokens") == [nil])
        _ = try await store.authenticate(token: "gantry_wrong")
        #expect(try await store.strings(sql: "SELECT last_used_at FROM api_tokens") == [nil])
        _ = try await store.authenticate(token: token)
        let lastUsed = try await store.strings(sql: "SELECT last_used_at FROM api_tokens")
        #expect(lastUsed.count == 1 && lastUsed[0] != nil)
    }

    @Test(.scratchDirectory)
    func plaintextTokenIsNowhereOnDisk() async throws {
        let store = try Store(path: Fixture.databasePath)
        let token = try await store.createToken(name: "admin")
        #expect(try await store.authenticate(token: token) == "admin")

        // While open: the database, its WAL and shared-memory files.
        #expect(try filesContain(token) == false)
        #expect(try filesContain(Store.sha256Hex(token)), "the search finds what is stored")
        // After close: the WAL is checkpointed into the database file.
        try store.close()
        #expect(try filesContain(token) == false)
        #expect(try filesContain(Store.sha256Hex(token)))
    }

    /// Whether any file in the scratch directory contains `text`'s UTF-8 bytes.
    private func filesContain(_ text: String) throws -> Bool {
        let needle = Data(text.utf8)
        let directory = ScratchDirectory.path
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(names.contains("gantry.sqlite"))
        return try names.contains { name in
            try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)).range(of: needle) != nil
        }
    }

    @Test
    func sha256HexMatchesAKnownVector() {
        #expect(Store.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
