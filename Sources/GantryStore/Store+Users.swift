import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Creates the user `name` with its first API token (called `name`, unscoped).
    /// - Returns: the user and the token, whose plaintext cannot be shown again.
    /// - Throws: `StoreError.userExists`; `StoreError.database` when SQLite fails.
    public func createUser(_ name: UserName, role: UserRole) async throws(StoreError) -> (User, token: String) {
        let token = Self.generateToken()
        let digest = Self.sha256Hex(token)
        let user = try await write("create user '\(name)'") { db in
            if try Self.userID(name, in: db) != nil { throw StoreError.userExists(name) }
            let now = Date()
            try db.execute(
                sql: "INSERT INTO users (name, role, created_at) VALUES (?, ?, ?)",
                arguments: [name.rawValue, role.rawValue, StoredTime.text(now)])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO api_tokens (name, token_sha256, created_at, user_id) VALUES (?, ?, ?, ?)",
                arguments: [name.rawValue, digest, StoredTime.text(now), id])
            return User(name: name, role: role, createdAt: now)
        }
        return (user, token)
    }

    /// The number of users. gantryd creates the first admin when there is none.
    public func userCount() async throws(StoreError) -> Int {
        try await read("count users") { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }

    /// Every user, by name.
    public func users() async throws(StoreError) -> [User] {
        try await read("list users") { db in
            try Row.fetchAll(db, sql: "SELECT name, role, created_at FROM users ORDER BY name").compactMap(Self.user)
        }
    }

    /// The user named `name`.
    /// - Throws: `StoreError.userNotFound`; `StoreError.database` when SQLite fails.
    public func user(named name: UserName) async throws(StoreError) -> User {
        try await read("read user '\(name)'") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT name, role, created_at FROM users WHERE name = ?", arguments: [name.rawValue]),
                let user = Self.user(row)
            else { throw StoreError.userNotFound(name) }
            return user
        }
    }

    /// Removes the user: their tokens, SSH keys and access go with them (at once: a removed
    /// user's token or key is refused on a connection it opened before). Their apps stay, for
    /// the admins and the other owners.
    /// - Throws: `StoreError.userNotFound`; `StoreError.lastAdmin` when they are the only admin.
    public func deleteUser(_ name: UserName) async throws(StoreError) {
        try await write("remove user '\(name)'") { db in
            guard let role = try String.fetchOne(db, sql: "SELECT role FROM users WHERE name = ?", arguments: [name.rawValue]) else {
                throw StoreError.userNotFound(name)
            }
            if role == UserRole.admin.rawValue, try Int.fetchOne(db, sql: "SELECT count(*) FROM users WHERE role = 'admin'") == 1 {
                throw StoreError.lastAdmin(name)
            }
            try db.execute(sql: "DELETE FROM users WHERE name = ?", arguments: [name.rawValue])
        }
    }

    static func userID(_ name: UserName, in db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM users WHERE name = ?", arguments: [name.rawValue])
    }

    static func requireUserID(_ name: UserName, in db: Database) throws -> Int64 {
        guard let id = try userID(name, in: db) else { throw StoreError.userNotFound(name) }
        return id
    }

    private static func user(_ row: Row) -> User? {
        guard let name = try? UserName(row["name"]), let role = UserRole(rawValue: row["role"]),
            let created = StoredTime.date(row["created_at"] as DatabaseValue)
        else { return nil }
        return User(name: name, role: role, createdAt: created)
    }
}
