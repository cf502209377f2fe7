import GantryCore

extension GantryAPIClient {
    /// The config vars of `app`, by key, as gantryd shows them to the caller: a caller with
    /// only `read` access (or a read-only token) gets the keys, every value `nil`.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app.
    public func configVars(app: String) async throws(ClientError) -> [String: String?] {
        try await decode(send(.get, "/apps/\(Self.pathSegment(app))/config"))
    }

    /// The config vars of `app`, by key, values included: for callers with `deploy` access.
    /// - Throws: `ClientError`; `.rejected` (404) when there is no such app, (403) when
    ///   gantryd hid the values because the caller (or their token) has only `read` access.
    public func config(app: String) async throws(ClientError) -> [String: String] {
        let vars = try await configVars(app: app)
        var config: [String: String] = [:]
        for (key, value) in vars {
            guard let value else {
                throw .rejected(status: 403, message: "config values of '\(app)' need deploy access; this token has read access only")
            }
            config[key] = value
        }
        return config
    }

    /// Sets the vars in `set` and unsets the keys in `unset` in one change: gantryd makes all
    /// of it or, when a key or value is invalid, none of it.
    /// Unless `deploy` is false, the live release is released again with the new config.
    /// - Returns: the app's whole config after the change and the release made, if any.
    /// - Precondition: no key is both in `set` and in `unset`.
    /// - Throws: `ClientError`; `.rejected` (400) naming an invalid key or too large a value,
    ///   (404) when there is no such app, (422) when the new release did not go live.
    public func changeConfig(
        app: String, set: [String: String] = [:], unset: [String] = [], deploy: Bool = true
    ) async throws(ClientError) -> ConfigChangeResult {
        let path = "/apps/\(Self.pathSegment(app))/config" + (deploy ? "" : "?deploy=false")
        return try await decode(send(.patch, path, body: try Self.encoded(ConfigChange(set: set, unset: unset))))
    }
}

extension GantryAPIClient {
    /// `value` as a JSON request body.
    static func encoded(_ value: some Encodable) throws(ClientError) -> [UInt8] {
        do { return Array(try API.encoder().encode(value)) } catch {
            throw .badResponse(detail: "cannot encode the request: \(error)")
        }
    }
}
