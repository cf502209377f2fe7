/// Gray releases over the API (see `Canary`):
///
/// - `POST /api/v1/apps/NAME/canary` with a `CanaryRequest`: a canary of release `version`
///   (made as a new release from its image, like a rollback) beside the live one; answered with
///   the `CanaryStatus` once it serves (or, with `wait`, once automatic analysis decided).
/// - `GET /api/v1/apps/NAME/canary`: the app's running canary, else its last one, with the
///   traffic of both sides since it started (`CanaryStatus`; `canary` is `nil` if none ever ran).
/// - `PATCH /api/v1/apps/NAME/canary` with a `CanaryWeightRequest`: a new weight (manual; it
///   stops automatic analysis).
/// - `POST /api/v1/apps/NAME/canary/promote`: the canary becomes live with the usual
///   zero-downtime switch; answered with the new live release (`ReleaseSummary`).
/// - `POST /api/v1/apps/NAME/canary/abort`: the canary is drained and removed, live untouched;
///   answered with the ended `Canary`.
///
/// Each needs `deploy` access to the app, as a push does; a refusal is an `OperationError`.
public struct CanaryRequest: Codable, Sendable, Equatable {
    /// The release whose image the canary runs; `nil`: the newest release newer than the live one that was live once.
    public var version: Int?
    /// The starting weight (1–99); `nil`: the first analysis step, or 10 without analysis.
    public var weight: Int?
    /// Automatic analysis; `nil`: the weight moves by hand.
    public var analysis: CanaryAnalysis?
    /// Answer only once automatic analysis promoted or aborted the canary.
    public var wait: Bool

    /// The weight of a manual canary when none is given.
    public static let defaultWeight = 10

    public init(version: Int? = nil, weight: Int? = nil, analysis: CanaryAnalysis? = nil, wait: Bool = false) {
        self.version = version
        self.weight = weight
        self.analysis = analysis
        self.wait = wait
    }

    /// The weight the canary starts at.
    public var startingWeight: Int { weight ?? analysis?.steps.first ?? Self.defaultWeight }

    /// Checks the weight against the analysis.
    public func validated() throws(CanaryInputError) -> CanaryRequest {
        if let weight, !CanaryWeight.range.contains(weight) { throw CanaryWeight.invalid(String(weight)) }
        if wait && analysis == nil { throw CanaryInputError("waiting for the canary's verdict needs automatic analysis (steps)") }
        return self
    }
}

/// Body of `PATCH /api/v1/apps/NAME/canary`.
public struct CanaryWeightRequest: Codable, Sendable, Equatable {
    public var weight: Int
    public init(weight: Int) { self.weight = weight }
}

/// An app's canary and the traffic each side answered since it started.
public struct CanaryStatus: Codable, Sendable, Equatable {
    /// The running canary, else the app's last one; `nil` if it never had one.
    public var canary: Canary?
    /// The stable (live) release's requests since the canary started (while it runs).
    public var stableTraffic: ReleaseTraffic?
    /// The canary's requests since it started (while it runs).
    public var canaryTraffic: ReleaseTraffic?
    /// Seconds until automatic analysis decides next, while it runs.
    public var nextVerdictIn: Double?

    public init(canary: Canary?, stableTraffic: ReleaseTraffic? = nil, canaryTraffic: ReleaseTraffic? = nil, nextVerdictIn: Double? = nil) {
        self.canary = canary
        self.stableTraffic = stableTraffic
        self.canaryTraffic = canaryTraffic
        self.nextVerdictIn = nextVerdictIn
    }
}

/// What `git push -o …` can ask of a canary:
///
///     -o canary=10                      a canary at 10% (manual weight)
///     -o canary-steps=5,25,50,100       automatic analysis (starts at the first step)
///     -o canary-interval=60s  -o canary-max-error-rate=1%  -o canary-max-p99=1.5x
///     -o canary-wait                    the push waits for the analysis' verdict
///
/// Other options are left alone. A push with canary options while a canary runs replaces it
/// (the running one is aborted, as Flagger and Argo Rollouts do with a new revision); a push
/// without them is refused until the canary is promoted or aborted.
public enum CanaryPushOptions {
    /// The canary the options ask for, `nil` for a plain deploy.
    public static func parse(_ options: [String]) throws(CanaryInputError) -> CanaryRequest? {
        var values: [String: String] = [:]
        var wait = false
        for option in options {
            let (key, value) = option.firstIndex(of: "=").map { (String(option[..<$0]), String(option[option.index(after: $0)...])) } ?? (option, "")
            switch key {
            case "canary", "canary-steps", "canary-interval", "canary-max-error-rate", "canary-max-p99":
                guard !value.isEmpty else { throw CanaryInputError("push option \(key) needs a value (\(key)=…)") }
                values[key] = value
            case "canary-wait":
                wait = true
            default:
                continue
            }
        }
        guard !values.isEmpty || wait else { return nil }
        let automatic = ["canary-steps", "canary-interval", "canary-max-error-rate", "canary-max-p99"].contains { values[$0] != nil } || wait
        let weight = try values["canary"].map { text throws(CanaryInputError) in
            guard let weight = CanaryWeight.parse(text) else { throw CanaryWeight.invalid(text) }
            return weight
        }
        let analysis = automatic
            ? try CanaryAnalysis.parse(
                steps: values["canary-steps"], interval: values["canary-interval"], maxErrorRate: values["canary-max-error-rate"],
                maxP99: values["canary-max-p99"])
            : nil
        return try CanaryRequest(weight: weight, analysis: analysis, wait: wait).validated()
    }
}
