import Foundation
import GantryCore
import GantryGit
import GantryStore

/// Creating and destroying an app: its row in SQLite and its bare repository, kept together.
struct AppService: Sendable {
    let store: Store
    let dataDirectory: DataDirectory
    let lifecycle: AppLifecycle

    /// Records the app (owned by `owner`), then creates its repository; undoes the row if the repository fails.
    func create(_ name: AppName, owner: UserName) async throws -> App {
        let app = try await store.createApp(name, owner: owner)
        let path = dataDirectory.repository(for: name)
        do {
            try? FileManager.default.removeItem(atPath: path)  // a leftover of a crash between row and repository
            try Repository.createBare(at: path)
        } catch {
            try? await store.deleteApp(name)
            throw HTTPProblem(.internalServerError, "cannot create the repository of \(name) at \(path): \(error)")
        }
        await lifecycle.created(name)
        return app
    }

    /// Deletes the app's row (its builds and releases go with it), stops its processes, then
    /// removes its repository.
    func destroy(_ name: AppName) async throws {
        try await store.deleteApp(name)
        await lifecycle.destroyed(name)
        try? FileManager.default.removeItem(atPath: dataDirectory.repository(for: name))
    }
}
