import GantryCore

extension GantryAPIClient {
    /// Whether `app` is in maintenance, since when and by whom.
    /// - Throws: `ClientError`; `.rejected` (404) no such app, (403) no access.
    public func maintenance(app: String) async throws(ClientError) -> AppMaintenance {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/maintenance"))
    }

    /// Puts `app` in maintenance (or changes its page's text): the router answers 503 at once.
    public func maintenanceOn(app: String, message: MaintenanceMessage?) async throws(ClientError) -> AppMaintenance {
        try await decode(send(.put, "/apps/\(Self.pathSegment(app))/maintenance", body: try Self.encoded(MaintenanceRequest(message: message))))
    }

    /// Takes `app` out of maintenance: its processes serve again at once.
    /// - Throws: `ClientError`; `.rejected` (404) when it is not in maintenance.
    public func maintenanceOff(app: String) async throws(ClientError) {
        _ = try await send(.delete, "/apps/\(Self.pathSegment(app))/maintenance")
    }
}
