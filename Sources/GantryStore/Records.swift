import struct Foundation.Date
import GantryCore
import GRDB

// Rows as GRDB sees them. Internal: the rest of Gantry speaks GantryCore's values, which these
// records map to. Core's name and id types encode as plain strings and validate when decoded.

/// A row of `apps`.
struct AppRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "apps"

    /// `nil` until inserted.
    var id: Int64?
    var name: AppName
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case createdAt = "created_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let createdAt = Column(CodingKeys.createdAt)
    }

    /// The public value.
    var app: App { App(name: name, createdAt: createdAt) }

    /// The rows named `name` (at most one).
    static func named(_ name: AppName) -> QueryInterfaceRequest<AppRecord> {
        filter(Columns.name == name.rawValue)
    }

    /// The id of the app named `name`.
    /// - Throws: `StoreError.appNotFound`, or GRDB's errors.
    static func id(of name: AppName, in db: Database) throws -> Int64 {
        guard let id = try Int64.fetchOne(db, named(name).select(Columns.id)) else {
            throw StoreError.appNotFound(name)
        }
        return id
    }
}

/// A row of `api_tokens`.
struct TokenRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "api_tokens"

    /// `nil` until inserted.
    var id: Int64?
    var name: String
    /// Lowercase hex SHA-256 of the token.
    var tokenSHA256: String
    var createdAt: Date
    var lastUsedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id
        case name
        case tokenSHA256 = "token_sha256"
        case createdAt = "created_at"
        case lastUsedAt = "last_used_at"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let name = Column(CodingKeys.name)
        static let tokenSHA256 = Column(CodingKeys.tokenSHA256)
        static let createdAt = Column(CodingKeys.createdAt)
        static let lastUsedAt = Column(CodingKeys.lastUsedAt)
    }
}

/// A row of `builds`.
struct BuildRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "builds"

    /// `nil` until inserted.
    var id: Int64?
    var appID: Int64
    var ref: RefName
    var oldCommit: ObjectID
    var newCommit: ObjectID
    var status: BuildStatus
    var createdAt: Date
    var finishedAt: Date?
    var buildpack: String? = nil
    var stack: String? = nil
    /// `sha256:` and 64 lowercase hex digits (a CHECK constraint).
    var imageDigest: String? = nil
    var buildSeconds: Double? = nil
    var testSeconds: Double? = nil
    var failureReason: String? = nil

    enum CodingKeys: String, CodingKey {
        case id
        case appID = "app_id"
        case ref
        case oldCommit = "old_commit"
        case newCommit = "new_commit"
        case status
        case createdAt = "created_at"
        case finishedAt = "finished_at"
        case buildpack
        case stack
        case imageDigest = "image_digest"
        case buildSeconds = "build_seconds"
        case testSeconds = "test_seconds"
        case failureReason = "failure_reason"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let appID = Column(CodingKeys.appID)
        static let ref = Column(CodingKeys.ref)
        static let oldCommit = Column(CodingKeys.oldCommit)
        static let newCommit = Column(CodingKeys.newCommit)
        static let status = Column(CodingKeys.status)
        static let createdAt = Column(CodingKeys.createdAt)
        static let finishedAt = Column(CodingKeys.finishedAt)
        static let buildpack = Column(CodingKeys.buildpack)
        static let stack = Column(CodingKeys.stack)
        static let imageDigest = Column(CodingKeys.imageDigest)
        static let buildSeconds = Column(CodingKeys.buildSeconds)
        static let testSeconds = Column(CodingKeys.testSeconds)
        static let failureReason = Column(CodingKeys.failureReason)
    }

    /// The public value. `app` is the name of the app `appID` refers to; `log` is `nil` in
    /// listings.
    func build(app: AppName, log: String?) -> Build {
        guard let id else { preconditionFailure("a build row read from the database has an id") }
        return Build(
            id: id, app: app, ref: ref, oldCommit: oldCommit, newCommit: newCommit,
            status: status, createdAt: createdAt, finishedAt: finishedAt, log: log,
            buildpack: buildpack, stack: stack, imageDigest: imageDigest,
            buildSeconds: buildSeconds, testSeconds: testSeconds, failureReason: failureReason)
    }
}

/// A row of `build_log_chunks`: what one `appendBuildLog` call appended to a build's log.
struct BuildLogChunkRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "build_log_chunks"

    /// `nil` until inserted. Orders a build's chunks.
    var id: Int64?
    var buildID: Int64
    /// Never empty (a CHECK constraint).
    var text: String

    enum CodingKeys: String, CodingKey {
        case id
        case buildID = "build_id"
        case text
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let buildID = Column(CodingKeys.buildID)
        static let text = Column(CodingKeys.text)
    }

    /// The whole log of build `buildID`: its chunks, in order, joined.
    static func log(of buildID: Int64, in db: Database) throws -> String {
        let chunks = try String.fetchCursor(db, filter(Columns.buildID == buildID)
            .select(Columns.text)
            .order(Columns.id))
        var log = ""
        while let chunk = try chunks.next() { log += chunk }
        return log
    }
}
