import GantryCore
import Testing
@testable import gantry

/// `gantry gc`'s text: one row per item, then what was (would be) reclaimed in MB.
@Suite struct GarbageRenderingTests {
    @Test func aDryRunSaysWhatWouldBeReclaimedInMegabytes() {
        let report = GarbageReport(dryRun: true, items: [
            .init(kind: "image", name: "hello-build-3", bytes: 0),
            .init(kind: "layer", name: "sha256:ab", bytes: 12_340_000),
            .init(kind: "cache", name: "cache/ghost", bytes: 1_000_000),
        ])
        let text = GarbageCollect.render(report)
        #expect(text.contains("hello-build-3") && text.contains("cache/ghost") && text.contains("12.3"))
        #expect(text.hasSuffix("Would reclaim 13.3 MB in 3 items."))
    }

    @Test func nothingToReclaimIsSaidPlainly() {
        #expect(GarbageCollect.render(GarbageReport(dryRun: false, items: [])) == "Nothing to reclaim.")
        let one = GarbageReport(dryRun: false, items: [.init(kind: "logs", name: "logs/ghost", bytes: 50_000)])
        #expect(GarbageCollect.render(one).hasSuffix("Reclaimed 0.1 MB in 1 item."))
    }
}
