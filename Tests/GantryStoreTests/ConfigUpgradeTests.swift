import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// A database written by the schema before config vars (`v3-build-log-chunks`), opened by this one.
@Suite("Upgrading a v3 database")
struct ConfigUpgradeTests {
    /// Every row of every v3 table, one string per row, as SQLite quotes the values.
    static let v3Rows = [
        "SELECT quote(id) || ' ' || name || ' ' || created_at FROM apps ORDER BY id",
        "SELECT name || ' ' || token_sha256 || ' ' || quote(created_at) || ' ' || quote(last_used_at) FROM api_tokens ORDER BY id",
        """
        SELECT quote(id) || ' ' || quote(app_id) || ' ' || ref || ' ' || old_commit || ' ' || new_commit
            || ' ' || status || ' ' || created_at || ' ' || quote(finished_at) || ' ' || quote(buildpack)
            || ' ' || quote(stack) || ' ' || quote(image_digest) || ' ' || quote(build_seconds)
            || ' ' || quote(test_seconds) || ' ' || quote(failure_reason)
        FROM builds ORDER BY id
        """,
        "SELECT quote(id) || ' ' || quote(build_id) || ' ' || quote(text) FROM build_log_chunks ORDER BY id",
        "SELECT name || ' ' || seq FROM sqlite_sequence ORDER BY name",
    ]

    /// Writes a v3 database at `Fixture.databasePath` through the store's own API: apps `blog`
    /// (two builds with logs and stages) and `api`, a token; returns every row.
    static func v3Database() async throws -> [[String?]] {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path, migratingUpTo: "v3-build-log-chunks") }
        #expect(store.migrationsAppliedAtOpen == ["v1-apps-tokens-builds", "v2-build-stages", "v3-build-log-chunks"])
        let blog = Fixture.app("blog")
        _ = try await store.createApp(blog)
        _ = try await store.createApp(Fixture.app("api"))
        // A token as gantryd wrote it before users existed.
        try await store.execute(sql: "INSERT INTO api_tokens (name, token_sha256, created_at) VALUES ('admin', '\(Store.sha256Hex("t"))', '2024-12-31 00:00:00.000')")
        for commit in [Fixture.first, Fixture.second] {
            let build = try await store.recordBuild(
                app: blog, ref: Fixture.main, oldCommit: .zero, newCommit: commit, status: .received)
            try await store.appendBuildLog(id: build.id, "-----> Python app detected\n")
            try await store.appendBuildLog(id: build.id, "       it's “quoted”\n")
            try await store.recordStages(id: build.id, buildpack: "python", stack: "bookworm",
                                         imageDigest: Fixture.digest("c"), buildSeconds: 2.5)
            try await store.finishBuild(id: build.id, status: .testFailed, failureReason: "tests failed")
        }
        var rows: [[String?]] = []
        for sql in v3Rows { rows.append(try await store.strings(sql: sql)) }
        try store.close()
        return rows
    }

    @Test(.scratchDirectory)
    func everyRowSurvivesAndConfigStartsEmpty() async throws {
        let before = try await Self.v3Database()
        #expect(before[2].count == 2 && before[3].count == 4)

        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(store.migrationsAppliedAtOpen == Array(Fixture.allMigrations.dropFirst(3)))
        #expect(try await store.appliedMigrations() == Fixture.allMigrations)
        for (sql, rows) in zip(Self.v3Rows, before) {
            #expect(try await store.strings(sql: sql) == rows)
        }
        #expect(try await store.build(app: Fixture.app("blog"), id: 2).log
            == "-----> Python app detected\n       it's “quoted”\n")
        #expect(try await store.config(app: Fixture.app("blog")).isEmpty)
        #expect(try await store.rowCount("config_vars") == 0)
        #expect(try await store.strings(sql: "PRAGMA integrity_check") == ["ok"])
        #expect(try await store.strings(sql: "PRAGMA foreign_key_check").isEmpty)
    }

    @Test(.scratchDirectory)
    func schemaMatchesANewDatabase() async throws {
        _ = try await Self.v3Database()
        let upgraded = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let fresh = try await blocking { try Store.temporary() }
        let schema = "SELECT type || ' ' || name || ' ' || tbl_name || ': ' || quote(sql) FROM sqlite_master ORDER BY name"
        #expect(try await upgraded.strings(sql: schema) == (try await fresh.strings(sql: schema)))
    }

    @Test(.scratchDirectory)
    func configWorksOnTheUpgradedAppsAndCascades() async throws {
        _ = try await Self.v3Database()
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let blog = Fixture.app("blog"), api = Fixture.app("api")
        #expect(try await store.changeConfig(app: blog, set: ["GANTRY_BUILDPACK": "python", "DEBUG": "1"])
            == ["GANTRY_BUILDPACK": "python", "DEBUG": "1"])
        _ = try await store.changeConfig(app: api, set: ["DEBUG": "0"])
        try store.close()

        // Kept across a reopen, which runs no migration.
        let reopened = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(reopened.migrationsAppliedAtOpen.isEmpty)
        #expect(try await reopened.config(app: blog) == ["GANTRY_BUILDPACK": "python", "DEBUG": "1"])
        try await reopened.deleteApp(blog)
        #expect(try await reopened.rowCount("builds") == 0)
        #expect(try await reopened.rowCount("build_log_chunks") == 0)
        #expect(try await reopened.rowCount("config_vars") == 1)
        #expect(try await reopened.config(app: api) == ["DEBUG": "0"])
    }
}
