import Foundation
import GantryCore
import GantryStore

extension DataDirectory {
    /// Creates the directories gantryd writes to and empties the scratch space (quarantines
    /// left by a crash are unreferenced objects, safe to drop). The root is made mode 0700 —
    /// by `mkdir` itself, or narrowed once when an older gantryd made it wider: it holds the
    /// database, tokens, keys and config vars, readable by gantryd's user alone.
    /// - Throws: when a directory cannot be created.
    public func prepare() throws {
        let files = FileManager.default
        let parent = (root as NSString).deletingLastPathComponent
        try files.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if mkdir(root, 0o700) != 0 && errno != EEXIST {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: root, NSUnderlyingErrorKey: POSIXError(.init(rawValue: errno) ?? .EIO)])
        }
        var info = stat()
        if stat(root, &info) == 0, info.st_mode & 0o077 != 0 { chmod(root, info.st_mode & 0o700) }
        for directory in [repositories, containers, buildCaches] {
            try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try? files.removeItem(atPath: scratch)
        try files.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    /// On first start (no user in the store), creates the first admin, the user `admin`, and
    /// writes their API token to `adminToken` with mode 0600.
    /// - Returns: the file's path when the admin was created now, `nil` when a user existed.
    /// - Throws: `StoreError`, or when the file cannot be written.
    public func createAdminTokenIfNeeded(in store: Store) async throws -> String? {
        guard try await store.userCount() == 0 else { return nil }
        let (_, token) = try await store.createUser(try UserName("admin"), role: .admin)
        unlink(adminToken)  // a file whose token is not in this database any more
        guard SecretFile.create(at: adminToken, contents: token + "\n") else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: adminToken])
        }
        return adminToken
    }
}
