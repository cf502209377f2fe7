import Foundation
import Yams

/// One bundled buildpack: a directory with `bin/detect`, `bin/compile`, `bin/release` and
/// `bin/test` (Heroku's buildpack API) and a `buildpack.yml` that names it and says what it
/// detects.
public struct Buildpack: Hashable, Sendable {
    /// The directory name, used by `GANTRY_BUILDPACK` (`python`, `nodejs`, …).
    public let id: String
    /// The buildpack's directory, absolute.
    public let path: String
    /// Its human name ("Python").
    public let name: String
    /// What `bin/detect` looks for, for the message when nothing matches.
    public let detects: String

    /// The scripts every buildpack has.
    public static let scripts = ["detect", "compile", "release", "test"]

    /// Loads the buildpack in `path`.
    /// - Throws: `BuildpackError.invalid` when a script or the manifest is missing.
    public init(path: String) throws(BuildpackError) {
        let id = URL(fileURLWithPath: path).lastPathComponent
        for script in Self.scripts where !FileManager.default.isExecutableFile(atPath: path + "/bin/" + script) {
            throw .invalid(buildpack: id, "bin/\(script) is missing or not executable")
        }
        struct Manifest: Decodable { var name: String, detects: String }
        let manifest: Manifest
        do {
            manifest = try PlainYAML.decode(Manifest.self, from: String(contentsOfFile: path + "/buildpack.yml", encoding: .utf8))
        } catch {
            throw .invalid(buildpack: id, "buildpack.yml must give 'name' and 'detects': \(error)")
        }
        self.id = id
        self.path = path
        self.name = manifest.name
        self.detects = manifest.detects
    }

    /// The path of one of its scripts.
    public func script(_ name: String) -> String { path + "/bin/" + name }
}

/// What `bin/release` says (Heroku: YAML with `default_process_types`).
public struct ReleaseInfo: Hashable, Sendable, Decodable {
    public var defaultProcessTypes: [String: String]

    enum CodingKeys: String, CodingKey { case defaultProcessTypes = "default_process_types" }

    public init(defaultProcessTypes: [String: String]) {
        self.defaultProcessTypes = defaultProcessTypes
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        defaultProcessTypes = try container.decodeIfPresent([String: String].self, forKey: .defaultProcessTypes) ?? [:]
    }

    /// Parses `bin/release`'s output; empty output means no default process types.
    /// - Throws: `ManifestError.release` when it is not the expected YAML.
    public init(parsing yaml: String, buildpack: String) throws(ManifestError) {
        guard !yaml.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            self.init(defaultProcessTypes: [:])
            return
        }
        do {
            self = try PlainYAML.decode(ReleaseInfo.self, from: yaml)
        } catch {
            throw .release(buildpack: buildpack, "expected YAML with default_process_types, a map of process types to commands")
        }
    }
}
