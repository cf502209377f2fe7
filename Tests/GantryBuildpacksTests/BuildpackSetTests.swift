import Foundation
import GantryBuildpacks
import Testing

/// Buildpacks whose `bin/detect` checks for one marker file each, in a temp directory.
final class FakeBuildpacks {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-bp-\(UUID().uuidString)").path
    var directory: String { root + "/buildpacks" }
    var app: String { root + "/app" }

    init(markers: [String: String] = ["python": "requirements.txt", "nodejs": "package.json", "go": "go.mod", "static": "index.html", "procfile": "Procfile"]) throws {
        try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
        for (id, marker) in markers {
            let bin = directory + "/" + id + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            for script in Buildpack.scripts {
                let body = script == "detect" ? "#!/bin/sh\n[ -f \"$1/\(marker)\" ] && echo \(id.capitalized)\n" : "#!/bin/sh\nexit 0\n"
                FileManager.default.createFile(atPath: bin + "/" + script, contents: Data(body.utf8), attributes: [.posixPermissions: 0o755])
            }
            try "name: \(id.capitalized)\ndetects: \(marker)\n".write(toFile: directory + "/" + id + "/buildpack.yml", atomically: true, encoding: .utf8)
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func touch(_ file: String) { FileManager.default.createFile(atPath: app + "/" + file, contents: Data()) }
}

@Suite struct BuildpackSetTests {
    @Test func firstMatchInTheFixedOrderWins() async throws {
        let fake = try FakeBuildpacks()
        fake.touch("Procfile")
        fake.touch("requirements.txt")
        let (buildpack, name) = try await BuildpackSet(directory: fake.directory).detect(buildDirectory: fake.app)
        #expect(buildpack.id == "python")
        #expect(name == "Python")
    }

    @Test func overrideSkipsDetection() async throws {
        let fake = try FakeBuildpacks()
        let (buildpack, _) = try await BuildpackSet(directory: fake.directory).detect(buildDirectory: fake.app, override: "static")
        #expect(buildpack.id == "static")
        await #expect(throws: BuildpackError.unknownOverride("cobol", available: BuildpackSet.order)) {
            try await BuildpackSet(directory: fake.directory).detect(buildDirectory: fake.app, override: "cobol")
        }
    }

    @Test func noMatchListsWhatEachBuildpackLookedFor() async throws {
        let fake = try FakeBuildpacks()
        do {
            _ = try await BuildpackSet(directory: fake.directory).detect(buildDirectory: fake.app)
            Issue.record("detected an empty app")
        } catch {
            #expect(error.description.contains("requirements.txt"))
            #expect(error.description.contains("Procfile"))
        }
    }

    @Test func aMissingScriptIsAnInstallationError() throws {
        let fake = try FakeBuildpacks()
        try FileManager.default.removeItem(atPath: fake.directory + "/go/bin/compile")
        #expect(throws: BuildpackError.invalid(buildpack: "go", "bin/compile is missing or not executable")) {
            try BuildpackSet(directory: fake.directory)
        }
    }
}
