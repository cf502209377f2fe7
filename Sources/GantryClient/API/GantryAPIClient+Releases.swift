import GantryCore

extension GantryAPIClient {
    /// The releases of `app`, newest first, with their config keys (never values).
    /// - Parameters:
    ///   - limit: the most releases to return (1 to 100,000); gantryd's default (100) when `nil`.
    ///   - version: only releases below this version, for the next page.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app, (400) for a limit
    ///   out of range.
    public func releases(app: String, limit: Int? = nil, before version: Int? = nil) async throws(ClientError) -> [ReleaseSummary] {
        var query: [String] = []
        if let limit { query.append("limit=\(limit)") }
        if let version { query.append("before=\(version)") }
        let path = "/apps/\(Self.pathSegment(app))/releases" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        return try await decode(send(.get, path))
    }

    /// Release `vversion` of `app` with its build and config changes.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app or release.
    public func release(app: String, version: Int) async throws(ClientError) -> ReleaseDetail {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/releases/v\(version)"))
    }

    /// Rolls `app` back to release `version` (the last good one before the live one when
    /// `nil`): a new release with its image and config, deployed without a build.
    /// - Returns: the new release, live.
    /// - Throws: `ClientError`; `.rejected` (404) no such app or release, (409) a failed or
    ///   live release or a gone image, (422) the deploy failed.
    public func rollback(app: String, to version: Int?) async throws(ClientError) -> ReleaseSummary {
        try await decode(send(.post, "/apps/\(Self.pathSegment(app))/rollback", body: try Self.encoded(RollbackRequest(version: version))))
    }
}
