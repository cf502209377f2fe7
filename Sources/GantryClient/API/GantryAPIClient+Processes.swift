import GantryCore

extension GantryAPIClient {
    /// The running processes of `app` (`gantry ps`).
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func processes(app: String) async throws(ClientError) -> [AppProcess] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/ps"))
    }

    /// Scales `app`: `formation` names the process types to change and their counts.
    /// - Returns: the processes afterwards.
    /// - Throws: `ClientError`; `.rejected` (400) an unknown type or a count out of 0…100,
    ///   (409) no live release, (422) a new process did not come up.
    public func scale(app: String, _ formation: [String: Int]) async throws(ClientError) -> [AppProcess] {
        try await decode(send(.patch, "/apps/\(Self.pathSegment(app))/formation", body: try Self.encoded(formation)))
    }

    /// Restarts `app`'s processes of `type`, or all of them.
    /// - Returns: the processes afterwards.
    public func restart(app: String, type: String?) async throws(ClientError) -> [AppProcess] {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/ps/restart", body: try Self.encoded(RestartRequest(type: type))))
    }
}
