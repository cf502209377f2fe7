import GantryGit

/// The parsers of a push: pkt-lines, the receive-pack command section, the pack as it streams
/// in, and the pack index and entry readers of the connectivity check.
enum GitTargets {
    /// A pkt-line stream, fed whole and in pieces: both give the same packets, the same error
    /// and the same bytes left (held or not fed), and every data packet encodes back to a
    /// packet that decodes to it.
    static let pktLine = FuzzTarget("pktline", "a pkt-line stream (PktLineDecoder)") { input throws(FuzzFailure) in
        let whole = decodePackets([input[...]])
        let pieces = decodePackets(Splits.pieces(input, count: 3))
        try FuzzFailure.check(whole == pieces, "pktline", "fed in pieces it decodes differently: \(whole) vs \(pieces)")
        for case .data(let payload) in whole.packets {
            var decoder = PktLineDecoder()
            decoder.append(PktLine.encode(payload))
            let again = try? decoder.next()
            try FuzzFailure.check(again == .data(payload) && decoder.remainder.isEmpty, "pktline", "a data packet does not round-trip")
        }
    }

    private struct Decoded: Equatable, CustomStringConvertible {
        var packets: [PktLine] = []
        var error: PktLineError?
        var remainder: [UInt8] = []
        var description: String { "\(packets.count) packets, error \(error.map(\.description) ?? "none"), \(remainder.count) bytes left" }
    }

    private static func decodePackets(_ pieces: [ArraySlice<UInt8>]) -> Decoded {
        var decoder = PktLineDecoder()
        var decoded = Decoded()
        var fed = 0
        feeding: for piece in pieces {
            decoder.append(piece)
            fed += 1
            do throws(PktLineError) {
                while let packet = try decoder.next() {
                    _ = packet.text
                    decoded.packets.append(packet)
                }
            } catch {
                decoded.error = error
                break feeding
            }
        }
        decoded.remainder = Array(decoder.remainder) + pieces[fed...].joined()
        return decoded
    }

    /// A receive-pack request (the command section, then a pack), fed whole and in pieces,
    /// with no limit and with one shorter than the input: both give the same request, or both
    /// an error (not always the same: a section past the limit can be seen before or after
    /// a malformed packet in it, depending on where the bytes were cut), and the request's size
    /// and the remainder add up to the input.
    static let receivePack = FuzzTarget("receive-pack", "a receive-pack request body (ReceivePackRequestParser)") { input throws(FuzzFailure) in
        for limit in [Int.max, input.count * 3 / 4 + 1] {
            let whole = parseRequest([input[...]], limit: limit)
            let pieces = parseRequest(Splits.pieces(input, count: 3), limit: limit)
            try FuzzFailure.check(
                whole == pieces || (whole.error != nil && pieces.error != nil), "receive-pack",
                "fed in pieces it parses differently: \(whole) vs \(pieces)")
            if case .done(let request)? = whole.step {
                try FuzzFailure.check(
                    request.size + whole.remainder.count == input.count, "receive-pack",
                    "the section's size \(request.size) and the \(whole.remainder.count) bytes left are not the input's \(input.count)")
                try FuzzFailure.check(request.size <= limit, "receive-pack", "a section of \(request.size) bytes passed the limit of \(limit)")
            }
        }
    }

    private struct Parsed: Equatable, CustomStringConvertible {
        var step: ReceivePackRequestParser.Step?
        var error: ReceiveError?
        var remainder: [UInt8] = []
        var description: String { "\(step.map { "\($0)" } ?? "-") / \(error?.description ?? "no error") / \(remainder.count) bytes left" }
    }

    private static func parseRequest(_ pieces: [ArraySlice<UInt8>], limit: Int) -> Parsed {
        var parser = ReceivePackRequestParser(maxPushBytes: limit)
        var parsed = Parsed()
        var fed = 0
        do throws(ReceiveError) {
            for piece in pieces {
                parsed.step = try parser.feed(piece)
                fed += 1
                if case .done? = parsed.step { break }
            }
        } catch {
            parsed.step = nil
            parsed.error = error
        }
        // Once done, the rest of the input is the pack: what the parser holds past the
        // section, then the pieces not fed.
        if case .done? = parsed.step { parsed.remainder = Array(parser.remainder) + pieces[fed...].joined() }
        return parsed
    }

