import GantryCore

extension GantryAPIClient {
    /// Events of the audit log, newest first.
    /// - Parameters:
    ///   - app: only the events of this app.
    ///   - user: only the calls of this user.
    ///   - limit: the most events to return (1 to 1000); gantryd's default (50) when `nil`.
    ///   - before: only events older than this id: the last id of a page gives the next one.
    /// - Throws: `ClientError`; `.rejected` (400) a limit out of range, (403) the whole log or
    ///   another user's calls without being an admin, or an app the caller has no access to.
    public func audit(app: String? = nil, user: String? = nil, limit: Int? = nil, before: Int64? = nil) async throws(ClientError) -> [AuditEvent] {
        var query: [String] = []
        if let app { query.append("app=\(Self.pathSegment(app))") }
        if let user { query.append("user=\(Self.pathSegment(user))") }
        if let limit { query.append("limit=\(limit)") }
        if let before { query.append("before=\(before)") }
        return try await decode(send(.get, "/audit" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))))
    }
}
