import GantryCore
import Testing

@Suite struct RunFrameTests {
    @Test func everyFrameDecodesToItself() throws {
        let frames: [RunFrame] = [
            .input([1, 2, 3]), .output(Array("hello\n".utf8)), .error([]), .endOfInput,
            .resize(WindowSize(columns: 132, rows: 43)), .exit(status: 127, message: "command not found"), .exit(status: -1, message: ""),
        ]
        for frame in frames {
            #expect(try RunFrame(decoding: frame.encoded) == frame)
        }
    }

    @Test func theWireFormatIsAKindByteThenBigEndianFields() {
        #expect(RunFrame.input(Array("ab".utf8)).encoded == [0, 97, 98])
        #expect(RunFrame.endOfInput.encoded == [3])
        #expect(RunFrame.resize(WindowSize(columns: 300, rows: 2)).encoded == [4, 1, 44, 0, 2])
        #expect(RunFrame.exit(status: 3, message: "x").encoded == [5, 0, 0, 0, 3, 120])
    }

    @Test func resizesAreClampedToWhatATerminalHolds() throws {
        let frame = RunFrame.resize(WindowSize(columns: 100_000, rows: 0))
        #expect(try RunFrame(decoding: frame.encoded) == .resize(WindowSize(columns: 65535, rows: 1)))
    }

    @Test func rejectsEmptyUnknownAndMisSizedMessages() {
        for bytes: [UInt8] in [[], [9], [3, 0], [4, 0, 80], [5, 0, 0]] {
            #expect(throws: RunFrameError.self, "\(bytes)") { try RunFrame(decoding: bytes) }
        }
    }

    @Test func onlyClientFramesAreInput() {
        #expect(RunFrame.input([7]).attachedInput == .data([7]))
        #expect(RunFrame.endOfInput.attachedInput == .endOfInput)
        #expect(RunFrame.resize(WindowSize(columns: 1, rows: 2)).attachedInput == .resize(WindowSize(columns: 1, rows: 2)))
        #expect(RunFrame.output([1]).attachedInput == nil)
        #expect(RunFrame.exit(status: 0, message: "").attachedInput == nil)
    }

    @Test func exitStatusesReadAsAShellReportsThem() {
        #expect(ExitStatus.exited(3).shellStatus == 3)
        #expect(ExitStatus.signaled(9).shellStatus == 137)
        #expect(ExitStatus.timedOut.shellStatus == 124)
    }
}
