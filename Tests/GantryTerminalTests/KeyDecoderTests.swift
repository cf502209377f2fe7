import GantryTerminal
import Testing

@Suite("KeyDecoder")
struct KeyDecoderTests {
    private func keys(_ text: String) -> [Key] {
        var decoder = KeyDecoder()
        return decoder.feed(Array(text.utf8)) + decoder.flush()
    }

    @Test func decodesArrowsInNormalAndApplicationCursorMode() {
        #expect(keys("\u{1b}[A\u{1b}[B\u{1b}[C\u{1b}[D") == [.up, .down, .right, .left])
        #expect(keys("\u{1b}OA\u{1b}OB\u{1b}OH\u{1b}OF") == [.up, .down, .home, .end])
    }

    @Test func decodesPagingHomeAndEndInEveryCommonSpelling() {
        #expect(keys("\u{1b}[5~\u{1b}[6~") == [.pageUp, .pageDown])
        #expect(keys("\u{1b}[H\u{1b}[1~\u{1b}[7~") == [.home, .home, .home])
        #expect(keys("\u{1b}[F\u{1b}[4~\u{1b}[8~") == [.end, .end, .end])
    }

    @Test func readsModifiedArrowsAsTheArrow() {
        #expect(keys("\u{1b}[1;5A\u{1b}[1;2B") == [.up, .down])
    }

    @Test func decodesControlKeysAndText() {
        #expect(keys("\r\n\u{7f}\u{8}\u{3}\t") == [.enter, .enter, .backspace, .backspace, .ctrlC, .tab])
        #expect(keys("jkgG/ry nq") == "jkgG/ry nq".map { .character($0) })
    }

    @Test func decodesMultiByteCharacters() {
        #expect(keys("é日🚀") == [.character("é"), .character("日"), .character("🚀")])
    }

    @Test func keepsASplitEscapeSequenceUntilItsEnd() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1b]) == [])
        #expect(decoder.feed(Array("[".utf8)) == [])
        #expect(decoder.feed(Array("5".utf8)) == [])
        #expect(decoder.feed(Array("~j".utf8)) == [.pageUp, .character("j")])
        #expect(decoder.pending.isEmpty)
    }

    @Test func keepsASplitUTF8CharacterUntilItsEnd() {
        var decoder = KeyDecoder()
        let bytes = Array("日".utf8)
        #expect(decoder.feed(bytes[0..<1]) == [])
        #expect(decoder.feed(bytes[1..<2]) == [])
        #expect(decoder.feed(bytes[2..<3]) == [.character("日")])
    }

    @Test func aLoneEscapeIsTheEscapeKeyOnceTheInputIsQuiet() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0x1b]) == [])
        #expect(decoder.flush() == [.escape])
        #expect(decoder.flush() == [])
    }

    @Test func escapeFollowedByAnotherKeyIsBothKeys() {
        #expect(keys("\u{1b}q") == [.escape, .character("q")])
        #expect(keys("\u{1b}\u{1b}[A") == [.escape, .up])
    }

    @Test func skipsUnknownSequencesAndInvalidBytes() {
        #expect(keys("\u{1b}[200~x\u{1b}[?25hy") == [.character("x"), .character("y")])
        #expect(keys("\u{1b}Oz") == [])
        var decoder = KeyDecoder()
        #expect(decoder.feed([0xff, 0xc3, UInt8(ascii: "a")]) == [.character("a")])
    }

    @Test func aRunawaySequenceIsDroppedNotBufferedForever() {
        var decoder = KeyDecoder()
        _ = decoder.feed([0x1b, UInt8(ascii: "[")] + Array(repeating: UInt8(ascii: "1"), count: 100))
        #expect(decoder.pending.count <= 32)
        #expect(decoder.feed(Array("A".utf8)).count <= 1)
    }
}
