import Foundation
import GantryCore
@testable import GantryStore
import Testing

@Suite("Config vars")
struct ConfigTests {
    let store: Store
    let app = Fixture.app("hello")

    init() async throws {
        store = try await blocking { try Store.temporary() }
        _ = try await store.createApp(app)
    }

    @Test
    func newAppHasNoConfig() async throws {
        #expect(try await store.config(app: app).isEmpty)
    }

    @Test
    func setVarsReadBackExactly() async throws {
        let vars = [
            "DATABASE_URL": "postgres://db.example/hello?sslmode=require",
            "EMPTY": "",
            "MULTILINE": "-----BEGIN KEY-----\nabc\n-----END KEY-----\n",
            "UNICODE": "héllo “world” 🚀",
            "QUOTES": #"it's "quoted" \n not a newline; $(not run)"#,
            "MAX": String(repeating: "x", count: ConfigValue.maximumSize),
            "lower_case": "kept apart from LOWER_CASE",
            "LOWER_CASE": "kept apart from lower_case",
        ]
        #expect(try await store.changeConfig(app: app, set: vars) == vars)
        #expect(try await store.config(app: app) == vars)
    }

    @Test
    func changesMergeIntoTheExistingConfig() async throws {
        _ = try await store.changeConfig(app: app, set: ["A": "1", "B": "2", "C": "3"])
        let after = try await store.changeConfig(app: app, set: ["B": "two", "D": "4"], unset: ["C", "NEVER_SET"])
        #expect(after == ["A": "1", "B": "two", "D": "4"])
        #expect(try await store.config(app: app) == after)
        #expect(try await store.changeConfig(app: app) == after, "an empty change changes nothing")
        #expect(try await store.changeConfig(app: app, unset: ["A", "B", "D"]).isEmpty)
        #expect(try await store.rowCount("config_vars") == 0)
    }

    @Test
    func updatedAtMovesOnlyWhenTheValueChanges() async throws {
        let updatedAt = "SELECT key || ' ' || updated_at FROM config_vars ORDER BY key"
        _ = try await store.changeConfig(app: app, set: ["A": "1", "B": "2"])
        try await store.execute(sql: "UPDATE config_vars SET updated_at = '2025-01-01 00:00:00.000'")
        _ = try await store.changeConfig(app: app, set: ["A": "1", "B": "changed"])
        let stamps = try await store.strings(sql: updatedAt).compactMap(\.self)
        #expect(stamps.first == "A 2025-01-01 00:00:00.000")
        #expect(stamps.count == 2 && !stamps[1].hasSuffix("2025-01-01 00:00:00.000"))
    }

    @Test
    func configBelongsToOneApp() async throws {
        let other = Fixture.app("other")
        _ = try await store.createApp(other)
        _ = try await store.changeConfig(app: app, set: ["SHARED": "hello's", "ONLY_HELLO": "1"])
        _ = try await store.changeConfig(app: other, set: ["SHARED": "other's"])
        _ = try await store.changeConfig(app: other, unset: ["ONLY_HELLO"])
        #expect(try await store.config(app: app) == ["SHARED": "hello's", "ONLY_HELLO": "1"])
        #expect(try await store.config(app: other) == ["SHARED": "other's"])
    }

