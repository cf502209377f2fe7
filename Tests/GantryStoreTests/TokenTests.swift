import Foundation
@testable import GantryStore
import GantryCore
import Testing

extension Store {
    /// The first token of a new admin called `admin`.
    func adminToken() async throws -> String {
        try await createUser(UserName("admin"), role: .admin).token
    }
}

extension TokenCheck {
    /// The valid token's name; `nil` when refused.
    var tokenName: String? {
        if case .valid(let token, _) = self { return token.name }
        return nil
    }
}

@Suite("API tokens")
struct TokenTests {
    @Test
    func tokenHasGantryPrefixAnd40HexDigits() async throws {
        let store = try await blocking { try Store.temporary() }
        let token = try await store.adminToken()
        #expect(token.hasPrefix("gantry_"))
        let digits = token.dropFirst("gantry_".count)
        #expect(digits.count == 40)
        #expect(digits.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test
    func authenticatesTheRightTokenOnly() async throws {
        let store = try await blocking { try Store.temporary() }
        let admin = try await store.adminToken()
        let ci = try await store.createToken(for: UserName("admin"), name: "ci").token
        #expect(admin != ci)
        #expect(try await store.tokenCount() == 2)  // the user's first, and ci

        #expect(try await store.authenticate(token: admin).tokenName == "admin")
        #expect(try await store.authenticate(token: ci).tokenName == "ci")
        let nearMiss = String(admin.dropLast()) + (admin.last == "0" ? "1" : "0")
        #expect(try await store.authenticate(token: nearMiss) == .unknown)
        #expect(try await store.authenticate(token: "") == .unknown)
        #expect(try await store.authenticate(token: Store.sha256Hex(admin)) == .unknown)
    }

    @Test
    func authenticationRecordsLastUse() async throws {
        let store = try await blocking { try Store.temporary() }
        let token = try await store.adminToken()
        #expect(try await store.strings(sql: "SELECT last_used_at FROM api_tokens") == [nil])
        _ = try await store.authenticate(token: "gantry_wrong")
        #expect(try await store.strings(sql: "SELECT last_used_at FROM api_tokens") == [nil])
        _ = try await store.authenticate(token: token)
        let lastUsed = try await store.strings(sql: "SELECT last_used_at FROM api_tokens")
        #expect(lastUsed.count == 1 && lastUsed[0] != nil)
    }

    @Test
    func lastUseIsRecordedAtMostOncePerMinute() async throws {
        let store = try await blocking { try Store.temporary() }
        let token = try await store.adminToken()
        func lastUsed() async throws -> [String?] {
            try await store.strings(sql: "SELECT strftime('%s', last_used_at) FROM api_tokens")
        }
        let start = Date(timeIntervalSince1970: 1_750_000_000)

        #expect(try await store.authenticate(token: token, now: start).tokenName == "admin")
        #expect(try await lastUsed() == ["1750000000"])
        #expect(try await store.authenticate(token: token, now: start + 30).tokenName == "admin")
        #expect(try await store.authenticate(token: token, now: start + 60).tokenName == "admin")
        #expect(try await lastUsed() == ["1750000000"])
        #expect(try await store.authenticate(token: token, now: start + 61).tokenName == "admin")
        #expect(try await lastUsed() == ["1750000061"])
        #expect(try await store.authenticate(token: token, now: start + 3600).tokenName == "admin")
        #expect(try await lastUsed() == ["1750003600"])
    }

    @Test(.scratchDirectory)
    func recentlyUsedTokenIsCheckedWhileAnotherProcessWrites() async throws {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let token = try await store.adminToken()
        let now = Date()
        #expect(try await store.authenticate(token: token, now: now - 10).tokenName == "admin")

        // Another connection, as another process would, holds the write lock.
        let other = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let (locked, lockedContinuation) = AsyncStream<Void>.makeStream()
        let release = DispatchSemaphore(value: 0)
        let holder = Task {
            try await other.write("hold the write lock") { _ in
                lockedContinuation.yield()
                _ = release.wait(timeout: .now() + 30)
            }
        }
        defer { release.signal() }
        for await _ in locked { break }

        // A write would wait for the lock (5 s) and then fail: the check only reads.
        #expect(try await store.authenticate(token: token, now: now).tokenName == "admin")
        #expect(try await store.authenticate(token: "gantry_wrong", now: now) == .unknown)
        release.signal()
        try await holder.value
    }

    @Test(.scratchDirectory)
    func plaintextTokenIsNowhereOnDisk() async throws {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let token = try await store.adminToken()
        #expect(try await store.authenticate(token: token).tokenName == "admin")

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
