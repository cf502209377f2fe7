import struct Foundation.Date

/// Where a build stands. A push to the deploy branch records a build as `received`; detect,
/// build and test move it on, and it ends in one of the finished statuses (`isFinished`).
///
/// The raw values are stored in the database: never change one, add a case instead (with a
/// migration widening the `builds.status` CHECK constraint).
public enum BuildStatus: String, Hashable, Sendable, Codable, CaseIterable {
    /// Objects and refs received; no later stage has run yet.
    case received
    /// Detecting the buildpack, or compiling the app into an image.
    case building
    /// The image is built; the app's tests are running in a throwaway container.
    case testing
    /// Finished: the image is built and the app's tests passed.
    case built
    /// Finished: the build went all the way through. (Recorded before the pipeline had its
    /// detect, build and test stages; kept for the stages after test.)
    case succeeded
    /// Finished: no buildpack detected the app, or compiling it failed.
    case buildFailed = "build_failed"
    /// Finished: the image was built but the app's tests failed.
    case testFailed = "test_failed"
    /// Finished: a stage ran out of time and was stopped.
    case timedOut = "timed_out"
    /// Finished: Gantry itself failed (an internal or other error), not the app.
    case failed
    /// Finished: gantryd stopped (a crash, a kill) while the build ran; its log holds what it
    /// wrote until then. Set at gantryd's next start.
    case interrupted

    /// Whether the build is over: no stage will move it on.
    public var isFinished: Bool {
        switch self {
        case .received, .building, .testing: false
        case .built, .succeeded, .buildFailed, .testFailed, .timedOut, .failed, .interrupted: true
        }
    }
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
    /// The buildpack that detected the app (`python`, `nodejs`, …); `nil` until detect ran.
    public var buildpack: String?
    /// The stack the image was built on; `nil` until the build stage ran.
    public var stack: String?
    /// The built image's digest, `sha256:` and 64 hex digits; `nil` until the image exists.
    public var imageDigest: String?
    /// How long the build stage (compile and release) took, in seconds.
    public var buildSeconds: Double?
    /// How long the test stage took, in seconds.
    public var testSeconds: Double?
    /// Why the build failed, in words a user can act on; `nil` unless it failed.
    public var failureReason: String?
    /// The first line of the new commit's message and its author, when recorded.
    public var commitSummary: CommitSummary?

    /// A build as recorded; the stage fields default to "not run yet".
    public init(
        id: Int64, app: AppName, ref: RefName, oldCommit: ObjectID, newCommit: ObjectID,
        status: BuildStatus, createdAt: Date, finishedAt: Date? = nil, log: String? = nil,
        buildpack: String? = nil, stack: String? = nil, imageDigest: String? = nil,
        buildSeconds: Double? = nil, testSeconds: Double? = nil, failureReason: String? = nil,
        commitSummary: CommitSummary? = nil
    ) {
        self.commitSummary = commitSummary
        self.id = id
        self.app = app
        self.ref = ref
        self.oldCommit = oldCommit
        self.newCommit = newCommit
        self.status = status
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.log = log
        self.buildpack = buildpack
        self.stack = stack
        self.imageDigest = imageDigest
        self.buildSeconds = buildSeconds
        self.testSeconds = testSeconds
        self.failureReason = failureReason
    }
}
