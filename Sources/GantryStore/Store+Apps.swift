import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Creates the app `name`, owned by `owner` when given.
    /// - Returns: the app as stored.
    /// - Throws: `StoreError.appExists` when an app has that name already, `.userNotFound`;
    ///   `StoreError.database` when SQLite fails.
    public func createApp(_ name: AppName, owner: UserName? = nil) async throws(StoreError) -> App {
        try await write("create app '\(name)'") { db in
            let app: App
            do {
                app = try AppRecord(id: nil, name: name, createdAt: Date()).insertAndFetch(db).app
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StoreError.appExists(name)
            }
            if let owner {
                try db.execute(
                    sql: "INSERT INTO app_access (app_id, user_id, role, created_at) VALUES (?, ?, 'owner', ?)",
                    arguments: [try AppRecord.id(of: name, in: db), try Self.requireUserID(owner, in: db), StoredTime.text(app.createdAt)])
            }
            return app
        }
    }

    /// Every app, sorted by name.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func apps() async throws(StoreError) -> [App] {
        try await read("list apps") { db in
            try AppRecord.order(AppRecord.Columns.name).fetchAll(db).map(\.app)
        }
    }

    /// The app named `name`.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    /// The host uid the app's builds and processes run as (`AppUser`, from its row id).
    public func user(of name: AppName) async throws(StoreError) -> Int {
        let id: Int64 = try await read("read app '\(name)'") { db in
            guard let id = try AppRecord.named(name).fetchOne(db)?.id else { throw StoreError.appNotFound(name) }
            return id
        }
        return AppUser.uid(appID: id)
    }

    public func app(_ name: AppName) async throws(StoreError) -> App {
        try await read("read app '\(name)'") { db in
            guard let record = try AppRecord.named(name).fetchOne(db) else {
                throw StoreError.appNotFound(name)
            }
            return record.app
        }
    }

    /// Deletes the app named `name` and, through the foreign keys' cascade, all its builds and config vars.
    /// Files on disk (its repository) are the caller's to remove.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func deleteApp(_ name: AppName) async throws(StoreError) {
        try await write("delete app '\(name)'") { db in
            if try AppRecord.named(name).deleteAll(db) == 0 {
                throw StoreError.appNotFound(name)
            }
        }
    }
}
