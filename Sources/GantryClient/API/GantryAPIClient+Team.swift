import GantryCore

extension GantryAPIClient {
    /// The caller: their user and the token they called with.
    /// - Throws: `ClientError`; `.notAuthenticated` when gantryd does not accept the token.
    public func whoami() async throws(ClientError) -> WhoAmI {
        try await decode(send(.get, "/whoami"))
    }

    /// Every user, by name (admins only).
    /// - Throws: `ClientError`; `.rejected` (403) when the caller is not an admin.
    public func users() async throws(ClientError) -> [User] {
        try await decode(send(.get, "/users"))
    }

    /// Creates the user `name` with `role` (`admin` or `member`).
    /// - Returns: the user and their first API token, which gantryd shows this once.
    /// - Throws: `ClientError`; `.rejected` (400) an invalid name or role, (403) not an admin,
    ///   (409) the name is taken.
    public func createUser(name: String, role: String) async throws(ClientError) -> CreatedUser {
        try await decode(send(.post, "/users", body: try Self.encoded(CreateUser(name: name, role: role))))
    }

    /// Removes the user `name` with their tokens, SSH keys and access; their apps stay.
    /// - Throws: `ClientError`; `.rejected` (404) no such user, (403) not an admin, (409) the
    ///   last admin.
    public func removeUser(_ name: String) async throws(ClientError) {
        _ = try await send(.delete, "/users/\(Self.pathSegment(name))")
    }

    /// Who may do what on `app`.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app or the caller may
    ///   not read it.
    public func access(app: String) async throws(ClientError) -> [AppAccess] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/access"))
    }

    /// Gives `user` the role `role` (`read`, `deploy` or `owner`) on `app`, or changes theirs.
    /// - Throws: `ClientError`; `.rejected` (400) an invalid role, (403) the caller is not an
    ///   owner, (404) no such app or user.
    public func grantAccess(app: String, user: String, role: String) async throws(ClientError) -> AppAccess {
        let path = "/apps/\(Self.pathSegment(app))/access/\(Self.pathSegment(user))"
        return try await decode(send(.put, path, body: try Self.encoded(GrantAccess(role: role))))
    }

    /// Takes `user`'s access to `app` away (an owner's call, or the user leaving).
    /// - Throws: `ClientError`; `.rejected` (403) not an owner, (404) no such access, (409) the
    ///   app's last owner.
    public func revokeAccess(app: String, user: String) async throws(ClientError) {
        _ = try await send(.delete, "/apps/\(Self.pathSegment(app))/access/\(Self.pathSegment(user))")
    }
}
