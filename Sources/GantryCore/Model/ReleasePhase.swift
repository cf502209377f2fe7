/// A release's release command (the Procfile's `release:`, Heroku's release phase): it runs
/// once in a one-off container of the release, before any of its processes start, and the
/// release goes live only if it succeeds.
public struct ReleasePhase: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        case running
        case succeeded
        case failed
        case timedOut = "timed out"
        /// gantryd stopped while it ran (the release failed with it).
        case interrupted
    }

    public var status: Status
    /// How it ended, in words: `exit 0`, `exit 1`, `killed by signal 9`, `timed out after 3600 s`;
    /// `nil` while it runs.
    public var outcome: String?
    /// How long it ran; `nil` while it runs.
    public var seconds: Double?
    /// Its first lines of output (at most `maximumLines` lines of `maximumLineBytes` each); only
    /// in one release's details, `nil` in listings.
    public var output: [String]?
    /// Lines it wrote beyond those kept: counted, not stored.
    public var droppedLines: Int

    /// The most lines of a release command's output that are kept.
    public static let maximumLines = 2000
    /// The longest line kept, in bytes (longer ones are cut).
    public static let maximumLineBytes = 1024

    public init(status: Status, outcome: String? = nil, seconds: Double? = nil, output: [String]? = nil, droppedLines: Int = 0) {
        self.status = status
        self.outcome = outcome
        self.seconds = seconds
        self.output = output
        self.droppedLines = droppedLines
    }
}
