import Foundation
import GantryCore
@testable import GantryStore
import Testing

/// A database written by Gantry's first schema (`v1-apps-tokens-builds`), opened by this one.
@Suite("Upgrading a v1 database")
struct UpgradeTests {
    /// Every v1 column of every build, one line per build, as SQLite quotes the values.
    static let v1BuildRows = """
        SELECT quote(id) || ' ' || quote(app_id) || ' ' || quote(ref) || ' ' || quote(old_commit)
            || ' ' || quote(new_commit) || ' ' || quote(status) || ' ' || quote(created_at)
            || ' ' || quote(finished_at)
        FROM builds ORDER BY id
        """

    /// The v1 statuses; each gets a build of `kept`.
    static let v1Statuses = ["received", "building", "testing", "succeeded", "failed", "test_failed"]

    /// What `v1Database()` wrote and a v1 Gantry would have read back.
    struct V1Contents {
        var buildRows: [String?]
        var logs: [Int64: String]
        var appRows: [String?]
        var tokenRows: [String?]
    }

    /// Writes a v1 database at `Fixture.databasePath`: apps `kept` (builds 1–6, one per v1
    /// status, some with logs and finish times) and `doomed` (builds 7 and 8), then deletes
    /// `doomed`, so the AUTOINCREMENT counter (8) is above the largest id left (6). With
    /// `deleteEveryBuild`, `kept`'s builds go too.
    static func v1Database(deleteEveryBuild: Bool = false) async throws -> V1Contents {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path, migratingUpTo: "v1-apps-tokens-builds") }
        #expect(store.migrationsAppliedAtOpen == ["v1-apps-tokens-builds"])
        func insert(app: String, status: String, finished: Bool, log: String) -> String {
            let finishedAt = finished ? "'2025-01-01 00:05:00.250'" : "NULL"
            return """
                INSERT INTO builds (app_id, ref, old_commit, new_commit, status, created_at, finished_at, log)
                SELECT id, 'refs/heads/main', '\(ObjectID.zero.hex)', '\(Fixture.first.hex)', '\(status)',
                    '2025-01-01 00:00:00.125', \(finishedAt), '\(log.replacingOccurrences(of: "'", with: "''"))'
                FROM apps WHERE name = '\(app)';
                """
        }
        try await store.execute(sql: """
            INSERT INTO apps (name, created_at) VALUES ('kept', '2024-12-31 23:59:59.000');
            INSERT INTO apps (name, created_at) VALUES ('doomed', '2024-12-31 23:59:59.500');
            INSERT INTO api_tokens (name, token_sha256, created_at) VALUES ('admin', '\(Store.sha256Hex("t"))', '2024-12-31 00:00:00.000');
            """)
        var logs: [Int64: String] = [:]
        for (index, status) in v1Statuses.enumerated() {
            let log = index.isMultiple(of: 2) ? "" : "-----> Step \(index)\n       it's “quoted”\n"
            try await store.execute(sql: insert(app: "kept", status: status, finished: index >= 3, log: log))
            logs[Int64(index + 1)] = log
        }
        for status in ["building", "failed"] {
            try await store.execute(sql: insert(app: "doomed", status: status, finished: false, log: "lost\n"))
        }
        try await store.execute(sql: "DELETE FROM apps WHERE name = 'doomed'")
        if deleteEveryBuild {
            try await store.execute(sql: "DELETE FROM builds")
            logs = [:]
        }
        #expect(try await store.strings(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'builds'") == ["8"])
        let contents = V1Contents(
            buildRows: try await store.strings(sql: v1BuildRows),
            logs: logs,
            appRows: try await store.strings(sql: "SELECT quote(id) || ' ' || name || ' ' || created_at FROM apps ORDER BY id"),
            tokenRows: try await store.strings(sql: "SELECT name || ' ' || token_sha256 || ' ' || quote(last_used_at) FROM api_tokens"))
        try store.close()
        return contents
    }

    @Test(.scratchDirectory)
    func everyRowAndIDSurvives() async throws {
        let before = try await Self.v1Database()
        #expect(before.buildRows.count == 6)

        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(store.migrationsAppliedAtOpen == Array(Fixture.allMigrations.dropFirst()))
        #expect(try await store.strings(sql: Self.v1BuildRows) == before.buildRows)
        #expect(try await store.strings(sql: "SELECT quote(id) || ' ' || name || ' ' || created_at FROM apps ORDER BY id") == before.appRows)
        #expect(try await store.strings(sql: "SELECT name || ' ' || token_sha256 || ' ' || quote(last_used_at) FROM api_tokens") == before.tokenRows)

        // Through the API too: statuses decode, logs moved into chunks, stage fields are empty.
        let kept = Fixture.app("kept")
        let builds = try await store.builds(app: kept)
        #expect(builds.map(\.id) == [6, 5, 4, 3, 2, 1])
        #expect(builds.map(\.status.rawValue) == Self.v1Statuses.reversed())
        for build in builds {
            #expect(build.buildpack == nil && build.stack == nil && build.imageDigest == nil)
            #expect(build.buildSeconds == nil && build.testSeconds == nil && build.failureReason == nil)
            #expect(try await store.build(app: kept, id: build.id).log == before.logs[build.id])
        }
        let stageColumns = try await store.strings(sql: """
            SELECT COUNT(*) FROM builds WHERE buildpack IS NOT NULL OR stack IS NOT NULL
                OR image_digest IS NOT NULL OR build_seconds IS NOT NULL OR test_seconds IS NOT NULL
                OR failure_reason IS NOT NULL
            """)
        #expect(stageColumns == ["0"])
        // Empty v1 logs leave no chunk.
        #expect(try await store.rowCount("build_log_chunks") == 3)

        #expect(try await store.strings(sql: "PRAGMA integrity_check") == ["ok"])
        #expect(try await store.strings(sql: "PRAGMA foreign_key_check").isEmpty)
    }

    @Test(.scratchDirectory)
    func schemaMatchesANewDatabase() async throws {
        _ = try await Self.v1Database()
        let upgraded = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let fresh = try await blocking { try Store.temporary() }
        let schema = "SELECT type || ' ' || name || ' ' || tbl_name || ': ' || quote(sql) FROM sqlite_master ORDER BY name"
        #expect(try await upgraded.strings(sql: schema) == (try await fresh.strings(sql: schema)))
        #expect(try await upgraded.strings(sql: "SELECT name FROM sqlite_master WHERE sql LIKE '%builds_new%'").isEmpty)
        #expect(try await upgraded.strings(sql: "SELECT name FROM sqlite_sequence ORDER BY name") == ["builds"])
    }

    @Test(.scratchDirectory)
    func newStatusesAreAcceptedAndUnknownOnesStillRejected() async throws {
        _ = try await Self.v1Database()
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let kept = Fixture.app("kept")
        for status in BuildStatus.allCases {
            let build = try await store.recordBuild(
                app: kept, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.second, status: status)
            #expect(try await store.build(app: kept, id: build.id).status == status)
            try await store.updateBuild(id: 1, status: status, finished: status.isFinished)
            #expect(try await store.build(app: kept, id: 1).status == status)
        }
        for status in ["exploded", "Built", "timed-out", ""] {
            await #expect {
                try await store.execute(sql: "UPDATE builds SET status = '\(status)' WHERE id = 1")
            } throws: { error in
                "\(error)".contains("CHECK constraint failed")
            }
        }
        #expect(try await store.build(app: kept, id: 1).status == BuildStatus.allCases.last)
    }

    @Test(.scratchDirectory)
    func foreignKeysStillCascadeAndReject() async throws {
        _ = try await Self.v1Database()
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let kept = Fixture.app("kept")
        await #expect {
            try await store.execute(sql: """
                INSERT INTO builds (app_id, ref, old_commit, new_commit, status, created_at)
                VALUES (999, 'refs/heads/main', '\(ObjectID.zero.hex)', '\(Fixture.first.hex)', 'built', '2025-01-01 00:00:00.000')
                """)
        } throws: { error in
            "\(error)".contains("FOREIGN KEY constraint failed")
        }
        try await store.appendBuildLog(id: 1, "-----> More\n")
        #expect(try await store.rowCount("build_log_chunks") == 4)

        try await store.deleteApp(kept)
        #expect(try await store.rowCount("apps") == 0)
        #expect(try await store.rowCount("builds") == 0)
        #expect(try await store.rowCount("build_log_chunks") == 0)
    }

    @Test(.scratchDirectory, arguments: [false, true])
    func idsOfDeletedBuildsAreNotReused(deleteEveryBuild: Bool) async throws {
        _ = try await Self.v1Database(deleteEveryBuild: deleteEveryBuild)
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(try await store.strings(sql: "SELECT name || ' ' || seq FROM sqlite_sequence ORDER BY name") == ["builds 8"])
        let build = try await store.recordBuild(
            app: Fixture.app("kept"), ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.second, status: .received)
        #expect(build.id == 9)
        #expect(try await store.build(app: Fixture.app("kept"), id: 9).log == "")
    }

    @Test(.scratchDirectory)
    func anUnusedV1DatabaseUpgrades() async throws {
        // No build ever: no AUTOINCREMENT counter to carry over. (Copying no rows leaves a
        // counter at 0, as good as none.)
        try Store(path: Fixture.databasePath, migratingUpTo: "v1-apps-tokens-builds").close()
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(try await store.appliedMigrations() == Fixture.allMigrations)
        #expect(try await store.strings(sql: "SELECT name || ' ' || seq FROM sqlite_sequence") == ["builds 0"])
        _ = try await store.createApp(Fixture.app("hello"))
        let build = try await store.recordBuild(
            app: Fixture.app("hello"), ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .received)
        #expect(build.id == 1)
    }
}
