import GRDB

// Internal views of the database for tests (`@testable import GantryStore`) and diagnostics.
extension Store {
    /// The identifiers of the migrations applied to the file, in registration order.
    func appliedMigrations() async throws(StoreError) -> [String] {
        try await read("list applied migrations") { db in
            try Migrations.migrator.appliedMigrations(db)
        }
    }

    /// `PRAGMA journal_mode` of a connection: `wal` for a store.
    func journalMode() async throws(StoreError) -> String {
        try await read("read the journal mode") { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
        }
    }

    /// The number of rows of `table`.
    func rowCount(_ table: String) async throws(StoreError) -> Int {
        try await read("count rows of \(table)") { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
        }
    }

    /// Runs SQL statements in a write transaction.
    func execute(sql: String) async throws(StoreError) {
        try await write("execute \(sql)") { db in
            try db.execute(sql: sql)
        }
    }

    /// The first column of every row of a query, as text.
    func strings(sql: String) async throws(StoreError) -> [String?] {
        try await read("query \(sql)") { db in
            try String?.fetchAll(db, sql: sql)
        }
    }
}
