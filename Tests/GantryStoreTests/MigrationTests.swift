import Foundation
import GantryCore
@testable import GantryStore
import Testing

@Suite("Migrations and connection settings")
struct MigrationTests {
    @Test(.scratchDirectory)
    func migratesAnEmptyFile() async throws {
        #expect(!FileManager.default.fileExists(atPath: Fixture.databasePath))
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(FileManager.default.fileExists(atPath: Fixture.databasePath))
        #expect(store.migrationsAppliedAtOpen == Fixture.allMigrations)
        #expect(try await store.appliedMigrations() == Fixture.allMigrations)
        let tables = try await store.strings(sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        #expect(tables == [
            "acme_status", "api_token_apps", "api_tokens", "app_access", "apps", "audit_events", "build_log_chunks", "builds", "canaries", "canary_events", "certificates", "config_vars", "domains", "formation",
            "grdb_migrations", "maintenance", "release_phases", "releases", "ssh_keys", "users", "webhook_deliveries", "webhooks",
        ])
        let indexes = try await store.strings(sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'build%' AND sql IS NOT NULL ORDER BY name")
        #expect(indexes == ["build_log_chunks_on_build_id_id", "builds_on_app_id_id"])
        let columns = try await store.strings(sql: "SELECT name FROM pragma_table_info('builds') ORDER BY cid")
        #expect(columns == [
            "id", "app_id", "ref", "old_commit", "new_commit", "status", "created_at", "finished_at",
            "buildpack", "stack", "image_digest", "build_seconds", "test_seconds", "failure_reason",
            "commit_message", "commit_author",
        ])
        #expect(try await store.apps().isEmpty)
        #expect(try await store.tokenCount() == 0)
    }

    @Test(.scratchDirectory)
    func reopeningKeepsDataAndRunsNoMigration() async throws {
        let name = Fixture.app("hello")
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let app = try await store.createApp(name)
        let build = try await store.recordBuild(
            app: name, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: .received)
        try await store.appendBuildLog(id: build.id, "-----> Python app detected\n")
        let token = try await store.adminToken()
        try store.close()

        let reopened = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        #expect(reopened.migrationsAppliedAtOpen.isEmpty)
        #expect(try await reopened.appliedMigrations() == Fixture.allMigrations)
        #expect(try await reopened.rowCount("grdb_migrations") == Fixture.allMigrations.count)
        #expect(try await reopened.apps() == [app])
        var logged = build
        logged.log = "-----> Python app detected\n"
        #expect(try await reopened.build(app: name, id: build.id) == logged)
        #expect(try await reopened.authenticate(token: token).tokenName == "admin")
    }

    @Test(.scratchDirectory)
    func refusesADatabaseMigratedByANewerGantry() async throws {
        let store = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        try await store.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        try store.close()

        #expect {
            _ = try Store(path: Fixture.databasePath)
        } throws: { error in
            "\(error)".contains("migrated by a newer Gantry (unknown migrations: v99-from-the-future)")
        }
    }

    @Test
    func walModeIsOn() async throws {
        let store = try await blocking { try Store.temporary() }
        #expect(try await store.journalMode() == "wal")
    }

    @Test
    func foreignKeysAreEnforced() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(Fixture.app("hello"))
        func insert(appID: String) -> String {
            "INSERT INTO builds (app_id, ref, old_commit, new_commit, status, created_at) VALUES (\(appID), 'refs/heads/main', '\(ObjectID.zero.hex)', '\(Fixture.first.hex)', 'received', '2025-01-01 00:00:00.000')"
        }

        await #expect {
            try await store.execute(sql: insert(appID: "999"))
        } throws: { error in
            "\(error)".contains("FOREIGN KEY constraint failed")
        }
        // The same row for an existing app goes in: the foreign key was the only problem.
        let appID = try #require(try await store.strings(sql: "SELECT id FROM apps").first ?? nil)
        try await store.execute(sql: insert(appID: appID))
        #expect(try await store.rowCount("builds") == 1)
    }

    @Test
    func schemaRejectsMalformedBuildRows() async throws {
        let store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(Fixture.app("hello"))
        let rows: [[String]] = [
            ["refs/heads/main", "abc", Fixture.first.hex, "received"],
            ["refs/heads/main", ObjectID.zero.hex, String(repeating: "A", count: 40), "received"],
            ["refs/heads/main", ObjectID.zero.hex, Fixture.first.hex, "exploded"],
            ["main", ObjectID.zero.hex, Fixture.first.hex, "received"],
        ]
        for row in rows {
            await #expect {
                try await store.execute(sql: """
                    INSERT INTO builds (app_id, ref, old_commit, new_commit, status, created_at)
                    SELECT id, '\(row[0])', '\(row[1])', '\(row[2])', '\(row[3])', '2025-01-01 00:00:00.000' FROM apps
                    """)
            } throws: { error in
                "\(error)".contains("CHECK constraint failed")
            }
        }
        // The stage columns: NULL passes, malformed values do not.
        let stageValues = [
            "buildpack = ''", "stack = ''", "build_seconds = -1", "test_seconds = -0.5",
            "image_digest = 'sha256:\(String(repeating: "a", count: 63))'",
            "image_digest = 'sha512:\(String(repeating: "a", count: 64))'",
            "image_digest = 'sha256:\(String(repeating: "A", count: 64))'",
        ]
        for assignment in stageValues {
            await #expect {
                try await store.execute(sql: """
                    INSERT INTO builds (app_id, ref, old_commit, new_commit, status, created_at)
                    SELECT id, 'refs/heads/main', '\(ObjectID.zero.hex)', '\(Fixture.first.hex)', 'received', '2025-01-01 00:00:00.000' FROM apps;
                    UPDATE builds SET \(assignment)
                    """)
            } throws: { error in
                "\(error)".contains("CHECK constraint failed")
            }
        }
        #expect(try await store.rowCount("builds") == 0)
    }

    @Test
    func schemaAcceptsEveryBuildStatus() async throws {
        // Fails when BuildStatus gains a case without a migration widening the CHECK constraint.
        let store = try await blocking { try Store.temporary() }
        let name = Fixture.app("hello")
        _ = try await store.createApp(name)
        for status in BuildStatus.allCases {
            let build = try await store.recordBuild(
                app: name, ref: Fixture.main, oldCommit: .zero, newCommit: Fixture.first, status: status)
            #expect(build.status == status)
            try await store.updateBuild(id: build.id, status: status, finished: true)
        }
    }

    @Test(.scratchDirectory)
    func openingInAMissingDirectoryNamesThePath() async throws {
        let path = ScratchDirectory.path + "/missing/gantry.sqlite"
        #expect {
            _ = try Store(path: path)
        } throws: { error in
            let message = "\(error)"
            return message.contains(path) && message.contains("check that its directory exists")
        }
    }

    @Test(.scratchDirectory)
    func openingAFileThatIsNotADatabaseFails() async throws {
        try Data(repeating: 0x42, count: 4096).write(to: URL(fileURLWithPath: Fixture.databasePath))
        #expect {
            _ = try Store(path: Fixture.databasePath)
        } throws: { error in
            "\(error)".contains("not a healthy Gantry database")
        }
    }

    @Test
    func temporaryStoreRemovesItsDirectory() async throws {
        var store: Store? = try await blocking { try Store.temporary() }
        let directory = try #require(store).path.replacingOccurrences(of: "/gantry.sqlite", with: "")
        _ = try await store?.createApp(Fixture.app("hello"))
        #expect(FileManager.default.fileExists(atPath: directory))
        store = nil
        // The last reference may go a moment later, from the thread that ran `createApp`
        // (seen once in a loaded unit pass: still there right after `store = nil`).
        let deadline = ContinuousClock.now + .seconds(10)
        while FileManager.default.fileExists(atPath: directory), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }
}
