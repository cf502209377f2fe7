import GantryCore

extension GantryAPIClient {
    /// Starts a canary of `app` (see `CanaryRequest`): a new release from the image of
    /// `request.version` serving `request.startingWeight`% beside the live release.
    /// - Returns: the canary and its traffic once it serves; with `request.wait`, once automatic
    ///   analysis promoted or aborted it.
    /// - Throws: `ClientError`; `.rejected` (404) no such app or release, (409) a canary already
    ///   runs, no live release, or the release cannot run (failed, live, image gone), (422) the
    ///   canary's deploy failed, (400) an invalid weight or analysis.
    public func startCanary(app: String, _ request: CanaryRequest) async throws(ClientError) -> CanaryStatus {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/canary", body: try Self.encoded(request), timeout: Self.answerLimit(for: request)))
    }

    /// How long gantryd may take to answer `request`: with `wait`, as many intervals as the
    /// analysis can last (each step held up to `CanaryAnalysis.idleLimit` intervals while no
    /// request reaches the canary) and a margin for the deploy and the promotion; else the
    /// client's usual limit.
    static func answerLimit(for request: CanaryRequest) -> Duration? {
        guard request.wait, let analysis = request.analysis else { return nil }
        let intervals = Double(analysis.steps.count * CanaryAnalysis.idleLimit)
        return .seconds(intervals * analysis.intervalSeconds) + canaryWaitMargin
    }

    /// What a waiting canary request is given on top of its analysis' intervals.
    static let canaryWaitMargin = Duration.seconds(600)

    /// The running canary of `app`, else its last one, with the traffic of both sides
    /// (`canary` is `nil` when it never had one).
    /// - Throws: `ClientError`; `.rejected` (404) no such app.
    public func canary(app: String) async throws(ClientError) -> CanaryStatus {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/canary"))
    }

    /// Moves the running canary of `app` to `weight`% (1–99); this stops automatic analysis.
    /// - Throws: `ClientError`; `.rejected` (404) no such app or no running canary, (409) the
    ///   canary is ending, (400) a weight out of range.
    public func setCanaryWeight(app: String, weight: Int) async throws(ClientError) -> Canary {
        try await decode(send(.patch, "/apps/\(Self.pathSegment(app))/canary", body: try Self.encoded(CanaryWeightRequest(weight: weight))))
    }

    /// Makes the running canary of `app` its live release, with the usual zero-downtime switch.
    /// - Returns: the new live release.
    /// - Throws: `ClientError`; `.rejected` (404) no such app or no running canary, (409) the
    ///   canary is already ending, (422) the switch failed (the canary is aborted, live untouched).
    public func promoteCanary(app: String) async throws(ClientError) -> ReleaseSummary {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/canary/promote"))
    }

    /// Drains and removes the running canary of `app`; the live release keeps serving.
    /// - Returns: the ended canary.
    /// - Throws: `ClientError`; `.rejected` (404) no such app or no running canary, (409) the
    ///   canary is already ending.
    public func abortCanary(app: String) async throws(ClientError) -> Canary {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/canary/abort"))
    }
}
