import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The bundled buildpacks in their fixed detection order: the first whose `bin/detect`
/// exits 0 builds the app.
public struct BuildpackSet: Sendable {
    /// Detection order: language buildpacks first, then `static`, then `procfile` (anything
    /// with a Procfile). Documented in buildpacks/README.md.
    public static let order = ["python", "nodejs", "go", "static", "procfile"]

    public let buildpacks: [Buildpack]

    /// Loads the buildpacks of `directory` (the repository's `buildpacks/`) in `order`.
    /// - Throws: `BuildpackError.invalid` when one is missing or broken.
    public init(directory: String) throws(BuildpackError) {
        var buildpacks: [Buildpack] = []
        for id in Self.order {
            buildpacks.append(try Buildpack(path: directory + "/" + id))
        }
        self.buildpacks = buildpacks
    }

    /// The buildpack for the app in `buildDirectory`: the one `override` names
    /// (`GANTRY_BUILDPACK`), else the first that detects it. `bin/detect` runs with an argument
    /// array, a clean environment and a 30 s limit.
    /// - Returns: the buildpack and the name its `bin/detect` printed.
    /// - Throws: `BuildpackError.noMatch` listing what each looked for; `.unknownOverride`.
    public func detect(buildDirectory: String, override: String? = nil) async throws(BuildpackError) -> (Buildpack, String) {
        if let override {
            guard let buildpack = buildpacks.first(where: { $0.id == override }) else {
                throw .unknownOverride(override, available: buildpacks.map(\.id))
            }
            return (buildpack, buildpack.name)
        }
        for buildpack in buildpacks {
            if let name = try await Self.runDetect(buildpack, buildDirectory: buildDirectory) {
                return (buildpack, name.isEmpty ? buildpack.name : name)
            }
        }
        throw .noMatch(lookedFor: buildpacks.map { "\($0.name) (\($0.id)): \($0.detects)" })
    }

    /// The name `bin/detect` printed when it exits 0; `nil` when it exits non-zero.
    static func runDetect(_ buildpack: Buildpack, buildDirectory: String) async throws(BuildpackError) -> String? {
        do {
            let result = try await Subprocess.run(
                .path(FilePath(buildpack.script("detect"))), arguments: [buildDirectory],
                environment: .custom(["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]),
                output: .string(limit: 4096), error: .discarded)
            guard case .exited(0) = result.terminationStatus else { return nil }
            return result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw .failedToRun(script: buildpack.script("detect"), "\(error)")
        }
    }
}
