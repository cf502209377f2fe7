import Foundation
import GRDB

/// Gantry's SQLite database, in WAL mode: apps, API tokens, builds and config vars. The only
/// code in Gantry that speaks SQL.
///
/// Every operation is `async`: GRDB runs it on its own connections (one writer, several
/// concurrent readers) so the caller's thread never blocks on SQLite. Writes are serialized;
/// reads see the last committed state. Foreign keys are enforced on every connection.
public final class Store: Sendable {
    /// The database file.
    public let path: String

    /// The identifiers of the migrations that opening this store applied, oldest first; empty
    /// when the file was already up to date.
    public let migrationsAppliedAtOpen: [String]

    let pool: DatabasePool

    /// A directory this store created and removes when it is deallocated (`temporary()`).
    private let ownedDirectory: String?

    /// Opens the database at `path`, creating the file if needed, and brings its schema up to
    /// date.
    /// - Parameter path: the SQLite file; its directory must exist.
    /// - Throws: `StoreError.database` when the file cannot be opened or migrated, or when a
    ///   newer Gantry has migrated it past what this one knows.
    /// - Parameter durability: `.full` (gantryd's default) makes every committed transaction
    ///   survive a power loss; `.normal` may lose the last ones then (never on a crash).
    public convenience init(path: String, durability: Durability = .full) throws(StoreError) {
        try self.init(path: path, ownedDirectory: nil, durability: durability)
    }

    /// How SQLite syncs the write-ahead log (`PRAGMA synchronous`).
    public enum Durability: String, Sendable, CaseIterable {
        /// `FULL`: the WAL is synced at every commit. A release recorded live stays recorded
        /// whatever happens to the machine.
        case full
        /// `NORMAL`: synced at checkpoints only; a power loss may roll back the last commits
        /// (a crash of gantryd does not: the WAL is in the page cache).
        case normal
    }

    /// Opens the database at `path` and applies the migrations up to `target` only, as an older
    /// Gantry would have. For tests of the later migrations.
    convenience init(path: String, migratingUpTo target: String) throws(StoreError) {
        try self.init(path: path, ownedDirectory: nil, migratingUpTo: target)
    }

    private init(path: String, ownedDirectory: String?, migratingUpTo target: String? = nil, durability: Durability = .full) throws(StoreError) {
        var configuration = Configuration()
        configuration.label = "gantry"
        configuration.foreignKeysEnabled = true
        // After GRDB's own set-up, which turns WAL's synchronous to NORMAL.
        let synchronous = durability == .full ? "FULL" : "NORMAL"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = \(synchronous)") }
        // Wait for a lock held by another process (the sqlite3 shell, a backup) rather than fail.
        configuration.busyMode = .timeout(5)

        let pool: DatabasePool
        let pending: [String]
        do {
            // A pool opens the file in WAL mode.
            pool = try DatabasePool(path: path, configuration: configuration)
            let migrator = Migrations.migrator
            let applied = try pool.read { db in
                if try migrator.hasBeenSuperseded(db) {
                    let unknown = try migrator.appliedIdentifiers(db).subtracting(migrator.migrations)
                    throw StoreError.database(
                        "the database \(path) was migrated by a newer Gantry (unknown migrations: "
                            + unknown.sorted().joined(separator: ", ")
                            + "); upgrade gantryd, or restore a backup made by this version")
                }
                return try migrator.appliedIdentifiers(db)
            }
            guard let target = target ?? migrator.migrations.last,
                  let last = migrator.migrations.firstIndex(of: target)
            else {
                preconditionFailure("no migration is called '\(target ?? "")'")
            }
            pending = migrator.migrations[...last].filter { !applied.contains($0) }
            try migrator.migrate(pool, upTo: target)
        } catch {
            throw StoreError(error, operation: "open the database", path: path)
        }
        self.path = path
        self.pool = pool
        self.migrationsAppliedAtOpen = pending
        self.ownedDirectory = ownedDirectory
    }

    /// A store in a new temporary directory, removed with everything in it when the store is
    /// deallocated. A real file rather than an in-memory database, so that WAL mode and
    /// concurrent readers behave as in production. For tests.
    /// - Throws: `StoreError.database` when the directory or the database cannot be created.
    public static func temporary() throws(StoreError) -> Store {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gantry-store-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .database("cannot create the temporary directory \(directory): \(error)")
        }
        return try Store(path: directory + "/gantry.sqlite", ownedDirectory: directory)
    }

    /// Closes every connection, checkpointing the WAL into the database file. Any later
    /// operation on this store throws. Deallocating the store closes it too.
    /// - Throws: `StoreError.database` when SQLite cannot close (a statement is still running).
    public func close() throws(StoreError) {
        do {
            try pool.close()
        } catch {
            throw StoreError(error, operation: "close the database", path: path)
        }
    }

    deinit {
        if let ownedDirectory {
            try? pool.close()
            try? FileManager.default.removeItem(atPath: ownedDirectory)
        }
    }
}

extension Store {
    /// Runs `body` in a read-only transaction on a reader connection.
    /// - Throws: what `body` throws if it is a `StoreError`, else `StoreError.database`
    ///   describing `operation`.
    func read<T: Sendable>(
        _ operation: @autoclosure () -> String,
        _ body: @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StoreError(error, operation: operation(), path: path)
        }
    }

    /// Runs `body` in a write transaction, rolled back if `body` throws.
    /// - Throws: what `body` throws if it is a `StoreError`, else `StoreError.database`
    ///   describing `operation`.
    func write<T: Sendable>(
        _ operation: @autoclosure () -> String,
        _ body: @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw StoreError(error, operation: operation(), path: path)
        }
    }
}
