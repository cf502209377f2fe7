import GantryCore

extension GantryAPIClient {
    /// The caller's API tokens, revoked and expired ones too; every user's with `all`
    /// (admins only). Never the tokens themselves.
    /// - Throws: `ClientError`; `.rejected` (403) `all` without being an admin.
    public func tokens(all: Bool = false) async throws(ClientError) -> [APIToken] {
        try await decode(send(.get, all ? "/tokens?all=1" : "/tokens"))
    }

    /// Creates an API token of the caller, at most as wide as the token calling.
    /// - Returns: the token, which gantryd shows this once, and how it is listed.
    /// - Throws: `ClientError`; `.rejected` (400) an invalid name, app or lifetime, (403) wider
    ///   than the calling token or an app the caller has no access to.
    public func createToken(_ create: CreateToken) async throws(ClientError) -> CreatedToken {
        try await decode(send(.post, "/tokens", body: try Self.encoded(create)))
    }

    /// Revokes token `id`: it stops working at once.
    /// - Returns: the token as listed, revoked.
    /// - Throws: `ClientError`; `.rejected` (404) no such token of the caller's (an admin may
    ///   revoke anyone's).
    public func revokeToken(id: Int64) async throws(ClientError) -> APIToken {
        try await decode(send(.delete, "/tokens/\(id)"))
    }
}
