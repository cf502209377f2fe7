import GantryGit
import Testing

@Suite struct PktLineTests {
    @Test func encodesLengthIncludingTheHeader() {
        #expect(PktLine.encode(line: "hello") == Array("000ahello\n".utf8))
        #expect(PktLine.flush.bytes == Array("0000".utf8))
        #expect(PktLine.delimiter.bytes == Array("0001".utf8))
    }

    @Test func decodesPacketsSplitAcrossChunks() throws {
        let stream = PktLine.encode(line: "first") + PktLine.flushBytes + PktLine.encode(line: "second") + Array("PACK".utf8)
        var decoder = PktLineDecoder()
        var packets: [PktLine] = []
        for byte in stream {  // one byte at a time: the worst split there is
            decoder.append([byte])
            while packets.count < 3, let packet = try decoder.next() { packets.append(packet) }
        }
        #expect(packets.map { $0.text ?? "<\($0)>" } == ["first", "<flush>", "second"])
        #expect(Array(decoder.remainder) == Array("PACK".utf8))
    }

    @Test(arguments: ["zzzz", "0003", "fff1", "00x5"])
    func rejectsMalformedHeaders(_ header: String) {
        var decoder = PktLineDecoder()
        decoder.append(Array(header.utf8) + Array(repeating: 0x61, count: 8))
        #expect(throws: PktLineError.self) { try decoder.next() }
    }

    @Test func sidebandSplitsLargeDataIntoMaximumSizedPackets() throws {
        let data = [UInt8](repeating: 7, count: Sideband.maximumData * 2 + 10)
        var decoder = PktLineDecoder()
        decoder.append(Sideband.data.encode(data))
        var sizes: [Int] = []
        while case .data(let payload)? = try decoder.next() {
            #expect(payload.first == Sideband.data.rawValue)
            sizes.append(payload.count - 1)
        }
        #expect(sizes == [Sideband.maximumData, Sideband.maximumData, 10])
        #expect(Sideband.data.encode([]) == Array("0005\u{1}".utf8))
    }
}
