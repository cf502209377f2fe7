import Foundation
import GantryBuildpacks
import GantryImage

/// The app's own declarations: `Procfile` and `app.json`, read from its source tree or from
/// the compiled app of an image (both untrusted: see `ManifestFile`).
struct AppManifests {
    var procfile: Procfile?
    var appJSON: AppJSON?

    /// Reads both when present.
    /// - Throws: `BuildError.manifest` when one is present but invalid, or is not a regular
    ///   file of at most 1 MiB.
    init(directory: String) throws(BuildError) {
        do throws(ManifestError) {
            if let bytes = try ManifestFile.read("Procfile", in: directory) {
                procfile = try Procfile(parsing: String(decoding: bytes, as: UTF8.self))
            }
            if let bytes = try ManifestFile.read("app.json", in: directory) {
                appJSON = try AppJSON(parsing: Data(bytes))
            }
        } catch {
            throw .manifest(error)
        }
    }
}
