import struct Foundation.Date
import GantryCore
import GRDB

/// A row of `config_vars`: one config var of one app.
struct ConfigVarRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "config_vars"

    /// `nil` until inserted.
    var id: Int64?
    var appID: Int64
    var key: ConfigKey
    /// At most `ConfigValue.maximumSize` bytes, no NUL (a CHECK constraint).
    var value: String
    /// When the value last changed.
    var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case appID = "app_id"
        case key
        case value
        case updatedAt = "updated_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let appID = Column(CodingKeys.appID)
        static let key = Column(CodingKeys.key)
        static let value = Column(CodingKeys.value)
        static let updatedAt = Column(CodingKeys.updatedAt)
    }

    /// Every config var of app `appID`, by key.
    static func config(appID: Int64, in db: Database) throws -> [String: String] {
        let rows = try Row.fetchCursor(db, filter(Columns.appID == appID).select(Columns.key, Columns.value))
        var config: [String: String] = [:]
        while let row = try rows.next() {
            config[row[0]] = row[1] as String
        }
        return config
    }

    /// Unsets `unset`, then sets `set`, in the caller's transaction. A var whose value does not
    /// change keeps its `updated_at`; unsetting a var that is not set does nothing. The values
    /// must have been validated (`ConfigValue.validate`): a CHECK constraint rejects the rest.
    static func change(
        appID: Int64, set: [ConfigKey: String], unset: [ConfigKey], at now: Date, in db: Database
    ) throws {
        if !unset.isEmpty {
            _ = try filter(Columns.appID == appID && unset.map(\.rawValue).contains(Columns.key)).deleteAll(db)
        }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO config_vars (app_id, key, value, updated_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (app_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            WHERE value IS NOT excluded.value
            """)
        for (key, value) in set.sorted(by: { $0.key < $1.key }) {
            try upsert.execute(arguments: [appID, key.rawValue, value, StoredTime.text(now)])
        }
    }
}
