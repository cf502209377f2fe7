import GantryCore

extension GantryAPIClient {
    /// The running processes of `app` (`gantry ps`).
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func processes(app: String) async throws(ClientError) -> [AppProcess] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/ps"))
    }
}
