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
    public func addSSHKey(name: KeyName, type: String, base64: String, fingerprint: String) async throws(StoreError) -> SSHKey {
        try await write("add SSH key '\(name)'") { db in
            if try SSHKeyRecord.filter(SSHKeyRecord.Columns.name == name.rawValue).fetchCount(db) > 0 {
                throw StoreError.sshKeyExists(name)
            }
            if let existing = try SSHKeyRecord.filter(SSHKeyRecord.Columns.fingerprint == fingerprint).fetchOne(db) {
                throw StoreError.sshKeyDuplicate(fingerprint: fingerprint, existing: existing.name)
            }
            let record = SSHKeyRecord(id: nil, name: name, keyType: type, keyBase64: base64, fingerprint: fingerprint, createdAt: Date())
            return try record.insertAndFetch(db).key
        }
    }

    /// Every SSH key, by name.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func sshKeys() async throws(StoreError) -> [SSHKey] {
        try await read("list SSH keys") { db in
            try SSHKeyRecord.order(SSHKeyRecord.Columns.name).fetchAll(db).map(\.key)
        }
    }

    /// The key with this fingerprint, if one is registered: who is knocking.
    /// - Throws: `StoreError.database` when SQLite fails.
    public func sshKey(fingerprint: String) async throws(StoreError) -> SSHKey? {
        try await read("find an SSH key") { db in
            try SSHKeyRecord.filter(SSHKeyRecord.Columns.fingerprint == fingerprint).fetchOne(db)?.key
        }
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
