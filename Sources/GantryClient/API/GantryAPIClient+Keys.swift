import Foundation
import GantryCore

extension GantryAPIClient {
    /// Every SSH key allowed to push, by name.
    /// - Throws: `ClientError`.
    public func sshKeys() async throws(ClientError) -> [SSHKey] {
        try await decode(send(.get, "/keys"))
    }

    /// Registers `publicKey` (the text of a `.pub` file) as `name`, a key of `user` (an admin
    /// may name another user), else of the caller.
    /// - Throws: `ClientError`; `.rejected` when the name or the key is taken, invalid, or of a
    ///   type gantryd cannot verify, (403) another user's key without being an admin, (404) no
    ///   such user.
    public func addSSHKey(name: String, publicKey: String, user: String? = nil) async throws(ClientError) -> SSHKey {
        let body: Data
        do { body = try API.encoder().encode(AddSSHKey(name: name, publicKey: publicKey, user: user)) } catch {
            throw .badResponse(detail: "cannot encode the request: \(error)")
        }
        return try await decode(send(.post, "/keys", body: Array(body)))
    }

    /// Removes the SSH key `name`.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such key.
    public func removeSSHKey(_ name: String) async throws(ClientError) {
        _ = try await send(.delete, "/keys/\(Self.pathSegment(name))")
    }
}
