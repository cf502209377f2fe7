import struct Foundation.Date
import GantryCore
import GRDB

/// A row of `ssh_keys`.
struct SSHKeyRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "ssh_keys"

    /// `nil` until inserted.
    var id: Int64?
    var name: KeyName
    var keyType: String
    /// The key blob, base64.
    var keyBase64: String
    /// `SHA256:` and the unpadded base64 SHA-256 of the blob.
    var fingerprint: String
    var createdAt: Date
    var userID: Int64?

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case keyType = "key_type"
        case keyBase64 = "key_base64"
        case fingerprint
        case createdAt = "created_at"
        case userID = "user_id"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let keyType = Column(CodingKeys.keyType)
        static let keyBase64 = Column(CodingKeys.keyBase64)
        static let fingerprint = Column(CodingKeys.fingerprint)
        static let createdAt = Column(CodingKeys.createdAt)
        static let userID = Column(CodingKeys.userID)
    }

    /// The public value, with its user's name.
    func key(user: UserName?) -> SSHKey { SSHKey(name: name, type: keyType, fingerprint: fingerprint, createdAt: createdAt, user: user) }
}
