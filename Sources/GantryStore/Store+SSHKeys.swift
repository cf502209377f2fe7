import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// Registers an SSH public key under `name`. The caller has parsed and checked the key;
    /// the table's constraints refuse a type or encoding no parser would accept.
    /// - Parameters:
    ///   - type: the OpenSSH key type (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …).
    ///   - base64: the key blob, base64 as in a `.pub` file.
    ///   - fingerprint: `SHA256:` and the unpadded base64 SHA-256 of the blob.
    /// - Returns: the key as stored.
    /// - Throws: `StoreError.sshKeyExists` when the name is taken, `.sshKeyDuplicate` when the
    ///   same key is registered under another name; `StoreError.database` when SQLite fails.
    public func addSSHKey(name: KeyName, type: String, base64: String, fingerprint: String, user: UserName) async throws(StoreError) -> SSHKey {
        try await write("add SSH key '\(name)'") { db in
            let userID = try Self.requireUserID(user, in: db)
            if try SSHKeyRecord.filter(SSHKeyRecord.Columns.name == name.rawValue).fetchCount(db) > 0 {
                throw StoreError.sshKeyExists(name)
            }
            if let existing = try SSHKeyRecord.filter(SSHKeyRecord.Columns.fingerprint == fingerprint).fetchOne(db) {
                throw StoreError.sshKeyDuplicate(fingerprint: fingerprint, existing: existing.name)
            }
            let record = SSHKeyRecord(id: nil, name: name, keyType: type, keyBase64: base64, fingerprint: fingerprint, createdAt: Date(), userID: userID)
            return try record.insertAndFetch(db).key(user: user)
        }
    }

    /// The SSH keys of `user` (everyone's when `nil`), by name.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func sshKeys(of user: UserName? = nil) async throws(StoreError) -> [SSHKey] {
        try await read("list SSH keys") { db in
            let names = try Self.userNames(in: db)
            return try SSHKeyRecord.order(SSHKeyRecord.Columns.name).fetchAll(db)
                .map { $0.key(user: $0.userID.flatMap { names[$0] }) }
                .filter { user == nil || $0.user == user }
        }
    }

    /// The key with this fingerprint, if one is registered: who is knocking.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func sshKey(fingerprint: String) async throws(StoreError) -> SSHKey? {
        try await read("find an SSH key") { db in
            guard let record = try SSHKeyRecord.filter(SSHKeyRecord.Columns.fingerprint == fingerprint).fetchOne(db) else { return nil }
            // A key of no user (none after v10) is no one's: refused.
            guard let userID = record.userID, let user = try Self.userNames(in: db)[userID] else { return nil }
            return record.key(user: user)
        }
    }

    /// The key named `name`.
    /// - Throws: `StoreError.sshKeyNotFound`; `StoreError.database` when SQLite fails.
    public func sshKey(named name: KeyName) async throws(StoreError) -> SSHKey {
        guard let key = try await sshKeys().first(where: { $0.name == name }) else { throw StoreError.sshKeyNotFound(name) }
        return key
    }

    private static func userNames(in db: Database) throws -> [Int64: UserName] {
        var names: [Int64: UserName] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, name FROM users") {
            names[row["id"]] = try? UserName(row["name"])
        }
        return names
    }

    /// Removes the key named `name`: it can no longer authenticate, nor run a command on a
    /// connection it opened before.
    /// - Throws: `StoreError.sshKeyNotFound`; `StoreError.database` when SQLite fails.
    public func deleteSSHKey(_ name: KeyName) async throws(StoreError) {
        try await write("remove SSH key '\(name)'") { db in
            if try SSHKeyRecord.filter(SSHKeyRecord.Columns.name == name.rawValue).deleteAll(db) == 0 {
                throw StoreError.sshKeyNotFound(name)
            }
        }
    }
}
