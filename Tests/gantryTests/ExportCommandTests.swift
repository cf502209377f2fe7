import ArgumentParser
import Foundation
import Testing
@testable import gantry

/// `gantry export APP --k8s` checks its arguments before any request; `gantry init` does not
/// take the export's templates for an app.
@Suite struct ExportCommandTests {
    @Test func theFormatMustBeChosenAndTheReleaseAndAppBeValid() throws {
        let export = try Export.parse(["hello", "--k8s", "--release", "v3", "--namespace", "prod"])
        #expect(export.k8s && export.release == "v3" && export.namespace == "prod" && export.app == "hello")
        #expect(try Export.parse(["hello", "--k8s"]).release == nil)
        #expect(TeamCommandsTests.failure(Export.self, ["hello"]) == "say what to export: --k8s for Kubernetes manifests (the one format there is)")
        #expect(TeamCommandsTests.failure(Export.self, ["hello", "--k8s", "--release", "seven"]) == "invalid release version 'seven': use vN or N, such as v12")
        #expect(TeamCommandsTests.failure(Export.self, ["Hello", "--k8s"])?.hasPrefix("invalid app name 'Hello'") == true)
    }

    @Test func gantryInitDoesNotOfferTheKubernetesTemplatesAsAStarterApp() async throws {
        let templates = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path + "/templates"
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("gantry-init-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: target) }
        let initialize = try Init.parse(["--template", "k8s", target, "--templates-dir", templates])
        let error = await #expect(throws: CLIError.self) { try await initialize.run() }
        #expect(error?.message == "no template named 'k8s' in \(templates); choose one of: go, nodejs, python-flask, static")
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