    /// The bounds a fuzzed pack is read with: those of a 1 MiB push limit (every object may
    /// inflate to 64 MiB in all).
    private static let limits = PackLimits(maxPushBytes: 1 << 20)

    /// A pack as it streams in, fed whole and in pieces: both accept it or both refuse it.
    static let packStream = FuzzTarget("pack-stream", "a pushed pack, streamed (PackStreamScanner)") { input throws(FuzzFailure) in
        let whole = scanPack([input[...]])
        let pieces = scanPack(Splits.pieces(input, count: 4))
        try FuzzFailure.check(
            (whole == nil) == (pieces == nil), "pack-stream",
            "fed in pieces the verdict differs: \(whole?.description ?? "accepted") vs \(pieces?.description ?? "accepted")")
    }

    /// The scanner's refusal, or `nil`.
    private static func scanPack(_ pieces: [ArraySlice<UInt8>]) -> ReceiveError? {
        let scanner: PackStreamScanner
        do throws(ReceiveError) { scanner = try PackStreamScanner(limits: limits) } catch { return error }
        for piece in pieces {
            let refusal = piece.withUnsafeBytes { bytes -> ReceiveError? in
                do throws(ReceiveError) { try scanner.feed(bytes) } catch { return error }
                return nil
            }
            if let refusal { return refusal }
        }
        return nil
    }

    /// A git delta and its base, as the connectivity check applies them once inflated: a
    /// 2-byte big-endian length, that many bytes of base, and the delta. A delta that applies
    /// gives a result of the size it declares. The reader reserves the size a delta declares,
    /// which `PackStreamScanner` bounds as the pack streams in (64 MiB for a commit, tree or tag
    /// whose base it has read, 512 MiB for any delta): deltas declaring more than 64 MiB are
    /// left out, so that libFuzzer's limit of 256 MiB an allocation measures the parser.
    static let packDelta = FuzzTarget("pack-delta", "2-byte length, base, delta (PackObjectReader.apply)") { input throws(FuzzFailure) in
        guard input.count >= 2 else { return }
        let length = min(input.count - 2, Int(input[0]) << 8 | Int(input[1]))
        let base = Array(input[2..<2 + length]), delta = Array(input[(2 + length)...])
        var cursor = 0, declared = 0
        for _ in 0..<2 {  // the base's size, then the result's
            declared = 0
            var shift = 0
            repeat {
                guard cursor < delta.count, shift < 57 else { return }
                declared |= Int(delta[cursor] & 0x7f) << shift
                shift += 7
                cursor += 1
            } while delta[cursor - 1] & 0x80 != 0
        }
        guard declared <= limits.linkingObjectBytes else { return }
        let result: [UInt8]
        do throws(ReceiveError) { result = try PackObjectReader.apply(delta, to: base, at: 0) } catch {
            _ = error.description
            return
        }
        try FuzzFailure.check(result.count == declared, "pack-delta", "a delta gave \(result.count) bytes, not the \(declared) it declares")
    }

    /// A pack index and its pack: a 4-byte big-endian length, that many bytes of `.idx`, and
    /// the `.pack`. Read as the connectivity check reads them: the index, every entry's header,
    /// then every commit, tree and tag, deltas applied, with the ids each one names looked up
    /// in the index.
    static let packIndex = FuzzTarget("pack-index", "4-byte length, .idx, .pack (PackIndex, PackEntries, PackObjectReader, ObjectLinks)") { input throws(FuzzFailure) in
        guard input.count >= 4 else { return }
        let length = min(input.count - 4, input[0..<4].reduce(0) { $0 << 8 | Int($1) })
        do throws(ReceiveError) {
            let index = try PackIndex(file: MappedFile(copying: input[4..<4 + length]), name: "fuzz.idx")
            let pack = MappedFile(copying: input[(4 + length)...])
            let entries = try PackEntries(pack: pack, index: index)
            let linking: Set<UInt8> = [PackEntries.commit, PackEntries.tree, PackEntries.tag]
            let reader = try PackObjectReader(pack: pack, entries: entries, types: linking)
            for position in entries.positionsInPackOrder where linking.contains(entries.entries[position].type) {
                let content = try reader.content(at: position)
                _ = content.withUnsafeBytes { bytes in
                    ObjectLinks.forEach(ofType: entries.entries[position].type, in: bytes) { id, _ in
                        _ = index.position(of: id)
                        return true
                    }
                }
            }
        } catch {
            _ = error.description
        }
    }
}
