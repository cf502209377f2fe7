import Foundation
import GantryCore
import GRDB

/// A row of `releases`.
struct ReleaseRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "releases"

    /// `nil` until inserted.
    var id: Int64?
    var appID: Int64
    var version: Int
    var buildID: Int64?
    var imageTag: String
    var imageDigest: String
    /// `REGISTRY/APP@sha256:…` once pushed to a registry.
    var imageReference: String?
    var commitID: ObjectID?
    /// `ReleaseRecord.json(_:)` of the config snapshot.
    var configJSON: String
    /// `ReleaseRecord.json(_:)` of the process types.
    var processTypesJSON: String
    var description: String
    var createdBy: String
    var origin: ReleaseOrigin
    var createdAt: Date
    var status: ReleaseStatus
    var failureReason: String?

    enum CodingKeys: String, CodingKey {
        case id
        case appID = "app_id"
        case version
        case buildID = "build_id"
        case imageTag = "image_tag"
        case imageDigest = "image_digest"
        case imageReference = "image_reference"
        case commitID = "commit_id"
        case configJSON = "config_json"
        case processTypesJSON = "process_types_json"
        case description
        case createdBy = "created_by"
        case origin
        case createdAt = "created_at"
        case status
        case failureReason = "failure_reason"
    }

    enum Columns {
        static let id = Column(CodingKeys.id)
        static let appID = Column(CodingKeys.appID)
        static let version = Column(CodingKeys.version)
        static let buildID = Column(CodingKeys.buildID)
        static let status = Column(CodingKeys.status)
        static let failureReason = Column(CodingKeys.failureReason)
    }

    /// The public value. `app` is the name of the app `appID` refers to.
    /// - Throws: `StoreError.database` when a JSON column does not decode (the CHECK
    ///   constraints only ensure it is a JSON object).
    func release(app: AppName) throws -> Release {
        guard let id else { preconditionFailure("a release row read from the database has an id") }
        return Release(
            id: id, app: app, version: version, buildID: buildID, imageTag: imageTag,
            imageDigest: imageDigest, commit: commitID,
            config: try Self.decodeObject(configJSON, column: "config_json", id: id),
            processTypes: try Self.decodeObject(processTypesJSON, column: "process_types_json", id: id),
            description: description, createdBy: createdBy, origin: origin, createdAt: createdAt, status: status,
            failureReason: failureReason, imageReference: imageReference)
    }

    /// `object` as the text of a JSON column: keys sorted, so that equal snapshots are equal text.
    static func json(_ object: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a dictionary of strings cannot fail.
        return String(decoding: try! encoder.encode(object), as: UTF8.self)
    }

    private static func decodeObject(_ text: String, column: String, id: Int64) throws -> [String: String] {
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.database("release \(id) has a malformed \(column) (expected a JSON object of strings); restore the database from a backup")
        }
    }
}

/// A row of `formation`: how many processes of one type an app runs.
struct FormationRecord: Codable, FetchableRecord, PersistableRecord, StoredTimeRecord {
    static let databaseTableName = "formation"

    var appID: Int64
    var processType: String
    var quantity: Int

    enum CodingKeys: String, CodingKey {
        case appID = "app_id"
        case processType = "process_type"
        case quantity
    }

    enum Columns {
        static let appID = Column(CodingKeys.appID)
        static let processType = Column(CodingKeys.processType)
        static let quantity = Column(CodingKeys.quantity)
    }
}
