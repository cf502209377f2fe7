import Foundation
import GantryBuildpacks
import GantryImage

/// The app's own declarations, read from its source tree: `Procfile` and `app.json`.
struct AppManifests {
    var procfile: Procfile?
    var appJSON: AppJSON?

    /// Reads both when present.
    /// - Throws: `BuildError.manifest` when one is present but invalid.
    init(directory: String) throws(BuildError) {
        do {
            if let data = FileManager.default.contents(atPath: directory + "/Procfile") {
                procfile = try Procfile(parsing: String(decoding: data, as: UTF8.self))
            }
            if let data = FileManager.default.contents(atPath: directory + "/app.json") {
                appJSON = try AppJSON(parsing: data)
            }
        } catch {
            throw .manifest(error)
        }
    }
}
