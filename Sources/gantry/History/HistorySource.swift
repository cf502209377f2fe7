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
        // TEMPORARY until main's `release(app:version:) -> ReleaseDetail` is merged.
        let release = try await client.release(app: app, version: version)
        let build = try await release.buildID.asyncMap { id async throws(ClientError) in try await client.build(app: app, id: id) }
        return ReleaseDetail(release: release, build: build, configChanges: [], previous: version > 1 ? version - 1 : nil)
    }

    func rollback(to version: Int) async throws(ClientError) -> ReleaseSummary {
        throw .rejected(status: 404, message: "this gantryd cannot roll back yet")
    }
}

private extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws(ClientError) -> T) async throws(ClientError) -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
