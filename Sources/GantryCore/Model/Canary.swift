import struct Foundation.Date

/// A gray release: release `release` of an app serves `weight`% of its requests beside the live
/// release `stable`, until it is promoted (it becomes live) or aborted (it is removed; the live
/// release never stopped serving). At most one canary per app runs at a time.
///
/// The router keeps a client on one side with a cookie (`gantry-canary=APP:vN`, see
/// `CanaryCookie`); `X-Gantry-Canary: always|never` forces a side for testers.
public struct Canary: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var app: AppName
    /// The canary's release version.
    public var release: Int
    /// The live release it is compared against (and that takes the rest of the traffic).
    public var stable: Int
    /// The share of requests without a cookie that go to the canary, 1 to 99 (%).
    public var weight: Int
    /// Automatic analysis, when asked for; `nil`: the weight moves by hand only.
    public var analysis: CanaryAnalysis?
    public var state: CanaryState
    /// Why it ended, in words (`promoted by alice`, `error rate 20.0% above 1.0%`); `nil` while it runs.
    public var reason: String?
    public var startedAt: Date
    public var finishedAt: Date?
    /// What happened to it, oldest first: starts, weight changes, analysis verdicts, the end.
    /// Listings of releases leave them out.
    public var events: [CanaryEvent]

    public init(
        id: Int64, app: AppName, release: Int, stable: Int, weight: Int, analysis: CanaryAnalysis?, state: CanaryState,
        reason: String? = nil, startedAt: Date, finishedAt: Date? = nil, events: [CanaryEvent] = []
    ) {
        self.id = id
        self.app = app
        self.release = release
        self.stable = stable
        self.weight = weight
        self.analysis = analysis
        self.state = state
        self.reason = reason
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.events = events
    }

    /// `canary 10%`, `canary aborted`, `canary promoted`.
    public var label: String {
        switch state {
        case .running: "canary \(weight)%"
        case .promoted: "canary promoted"
        case .aborted: "canary aborted"
        }
    }
}

/// Where a canary stands. The raw values are stored in the database: never change one.
public enum CanaryState: String, Codable, Sendable, Hashable, CaseIterable {
    /// Serving its share of traffic.
    case running
    /// It became the live release.
    case promoted
    /// It was removed; the live release kept serving.
    case aborted
}

/// One thing that happened to a canary, with the weight it had then.
public struct CanaryEvent: Codable, Sendable, Hashable {
    public var at: Date
    public var weight: Int
    public var text: String

    public init(at: Date, weight: Int, text: String) {
        self.at = at
        self.weight = weight
        self.text = text
    }
}

/// The weight of a canary: a whole percentage from 1 to 99 (0 is an abort, 100 a promotion).
public enum CanaryWeight {
    public static let range = 1...99

    /// `10` or `10%` → 10; `nil` outside 1–99 or not a whole number.
    public static func parse(_ text: String) -> Int? {
        let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
        guard digits.utf8.count <= 3, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let weight = Int(digits), range.contains(weight)
        else { return nil }
        return weight
    }

    /// The error for a weight that is not one.
    public static func invalid(_ text: String) -> CanaryInputError {
        CanaryInputError("the canary weight must be a whole percentage from 1 to 99, not \"\(text)\"")
    }
}

/// The sticky cookie the router sets on a client's first response while an app has a canary:
/// `gantry-canary=APP:vN`, naming the release (canary or stable) that answered.
public enum CanaryCookie {
    public static let name = "gantry-canary"
    /// The request field that forces a side: `always` (the canary) or `never` (stable).
    public static let forceField = "X-Gantry-Canary"

    /// `hello:v8`.
    public static func value(app: AppName, release: Int) -> String { "\(app.rawValue):v\(release)" }
}

/// A canary request or option that cannot be taken; the message says what is wrong.
public struct CanaryInputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
