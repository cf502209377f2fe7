@testable import GantryGit
import GantryCore
import Testing

/// A client that does not read its push's answer: the progress waiting for it stays bounded,
/// it learns how many lines it missed, and it always gets the report.
@Suite struct ReplyBufferTests {
    @Test func progressForAClientThatDoesNotReadStaysBoundedAndTheReportStillArrives() async throws {
        let buffer = ReplyBuffer(limit: 64 << 10)
        let reply = ReceivePackReply(sideband: true, buffer: buffer)
        for line in 0..<100_000 {
            reply.detail("building step \(line) of a very chatty build, which nobody is reading")
            #expect(buffer.waitingBytes <= 64 << 10)
        }
        let command = RefCommand(name: "refs/heads/main", old: .zero, new: try ObjectID(String(repeating: "1", count: 40)))
        reply.report(unpackError: nil, results: [(command, .ok)])
        buffer.finish()

        var received: [UInt8] = []
        for await bytes in buffer { received += bytes }
        let text = String(decoding: received, as: UTF8.self)
        #expect(text.contains("building step 0 "))
        #expect(!text.contains("building step 99999 "))
        #expect(text.contains("progress lines dropped: the client was not reading them fast enough"))
        #expect(text.contains("unpack ok"))
        #expect(text.contains("ok refs/heads/main"))
    }

    @Test func aReaderThatKeepsUpGetsEveryLineInOrder() async throws {
        let buffer = ReplyBuffer(limit: 1 << 10)
        let reply = ReceivePackReply(sideband: true, buffer: buffer)
        async let received: [UInt8] = {
            var all: [UInt8] = []
            for await bytes in buffer { all += bytes }
            return all
        }()
        for line in 0..<200 {
            reply.detail("line \(line)")
            try await Task.sleep(for: .milliseconds(1))
        }
        buffer.finish()
        let text = String(decoding: await received, as: UTF8.self)
        var cursor = text.startIndex
        for line in 0..<200 {
            let found = try #require(text.range(of: "line \(line)\n", range: cursor..<text.endIndex))
            cursor = found.upperBound
        }
        #expect(!text.contains("dropped"))
    }
}
