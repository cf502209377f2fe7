import struct Foundation.Date
import GantryCore
import GRDB

extension Store {
    /// The config vars of `app`, by key.
    /// - Throws: `StoreError.appNotFound`; `StoreError.database` when SQLite fails.
    public func config(app: AppName) async throws(StoreError) -> [String: String] {
        try await read("read the config of '\(app)'") { db in
            try ConfigVarRecord.config(appID: AppRecord.id(of: app, in: db), in: db)
        }
    }

    /// Sets the vars in `set` and unsets the keys in `unset`, all in one transaction: either
    /// every change is made or none is. Every key and value is checked before anything is
    /// written. Unsetting a var that is not set is not an error; vars named in neither keep
    /// their values. Concurrent changes are serialized by SQLite's write lock, each applied to
    /// the config the one before it left.
    /// - Parameters:
    ///   - set: the vars to set, by key (`ConfigKey`'s rules), to values of at most
    ///     `ConfigValue.maximumSize` bytes without NUL.
    ///   - unset: the keys to remove.
    /// - Returns: the app's whole config after the change.
    /// - Precondition: no key is both in `set` and in `unset`.
    /// - Throws: `StoreError.invalidConfig` naming the first invalid key or value (in key
    ///   order; nothing is changed); `StoreError.appNotFound`; `StoreError.database` when SQLite
    ///   fails (nothing is changed).
    public func changeConfig(
        app: AppName, set: [String: String] = [:], unset: [String] = []
    ) async throws(StoreError) -> [String: String] {
        let (set, unset) = try Self.validatedConfigChange(set: set, unset: unset)
        return try await write("change the config of '\(app)'") { db in
            let appID = try AppRecord.id(of: app, in: db)
            try ConfigVarRecord.change(appID: appID, set: set, unset: unset, at: Date(), in: db)
            return try ConfigVarRecord.config(appID: appID, in: db)
        }
    }

    /// `set` and `unset` with their keys and values checked.
    /// - Throws: `StoreError.invalidConfig` for the first invalid key or value, in key order.
    static func validatedConfigChange(
        set: [String: String], unset: [String]
    ) throws(StoreError) -> (set: [ConfigKey: String], unset: [ConfigKey]) {
        var validSet: [ConfigKey: String] = [:]
        var validUnset: [ConfigKey] = []
        do throws(InvalidConfigVar) {
            for (key, value) in set.sorted(by: { $0.key < $1.key }) {
                let key = try configKey(key)
                try ConfigValue.validate(value, of: key)
                validSet[key] = value
            }
            for key in unset.sorted() {
                precondition(set[key] == nil, "config var '\(key)' is both set and unset in one change")
                validUnset.append(try configKey(key))
            }
        } catch {
            throw .invalidConfig(error)
        }
        return (validSet, validUnset)
    }

    private static func configKey(_ key: String) throws(InvalidConfigVar) -> ConfigKey {
        do { return try ConfigKey(key) } catch { throw .key(error) }
    }
}
