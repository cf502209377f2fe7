import GantrySwarm
import Testing

@Suite("LogFrames")
struct LogFramesTests {
    private func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let length = UInt32(payload.count)
        return [stream, 0, 0, 0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + payload
    }

    @Test func splitsStreamsAndTimestampsAndJoinsALineSplitAcrossFrames() throws {
        let body = frame(1, "2026-12-07T05:00:00.1Z listening on 8000\n2026-12-07T05:00:00.2Z par")
            + frame(2, "2026-12-07T05:00:00.3Z request GET /\n")
            + frame(1, "tial line\n")
        let lines = try LogFrames.lines(body, timestamps: true)
        #expect(lines == [
            LogLine(stream: .stdout, timestamp: "2026-12-07T05:00:00.1Z", text: "listening on 8000"),
            LogLine(stream: .stderr, timestamp: "2026-12-07T05:00:00.3Z", text: "request GET /"),
            LogLine(stream: .stdout, timestamp: "2026-12-07T05:00:00.2Z", text: "partial line"),
        ])
    }

    @Test func aLastLineWithoutNewlineIsKept() throws {
        #expect(try LogFrames.lines(frame(2, "no newline"), timestamps: false) == [LogLine(stream: .stderr, timestamp: nil, text: "no newline")])
    }

    @Test func aLargeFrameLengthIsReadBigEndian() throws {
        let text = String(repeating: "x", count: 70_000)
        let frames = try LogFrames.demultiplex(frame(1, text))
        #expect(frames.count == 1)
        #expect(frames[0].1.count == 70_000)
    }

    @Test(arguments: [
        ([UInt8]([3, 0, 0, 0, 0, 0, 0, 1, 65]), "unknown stream 3"),
        ([1, 0, 0, 0, 0, 0, 0, 5, 65], "cut short"),
        ([1, 0, 0], "3 bytes left"),
        ([1, 9, 0, 0, 0, 0, 0, 0], "padding"),
    ])
    func malformedBodiesAreRefused(body: [UInt8], detail: String) {
        #expect { try LogFrames.demultiplex(body) } throws: { error in
            (error as? LogFrames.Malformed)?.detail.contains(detail) == true
        }
    }
}
