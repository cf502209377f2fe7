import GantryCore
import GRDB

extension Store {
    /// How many processes of each type `app` runs, for the types that have been set
    /// (`setFormation`); a type not listed runs none.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func formation(app: AppName) async throws(StoreError) -> [String: Int] {
        try await read("read the formation of '\(app)'") { db in
            try FormationRecord.counts(appID: AppRecord.id(of: app, in: db), in: db)
        }
    }

    /// Sets the count of each process type in `counts`, in one transaction; types it does not
    /// name keep their counts. Every entry is checked before anything is written.
    /// - Parameter counts: process type (as in a Procfile) → count, 0 to
    ///   `Formation.maximumQuantity`.
    /// - Returns: the app's whole formation after the change.
    /// - Throws: `StoreError.invalidFormation` naming the first invalid type or count (in type
    ///   order; nothing is changed); `StoreError.appNotFound`; `StoreError.database` when SQLite
    ///   fails (nothing is changed).
    @discardableResult
    public func setFormation(app: AppName, _ counts: [String: Int]) async throws(StoreError) -> [String: Int] {
        do { _ = try Formation(counts) } catch { throw .invalidFormation(error) }
        return try await write("set the formation of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO formation (app_id, process_type, quantity) VALUES (?, ?, ?)
                ON CONFLICT (app_id, process_type) DO UPDATE SET quantity = excluded.quantity
                """)
            for (type, quantity) in counts.sorted(by: { $0.key < $1.key }) {
                try upsert.execute(arguments: [appID, type, quantity])
            }
            return try FormationRecord.counts(appID: appID, in: db)
        }
    }
}

extension FormationRecord {
    /// The formation of app `appID`: process type → count.
    static func counts(appID: Int64, in db: Database) throws -> [String: Int] {
        let rows = try Row.fetchCursor(db, filter(Columns.appID == appID).select(Columns.processType, Columns.quantity))
        var counts: [String: Int] = [:]
        while let row = try rows.next() {
            counts[row[0]] = row[1] as Int
        }
        return counts
    }
}
