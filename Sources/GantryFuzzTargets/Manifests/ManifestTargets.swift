import Foundation
import GantryBuildpacks

/// The manifests a pushed tree or a build brings: Procfile, app.json, and the release.yml a
/// buildpack's `bin/release` writes inside the build container.
enum ManifestTargets {
    /// A Procfile's bytes: a command of a Procfile that parses is on one line (it holds no
    /// LF), and the Procfile written back one `TYPE: COMMAND` line per process parses to the
    /// same processes.
    static let procfile = FuzzTarget("procfile", "a Procfile (Procfile)") { input throws(FuzzFailure) in
        guard let procfile = try? Procfile(parsing: String(decoding: input, as: UTF8.self)) else { return }
        _ = procfile.commands
        for process in procfile.processes {
            try FuzzFailure.check(
                !process.command.unicodeScalars.contains("\n"), "procfile",
                "the command of \(process.type) spans lines: \(process.command.debugDescription)")
        }
        let written = procfile.processes.map { "\($0.type): \($0.command)\n" }.joined()
        let again = try? Procfile(parsing: written)
        try FuzzFailure.check(again == procfile, "procfile", "does not round-trip: \(procfile.processes) vs \(again?.processes ?? [])")
    }

    /// app.json's bytes.
    static let appJSON = FuzzTarget("app-json", "app.json (AppJSON)") { input throws(FuzzFailure) in
        do throws(ManifestError) {
            let app = try AppJSON(parsing: Data(input))
            _ = app.testScript
            _ = app.healthchecks?["web"]?.first?.path
        } catch {
            _ = error.description
        }
    }

    /// release.yml's bytes, as `bin/release` prints them.
    static let releaseYAML = FuzzTarget("release-yml", "release.yml (ReleaseInfo)") { input throws(FuzzFailure) in
        do throws(ManifestError) {
            let info = try ReleaseInfo(parsing: String(decoding: input, as: UTF8.self), buildpack: "fuzz")
            _ = info.defaultProcessTypes["web"]
        } catch {
            _ = error.description
        }
    }
}
