import GantryClient
import GantryCore

/// Where `gantry history` gets its releases and sends its rollbacks: gantryd's API for the
/// command, anything else for a test of the view. Errors are `ClientError`s, whose messages
/// the view shows.
protocol ReleaseHistorySource: Sendable {
    /// Up to `limit` releases older than `version` (all when `nil`), newest first.
    func releases(before version: Int?, limit: Int) async throws(ClientError) -> [ReleaseSummary]
    /// Release `version` in full: its build, config changes against the previous one.
    func detail(of version: Int) async throws(ClientError) -> ReleaseDetail
    /// Rolls back to `version`: the new release.
    func rollback(to version: Int) async throws(ClientError) -> ReleaseSummary
}

/// The releases of one app through gantryd's REST API.
struct APIHistorySource: ReleaseHistorySource {
    let client: GantryAPIClient
    let app: String

    func releases(before version: Int?, limit: Int) async throws(ClientError) -> [ReleaseSummary] {
        try await client.releases(app: app, limit: limit, before: version)
    }

    func detail(of version: Int) async throws(ClientError) -> ReleaseDetail {
        try await client.release(app: app, version: version)
    }

    func rollback(to version: Int) async throws(ClientError) -> ReleaseSummary {
        try await client.rollback(app: app, to: version)
    }
}
