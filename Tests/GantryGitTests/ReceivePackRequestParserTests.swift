import GantryCore
import GantryGit
import Testing

@Suite struct ReceivePackRequestParserTests {
    let old = String(repeating: "1", count: 40)
    let new = String(repeating: "2", count: 40)
    let zero = ObjectID.zero.hex

    @Test func parsesCommandsCapabilitiesAndLeavesThePack() throws {
        let body = PktLine.encode(Array("\(old) \(new) refs/heads/main\0report-status side-band-64k atomic agent=git/2.39\n".utf8))
            + PktLine.encode(line: "\(zero) \(new) refs/heads/topic") + PktLine.flushBytes + Array("PACK....".utf8)
        var parser = ReceivePackRequestParser()
        guard case .done(let request) = try parser.feed(body) else { Issue.record("not done"); return }
        #expect(request.commands.map(\.name) == ["refs/heads/main", "refs/heads/topic"])
        #expect(request.commands[1].isCreate)
        #expect(request.usesSideband && request.isAtomic)
        #expect(request.capabilities.contains("agent=git/2.39"))
        #expect(request.expectsPack)
        #expect(Array(parser.remainder) == Array("PACK....".utf8))
    }

    @Test func readsPushOptionsAfterTheCommands() throws {
        let body = PktLine.encode(Array("\(old) \(zero) refs/heads/topic\0push-options\n".utf8)) + PktLine.flushBytes
            + PktLine.encode(line: "ci.skip") + PktLine.flushBytes
        var parser = ReceivePackRequestParser()
        #expect(try parser.feed(body.prefix(60)) == .needMoreData)
        guard case .done(let request) = try parser.feed(body.dropFirst(60)) else { Issue.record("not done"); return }
        #expect(request.pushOptions == ["ci.skip"])
        #expect(!request.expectsPack)
    }

    @Test func theLargePushProbeIsAnEmptyRequest() throws {
        var parser = ReceivePackRequestParser()
        var empty = ReceivePackRequest()
        empty.size = 4
        #expect(try parser.feed(PktLine.flushBytes) == .done(empty))
    }

    @Test(arguments: [
        "not a command", "\(String(repeating: "1", count: 40)) short refs/heads/main",
        "\(ObjectID.zero.hex) \(ObjectID.zero.hex) refs/heads/main",
        "shallow 1234", "shallow \(ObjectID.zero.hex)", "shallow \(String(repeating: "g", count: 40))", "shallow  \(String(repeating: "1", count: 40))",
    ])
    func rejectsMalformedCommands(_ line: String) {
        var parser = ReceivePackRequestParser()
        #expect(throws: ReceiveError.self) { try parser.feed(PktLine.encode(line: line) + PktLine.flushBytes) }
    }

    @Test func readsAShallowClonesBoundariesBeforeTheCommands() throws {
        let boundary = String(repeating: "3", count: 40)
        let body = PktLine.encode(line: "shallow \(boundary)") + PktLine.encode(line: "shallow \(old)")
            + PktLine.encode(Array("\(old) \(new) refs/heads/main\0report-status side-band-64k\n".utf8)) + PktLine.flushBytes + Array("PACK".utf8)
        var parser = ReceivePackRequestParser()
        guard case .done(let request) = try parser.feed(body) else { Issue.record("not done"); return }
        #expect(request.shallow == [try ObjectID(boundary), try ObjectID(old)])
        #expect(request.commands.map(\.name) == ["refs/heads/main"])
        #expect(request.usesSideband, "the capabilities ride on the first command, not on a shallow line")
        #expect(Array(parser.remainder) == Array("PACK".utf8))
    }

    @Test func shallowLinesCountAgainstTheCommandSectionLimit() {
        let line = PktLine.encode(line: "shallow \(old)")
        var parser = ReceivePackRequestParser(maxPushBytes: line.count * 10)
        #expect(throws: ReceiveError.commandsTooLarge(limit: line.count * 10)) {
            try parser.feed(Array([[UInt8]](repeating: line, count: 20).joined()))
        }
    }
}
