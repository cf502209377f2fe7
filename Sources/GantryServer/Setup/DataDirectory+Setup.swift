import Foundation
import GantryCore
import GantryStore

extension DataDirectory {
    /// Creates the directories gantryd writes to and empties the scratch space (quarantines
    /// left by a crash are unreferenced objects, safe to drop).
    /// - Throws: when a directory cannot be created.
    public func prepare() throws {
        let files = FileManager.default
        try files.createDirectory(atPath: root, withIntermediateDirectories: true)
        for directory in [repositories, containers, buildCaches] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try? files.removeItem(atPath: scratch)
        try files.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    /// On first start (no token in the store), creates the admin API token and writes it to
    /// `adminToken` with mode 0600.
    /// - Returns: the file's path when a token was created now, `nil` when one existed.
    /// - Throws: `StoreError`, or when the file cannot be written.
    public func createAdminTokenIfNeeded(in store: Store) async throws -> String? {
        guard try await store.tokenCount() == 0 else { return nil }
        let token = try await store.createToken(name: "admin")
        let created = FileManager.default.createFile(
            atPath: adminToken, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: adminToken]) }
        return adminToken
    }
}
