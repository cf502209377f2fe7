import struct Foundation.Date

/// Where a build stands. A push to the deploy branch records a build as `received`; the later
/// stages move it on.
public enum BuildStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Objects and refs received; no later stage has run yet.
    case received
    case building
    case testing
    case succeeded
    case failed
    case testFailed = "test_failed"
}

/// One push (or, later, webhook delivery) of a deploy branch, as recorded.
public struct Build: Hashable, Sendable, Codable, Identifiable {
    public var id: Int64
    public var app: AppName
    public var ref: RefName
    /// The ref's value before the push (`ObjectID.zero` for the first push).
    public var oldCommit: ObjectID
    public var newCommit: ObjectID
    public var status: BuildStatus
    public var createdAt: Date
    public var finishedAt: Date?
    /// Everything the pipeline printed for this build; `nil` in listings, which leave it out.
    public var log: String?

    public init(
        id: Int64, app: AppName, ref: RefName, oldCommit: ObjectID, newCommit: ObjectID,
        status: BuildStatus, createdAt: Date, finishedAt: Date? = nil, log: String? = nil
    ) {
        self.id = id
        self.app = app
        self.ref = ref
        self.oldCommit = oldCommit
        self.newCommit = newCommit
        self.status = status
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.log = log
    }
}
