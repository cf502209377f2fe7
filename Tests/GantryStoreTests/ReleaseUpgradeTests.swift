import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// A database written by the schema before releases (`v4-config-vars`), opened by this one.
@Suite("Upgrading a v4 database")
struct ReleaseUpgradeTests {
    /// Every row of every v4 table, one string per row, as SQLite quotes the values.
    static let v4Rows = ConfigUpgradeTests.v3Rows + [
        "SELECT quote(id) || ' ' || quote(app_id) || ' ' || key || ' ' || quote(value) || ' ' || updated_at FROM config_vars ORDER BY id",
    ]

    /// Writes a v4 database at `Fixture.databasePath` through the store's own API: apps `blog`
    /// (two builds with logs and stages, config vars) and `api` (a var), a token; returns
    /// every row.
    static func v4Database() async throws -> [[String?]] {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path, migratingUpTo: "v4-config-vars") }
        #expect(store.migrationsAppliedAtOpen == Array(Fixture.allMigrations.prefix(4)))
        let blog = Fixture.app("blog")
        _ = try await store.createApp(blog)
        _ = try await store.createApp(Fixture.app("api"))
        // A token as gantryd wrote it before users existed.
        try await store.execute(sql: "INSERT INTO api_tokens (name, token_sha256, created_at) VALUES ('admin', '\(Store.sha256Hex("t"))', '2024-12-31 00:00:00.000')")
        for commit in [Fixture.first, Fixture.second] {
            let build = try await store.recordBuild(
                app: blog, ref: Fixture.main, oldCommit: .zero, newCommit: commit, status: .received)
            try await store.appendBuildLog(id: build.id, "-----> Python app detected\n")
            try await store.recordStages(id: build.id, buildpack: "python", stack: "bookworm",
                                         imageDigest: Fixture.digest("c"), buildSeconds: 2.5)
            try await store.finishBuild(id: build.id, status: .built, failureReason: nil)
        }
        _ = try await store.changeConfig(app: blog, set: ["DATABASE_URL": Fixture.secret, "DEBUG": "1"])
        _ = try await store.changeConfig(app: Fixture.app("api"), set: ["DEBUG": "0"])
        var rows: [[String?]] = []
        for sql in v4Rows { rows.append(try await store.strings(sql: sql)) }
        try store.close()
        return rows
    }

    @Test(.scratchDirectory)
    func onlyTheReleasesMigrationRunsAndEveryRowSurvives() async throws {
        let before = try await Self.v4Database()
        #expect(before[2].count == 2 && before[5].count == 3)

        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(store.migrationsAppliedAtOpen == Array(Fixture.allMigrations.dropFirst(4)))
        #expect(try await store.appliedMigrations() == Fixture.allMigrations)
        for (sql, rows) in zip(Self.v4Rows, before) {
            #expect(try await store.strings(sql: sql) == rows)
        }
        #expect(try await store.config(app: Fixture.app("blog")) == ["DATABASE_URL": Fixture.secret, "DEBUG": "1"])
        #expect(try await store.releases(app: Fixture.app("blog")).isEmpty)
        #expect(try await store.currentRelease(app: Fixture.app("blog")) == nil)
        #expect(try await store.formation(app: Fixture.app("blog")).isEmpty)
        #expect(try await store.liveReleases().isEmpty)
        #expect(try await store.strings(sql: "PRAGMA integrity_check") == ["ok"])
        #expect(try await store.strings(sql: "PRAGMA foreign_key_check").isEmpty)

        try store.close()
        #expect(try Store(path: Fixture.databasePath).migrationsAppliedAtOpen.isEmpty)
    }

    @Test(.scratchDirectory)
    func schemaMatchesANewDatabase() async throws {
        _ = try await Self.v4Database()
        let upgraded = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let fresh = try await blocking { try Store.temporary() }
        let schema = "SELECT type || ' ' || name || ' ' || tbl_name || ': ' || quote(sql) FROM sqlite_master ORDER BY name"
        #expect(try await upgraded.strings(sql: schema) == (try await fresh.strings(sql: schema)))
    }

    @Test(.scratchDirectory)
    func releasesWorkOnTheUpgradedAppsAndCascade() async throws {
        _ = try await Self.v4Database()
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let blog = Fixture.app("blog"), api = Fixture.app("api")
        let config = try await store.config(app: blog)
        let v1 = try await store.createRelease(
            app: blog, buildID: 2, imageTag: "blog:2", imageDigest: Fixture.digest("c"), commit: Fixture.second,
            config: config, processTypes: ["web": "gunicorn app:app"], description: "Deploy bbbbbbb", createdBy: "admin")
        #expect(v1.version == 1 && v1.buildID == 2 && v1.config == config)
        try await store.markReleaseLive(id: v1.id)
        try await store.setFormation(app: blog, Formation.default(for: v1.processTypes).counts)
        let theirs = try await Fixture.release(store, app: api)
        try await store.markReleaseLive(id: theirs.id)
        try store.close()

        let reopened = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(try await reopened.liveReleases().map(\.app) == [api, blog])
        #expect(try await reopened.formation(app: blog) == ["web": 1])
        try await reopened.deleteApp(blog)
        #expect(try await reopened.rowCount("builds") == 0)
        #expect(try await reopened.rowCount("releases") == 1)
        #expect(try await reopened.rowCount("formation") == 0)
        #expect(try await reopened.currentRelease(app: api)?.id == theirs.id)
    }
}
