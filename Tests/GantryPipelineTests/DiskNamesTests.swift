import GantryCore
@testable import GantryPipeline
import Testing

/// The names `gantry gc` and `apps:destroy` go by: an app's build images and a build's scratch.
@Suite struct DiskNamesTests {
    @Test func buildTagsAreAnAppsOwnNotThoseOfAnAppNamedLikeItsPrefix() throws {
        let app = try AppName("web")
        #expect(Pipeline.isBuildTag("web-build-12", of: app))
        #expect(!Pipeline.isBuildTag("web-build-", of: app))
        #expect(!Pipeline.isBuildTag("web-build-x-build-3", of: app))  // app "web-build-x"
        #expect(!Pipeline.isBuildTag("stack:bookworm", of: app))
    }

    @Test func scratchEntriesNameTheirBuild() {
        #expect(Pipeline.buildOfScratchEntry("build-web-12") == "web-12")
        #expect(Pipeline.buildOfScratchEntry("build-my-app-2-7") == "my-app-2-7")
        #expect(Pipeline.buildOfScratchEntry("env-my-app-2-7-build") == "my-app-2-7")
        #expect(Pipeline.buildOfScratchEntry("env-web-12-build-release") == "web-12")
        #expect(Pipeline.buildOfScratchEntry("env-web-12-test") == "web-12")
        #expect(Pipeline.buildOfScratchEntry("quarantine-abc") == nil)
        #expect(Pipeline.buildOfScratchEntry("build-web") == nil)
    }
}
