@testable import GantryClient
import Testing

@Suite struct HeartbeatFilterTests {
    @Test func emptyLinesAreDroppedWhereverTheChunksSplit() {
        let filter = HeartbeatFilter()
        let chunks = ["\n", "2026 a: one\n", "\n", "\n2026 a: tw", "o\n\n", "2026 a: three\n"]
        let kept = chunks.map { String(decoding: filter.filter(Array($0.utf8)), as: UTF8.self) }.joined()
        #expect(kept == "2026 a: one\n2026 a: two\n2026 a: three\n")
    }
}
