import GRDB

/// The schema's history. Migrations are append-only: never edit or reorder a registered one,
/// add a new one. They name tables and columns with string literals, not with the records'
/// `Columns`, so that renaming a Swift property can never change what an old migration did.
/// GRDB runs each migration in its own transaction.
enum Migrations {
    /// Every migration, oldest first.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-apps-tokens-builds", migrate: v1AppsTokensBuilds)
        return migrator
    }()

    /// The identifiers of every registered migration, oldest first.
    static var identifiers: [String] { migrator.migrations }

    private static func v1AppsTokensBuilds(_ db: Database) throws {
        try db.create(table: "apps") { t in
            t.primaryKey("id", .integer)
            t.column("name", .text).notNull().unique()
                .check(sql: "length(name) BETWEEN 1 AND 30")
            t.column("created_at", .datetime).notNull()
        }

        try db.create(table: "api_tokens") { t in
            t.primaryKey("id", .integer)
            t.column("name", .text).notNull()
            // Hex SHA-256 of the token; the token itself is never stored.
            t.column("token_sha256", .text).notNull().unique()
                .check(sql: "length(token_sha256) = 64 AND token_sha256 NOT GLOB '*[^0-9a-f]*'")
            t.column("created_at", .datetime).notNull()
            t.column("last_used_at", .datetime)
        }

        try db.create(table: "builds") { t in
            // AUTOINCREMENT: a build id is never reused, even after its app is deleted.
            t.autoIncrementedPrimaryKey("id")
            t.column("app_id", .integer).notNull()
                .references("apps", onDelete: .cascade)
            t.column("ref", .text).notNull()
                .check(sql: "substr(ref, 1, 5) = 'refs/'")
            t.column("old_commit", .text).notNull()
                .check(sql: "length(old_commit) = 40 AND old_commit NOT GLOB '*[^0-9a-f]*'")
            t.column("new_commit", .text).notNull()
                .check(sql: "length(new_commit) = 40 AND new_commit NOT GLOB '*[^0-9a-f]*'")
            // BuildStatus's raw values as of this migration, frozen. A new status needs a new
            // migration that rebuilds the table (SQLite cannot alter a CHECK constraint).
            t.column("status", .text).notNull()
                .check(sql: "status IN ('received', 'building', 'testing', 'succeeded', 'failed', 'test_failed')")
            t.column("created_at", .datetime).notNull()
            t.column("finished_at", .datetime)
            t.column("log", .text).notNull().defaults(to: "")
        }
        try db.create(index: "builds_on_app_id_id", on: "builds", columns: ["app_id", "id"])
    }
}
