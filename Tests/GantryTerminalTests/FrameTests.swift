import GantryTerminal
import Testing

@Suite("Frame")
struct FrameTests {
    @Test func clipsTextAtTheRightEdgeWithoutWrapping() {
        var frame = Frame(width: 10, height: 2)
        frame.put("hello, wide world", row: 0, column: 3)
        #expect(frame.lines == ["   hello, ", "          "])
    }

    @Test func clipsTextToTheGivenLimit() {
        var frame = Frame(width: 10, height: 1)
        let end = frame.put("abcdef", row: 0, column: 1, limit: 3)
        #expect(end == 4)
        #expect(frame.lines == [" abc      "])
    }

    @Test func wideCharactersTakeTwoColumnsAndAreNeverCutInHalf() {
        var frame = Frame(width: 5, height: 1)
        frame.put("日本語", row: 0, column: 0)
        #expect(frame.lines == ["日本 "])
        #expect(DisplayWidth.of(frame.lines[0]) == 5)
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var frame = Frame(width: 4, height: 1)
        frame.put("日本", row: 0, column: 0)
        frame.put("x", row: 0, column: 1)
        #expect(frame.lines == [" x本"])
        frame.put("y", row: 0, column: 2)
        #expect(frame.lines == [" xy "])
    }

    @Test func controlCharactersAndCombiningMarksNeverMoveTheCursor() {
        var frame = Frame(width: 8, height: 1)
        frame.put("a\tb\u{1b}c", row: 0, column: 0)
        #expect(frame.lines == ["a b c   "])
        var accents = Frame(width: 3, height: 1)
        accents.put("e\u{301}x", row: 0, column: 0)
        #expect(accents.lines == ["e\u{301}x "])
    }

    @Test func ignoresRowsOutsideTheFrame() {
        var frame = Frame(width: 3, height: 1)
        frame.put("abc", row: 1, column: 0)
        frame.put("abc", row: -1, column: 0)
        #expect(frame.lines == ["   "])
    }

    @Test func rendersEveryRowFromItsFirstColumnAndSwitchesStylesOnlyWhereTheyChange() {
        var frame = Frame(width: 4, height: 2)
        frame.put("ab", row: 0, column: 0, style: TextStyle(foreground: .green))
        frame.put("日", row: 1, column: 0, style: TextStyle(inverse: true))
        let output = FrameWriter.render(frame)
        #expect(output == "\u{1b}[1;1H\u{1b}[0;32mab\u{1b}[0m  \u{1b}[2;1H\u{1b}[0;7m日\u{1b}[0m  \u{1b}[0m")
    }
}