    @Test
    func missingAppIsNotFound() async throws {
        let ghost = Fixture.app("ghost")
        await #expect(throws: StoreError.appNotFound(ghost)) { try await store.config(app: ghost) }
        await #expect(throws: StoreError.appNotFound(ghost)) {
            try await store.changeConfig(app: ghost, set: ["A": "1"])
        }
        #expect(try await store.rowCount("config_vars") == 0)
    }

    @Test
    func anInvalidKeyOrValueChangesNothing() async throws {
        let before = try await store.changeConfig(app: app, set: ["KEPT": "1", "DOOMED": "2"])
        let big = String(repeating: "x", count: ConfigValue.maximumSize + 1)
        let cases: [(set: [String: String], unset: [String], error: InvalidConfigVar)] = [
            (["GOOD": "1", "1BAD": "x"], ["DOOMED"], .key(InvalidConfigKey(key: "1BAD", problem: .characters))),
            (["GOOD": "1", "BIG": big], ["DOOMED"], .valueTooLarge(ConfigValueTooLarge(key: "BIG", size: big.utf8.count))),
            (["GOOD": "1", "NUL": "a\u{0}b"], [], .valueContainsNUL(key: "NUL")),
            (["GOOD": "1"], ["DOOMED", "BAD-KEY"], .key(InvalidConfigKey(key: "BAD-KEY", problem: .characters))),
            (["": "x"], [], .key(InvalidConfigKey(key: "", problem: .empty))),
        ]
        for (set, unset, error) in cases {
            await #expect(throws: StoreError.invalidConfig(error)) {
                try await store.changeConfig(app: app, set: set, unset: unset)
            }
        }
        #expect(try await store.config(app: app) == before)
        #expect(StoreError.invalidConfig(cases[0].error).description
            == "invalid config key '1BAD': use letters, digits and _, not starting with a digit")
    }

    @Test
    func aFailureInsideTheTransactionRollsBackEveryChange() async throws {
        let before = try await store.changeConfig(app: app, set: ["KEPT": "1", "DOOMED": "2"])
        // SQLite refuses the third row written: the delete and the first insert must go too.
        try await store.execute(sql: """
            CREATE TEMP TRIGGER refuse_boom BEFORE INSERT ON config_vars WHEN NEW.key = 'BOOM'
            BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
            """)
        await #expect {
            try await store.changeConfig(app: app, set: ["AAA": "first", "BOOM": "x", "ZZZ": "last"], unset: ["DOOMED"])
        } throws: { error in
            "\(error)".contains("refused by the test")
        }
        #expect(try await store.config(app: app) == before)
    }

    @Test
    func concurrentChangesAllLand() async throws {
        let store = self.store, app = self.app
        let results = try await withThrowingTaskGroup(of: (Int, [String: String]).self) { group in
            for index in 0..<40 {
                group.addTask {
                    (index, try await store.changeConfig(
                        app: app, set: ["KEY_\(index)": "\(index)", "LAST": "\(index)"], unset: ["GONE_\(index)"]))
                }
            }
            return try await group.reduce(into: [Int: [String: String]]()) { $0[$1.0] = $1.1 }
        }
        let config = try await store.config(app: app)
        #expect(config.count == 41)
        for index in 0..<40 { #expect(config["KEY_\(index)"] == "\(index)") }
        // Each change saw a config that had its own var, and one of them was the last.
        #expect(results.allSatisfy { index, config in config["KEY_\(index)"] == "\(index)" })
        #expect(results.values.contains(config))
    }

    @Test(.scratchDirectory)
    func concurrentChangesFromTwoConnectionsAllLand() async throws {
        // Two stores on one file, as two processes would be: only SQLite's lock orders them.
        let first = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        let second = try await blocking { [path = Fixture.databasePath] in try Store(path: path) }
        _ = try await first.createApp(app)
        let app = self.app
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { _ = try await store.changeConfig(app: app, set: ["KEY_\(index)": "\(index)"]) }
            }
            try await group.waitForAll()
        }
        let expected = Dictionary(uniqueKeysWithValues: (0..<20).map { ("KEY_\($0)", "\($0)") })
        #expect(try await first.config(app: app) == expected)
        #expect(try await second.config(app: app) == expected)
    }

    @Test
    func deletingAnAppDeletesItsConfig() async throws {
        let kept = Fixture.app("kept")
        _ = try await store.createApp(kept)
        _ = try await store.changeConfig(app: app, set: ["A": "1", "B": "2"])
        _ = try await store.changeConfig(app: kept, set: ["A": "kept"])

        try await store.deleteApp(app)

        #expect(try await store.rowCount("config_vars") == 1)
        #expect(try await store.config(app: kept) == ["A": "kept"])
        // A new app of the same name starts without config.
        _ = try await store.createApp(app)
        #expect(try await store.config(app: app).isEmpty)
    }

    @Test
    func schemaRejectsMalformedConfigRows() async throws {
        func insert(key: String, value: String, appID: String = "(SELECT id FROM apps)") -> String {
            "INSERT INTO config_vars (app_id, key, value, updated_at) VALUES (\(appID), '\(key)', \(value), '2025-01-01 00:00:00.000')"
        }
        let rejected: [(String, String)] = [
            (insert(key: "", value: "'x'"), "CHECK constraint failed"),
            (insert(key: "1A", value: "'x'"), "CHECK constraint failed"),
            (insert(key: "A-B", value: "'x'"), "CHECK constraint failed"),
            (insert(key: "A B", value: "'x'"), "CHECK constraint failed"),
            (insert(key: "É", value: "'x'"), "CHECK constraint failed"),
            (insert(key: String(repeating: "K", count: 257), value: "'x'"), "CHECK constraint failed"),
            (insert(key: "BIG", value: "printf('%.*c', 32769, 'x')"), "CHECK constraint failed"),
            // 16,385 characters but 32,770 bytes: the limit counts bytes.
            (insert(key: "BIG", value: "replace(printf('%.*c', 16385, 'x'), 'x', 'é')"), "CHECK constraint failed"),
            (insert(key: "NUL", value: "'a' || char(0) || 'b'"), "CHECK constraint failed"),
            (insert(key: "NULLED", value: "NULL"), "NOT NULL constraint failed"),
            (insert(key: "ORPHAN", value: "'x'", appID: "999"), "FOREIGN KEY constraint failed"),
            (insert(key: "TWICE", value: "'x'") + ";\n" + insert(key: "TWICE", value: "'y'"), "UNIQUE constraint failed"),
        ]
        for (sql, failure) in rejected {
            await #expect {
                try await store.execute(sql: sql)
            } throws: { error in
                "\(error)".contains(failure)
            }
        }
        #expect(try await store.rowCount("config_vars") == 0)

        // The limits themselves pass.
        try await store.execute(sql: insert(key: "MAX", value: "printf('%.*c', 32768, 'x')"))
        try await store.execute(sql: insert(key: "_" + String(repeating: "K", count: 255), value: "''"))
        #expect(try await store.config(app: app)["MAX"]?.utf8.count == 32768)
        #expect(try await store.rowCount("config_vars") == 2)
    }
}
