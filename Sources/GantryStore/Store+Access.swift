import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// What `user` may do on `app`: `owner` for an admin, else their access, `nil` for none.
    /// - Throws: `StoreError.appNotFound`, `.userNotFound`; `StoreError.database`.
    public func role(of user: UserName, on app: AppName) async throws(StoreError) -> AccessRole? {
        try await read("read the access of '\(user)' to '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            guard let row = try Row.fetchOne(db, sql: "SELECT id, role FROM users WHERE name = ?", arguments: [user.rawValue]) else {
                throw StoreError.userNotFound(user)
            }
            if row["role"] as String == UserRole.admin.rawValue { return .owner }
            let role = try String.fetchOne(
                db, sql: "SELECT role FROM app_access WHERE app_id = ? AND user_id = ?", arguments: [appID, row["id"] as Int64])
            return role.flatMap(AccessRole.init(rawValue:))
        }
    }

    /// Who has access to `app`, by name.
    public func access(app: AppName) async throws(StoreError) -> [AppAccess] {
        try await read("list the access to '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            return try Row.fetchAll(
                db,
                sql: "SELECT u.name, a.role, a.created_at FROM app_access a JOIN users u ON u.id = a.user_id WHERE a.app_id = ? ORDER BY u.name",
                arguments: [appID]
            ).compactMap { row in
                guard let name = try? UserName(row["name"]), let role = AccessRole(rawValue: row["role"]),
                    let created = StoredTime.date(row["created_at"] as DatabaseValue)
                else { return nil }
                return AppAccess(user: name, role: role, createdAt: created)
            }
        }
    }

    /// Gives `user` `role` on `app` (or changes their role). The last owner cannot be made
    /// less than owner.
    /// - Throws: `.appNotFound`, `.userNotFound`, `.lastOwner`; `StoreError.database`.
    public func grantAccess(app: AppName, user: UserName, role: AccessRole) async throws(StoreError) -> AppAccess {
        try await write("give '\(user)' access to '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            let userID = try Self.requireUserID(user, in: db)
            if role != .owner, try Self.isLastOwner(userID, appID: appID, in: db) { throw StoreError.lastOwner(app, user) }
            let now = Date()
            try db.execute(
                sql: """
                    INSERT INTO app_access (app_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (app_id, user_id) DO UPDATE SET role = excluded.role
                    """,
                arguments: [appID, userID, role.rawValue, StoredTime.text(now)])
            return AppAccess(user: user, role: role, createdAt: now)
        }
    }

    /// Takes `user`'s access to `app` away. The last owner stays.
    /// - Throws: `.accessNotFound`, `.lastOwner`; `StoreError.database`.
    public func revokeAccess(app: AppName, user: UserName) async throws(StoreError) {
        try await write("take the access of '\(user)' to '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            let userID = try Self.requireUserID(user, in: db)
            if try Self.isLastOwner(userID, appID: appID, in: db) { throw StoreError.lastOwner(app, user) }
            try db.execute(sql: "DELETE FROM app_access WHERE app_id = ? AND user_id = ?", arguments: [appID, userID])
            if db.changesCount == 0 { throw StoreError.accessNotFound(app, user) }
        }
    }

    /// The apps `user` may see: every app for an admin, else those they have access to.
    public func apps(visibleTo user: UserName) async throws(StoreError) -> [App] {
        try await read("list the apps of '\(user)'") { db in
            try AppRecord.fetchAll(
                db,
                sql: """
                    SELECT apps.* FROM apps, users u WHERE u.name = ? AND (u.role = 'admin'
                      OR EXISTS (SELECT 1 FROM app_access a WHERE a.app_id = apps.id AND a.user_id = u.id))
                    ORDER BY apps.name
                    """,
                arguments: [user.rawValue]
            ).map(\.app)
        }
    }

    private static func isLastOwner(_ userID: Int64, appID: Int64, in db: Database) throws -> Bool {
        let owners = try Int64.fetchAll(db, sql: "SELECT user_id FROM app_access WHERE app_id = ? AND role = 'owner'", arguments: [appID])
        return owners == [userID]
    }
}
