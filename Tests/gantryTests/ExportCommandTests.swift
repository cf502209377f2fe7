import ArgumentParser
import Testing
@testable import gantry

/// `gantry export APP --k8s` checks its arguments before any request.
@Suite struct ExportCommandTests {
    @Test func theFormatMustBeChosenAndTheReleaseAndAppBeValid() throws {
        let export = try Export.parse(["hello", "--k8s", "--release", "v3", "--namespace", "prod"])
        #expect(export.k8s && export.release == "v3" && export.namespace == "prod" && export.app == "hello")
        #expect(try Export.parse(["hello", "--k8s"]).release == nil)
        #expect(TeamCommandsTests.failure(Export.self, ["hello"]) == "say what to export: --k8s for Kubernetes manifests (the one format there is)")
        #expect(TeamCommandsTests.failure(Export.self, ["hello", "--k8s", "--release", "seven"]) == "invalid release version 'seven': use vN or N, such as v12")
        #expect(TeamCommandsTests.failure(Export.self, ["Hello", "--k8s"])?.hasPrefix("invalid app name 'Hello'") == true)
    }
}
