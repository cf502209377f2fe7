import Foundation
import GantryCore

extension GantryAPIClient {
    /// The config vars of `app`, by key.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func config(app: String) async throws(ClientError) -> [String: String] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/config"))
    }

    /// Sets the vars in `set` and unsets the keys in `unset` in one change: gantryd makes all
    /// of it or, when a key or value is invalid, none of it.
    /// - Returns: the app's whole config after the change.
    /// - Precondition: no key is both in `set` and in `unset`.
    /// - Throws: `ClientError`; `.rejected` (400) naming an invalid key or too large a value,
    ///   (404) when there is no such app.
    public func changeConfig(
        app: String, set: [String: String] = [:], unset: [String] = []
    ) async throws(ClientError) -> [String: String] {
        let body: Data
        do { body = try API.encoder().encode(ConfigChange(set: set, unset: unset)) } catch {
            throw .badResponse(detail: "cannot encode the request: \(error)")
        }
        return try await decode(send(.patch, "/apps/\(Self.pathSegment(app))/config", body: Array(body)))
    }
}
