import GantryRouter
import NIOCore

/// What the router reads from clients and backends: message heads and bodies.
enum RouterTargets {
    /// The bytes as a request head and as a response head. Each parses the same whether its
    /// bytes arrive at once or in pieces (the parser resumes its scan for the end); a head that
    /// parses has its parts inside itself, and the head the router writes from it for the other
    /// side parses again with the same framing: what the router forwards is what it read.
    static let httpHead = FuzzTarget("http-head", "an HTTP/1.x request or response head (HTTPHeadParser, HeadWriter)") { input throws(FuzzFailure) in
        let buffer = ByteBuffer(bytes: input)
        for isRequest in [true, false] {
            let whole = parseHead(buffer, isRequest: isRequest, pieces: [])
            let pieces = parseHead(buffer, isRequest: isRequest, pieces: Splits.points(input, count: 3))
            try FuzzFailure.check(
                whole.summary == pieces.summary, "http-head",
                "fed in pieces the \(isRequest ? "request" : "response") parses differently: \(whole.summary) vs \(pieces.summary)")
            guard let head = whole.head else { continue }
            try checkRanges(head)
            try checkRewrite(head, buffer, isRequest: isRequest)
        }
    }

    private struct Parsed {
        var head: HTTPHead?
        var error: HeadError?
        /// The outcome in a comparable form: the head's framing, the kind of error (which
        /// malformation is found first can depend on how much arrived: the status line is
        /// read before the end of the head is known to be its end), or none yet.
        var summary: String {
            if let head { return "head of \(head.length) bytes, \(head.fields.count) fields, length \(head.contentLength.map(String.init) ?? "-"), chunked \(head.isChunked)" }
            switch error {
            case .malformed?: return "malformed"
            case let error?: return "\(error)"
            case nil: return "needs more bytes"
            }
        }
    }

    /// Parses the head at the start of `buffer`, first as its prefixes ending at `pieces` arrive.
    private static func parseHead(_ buffer: ByteBuffer, isRequest: Bool, pieces: [Int]) -> Parsed {
        var scanned = 0
        for end in pieces + [buffer.readableBytes] {
            let parsed = buffer.withUnsafeReadableBytes { bytes -> Parsed in
                do throws(HeadError) {
                    let head = try HTTPHeadParser.parse(UnsafeRawBufferPointer(rebasing: bytes[..<end]), isRequest: isRequest, scanned: &scanned)
                    return Parsed(head: head)
                } catch {
                    return Parsed(error: error)
                }
            }
            if parsed.head != nil || parsed.error != nil { return parsed }
        }
        return Parsed()
    }

    private static func checkRanges(_ head: HTTPHead) throws(FuzzFailure) {
        var ranges: [Range<Int>] = []
        switch head.kind {
        case .request(let method, let target): ranges += [method, target]
        case .response(_, let reason): ranges.append(reason)
        }
        for field in head.fields {
            ranges += [field.nameStart..<field.nameEnd, field.valueStart..<field.valueEnd]
        }
        try FuzzFailure.check(
            ranges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= head.length }, "http-head",
            "a part of the head lies outside its \(head.length) bytes")
    }

    private static func checkRewrite(_ head: HTTPHead, _ buffer: ByteBuffer, isRequest: Bool) throws(FuzzFailure) {
        let written: ByteBuffer
        // A response's body, as the router frames it for an HTTP/1.1 client: none for 1xx, 204
        // and 304; chunked when it came chunked or with no length.
        var hasBody = true
        var body = HeadWriter.BodyFraming.asSent
        if isRequest {
            written = HeadWriter.request(
                head, bytes: buffer, clientAddress: "10.0.0.7", newRequestID: RequestID(high: 1, low: 2), allocator: ByteBufferAllocator())
        } else {
            guard case .response(let status, _) = head.kind else { return }
            hasBody = status >= 200 && status != 204 && status != 304
            if hasBody, head.isChunked || head.contentLength == nil { body = .chunked }
            written = HeadWriter.response(head, bytes: buffer, clientMinorVersion: 1, body: body, keepAlive: true, allocator: ByteBufferAllocator())
        }
        let again = parseHead(written, isRequest: isRequest, pieces: [])
        if case .tooLarge? = again.error { return }  // the added fields may carry a head at the limit over it
        guard let rewritten = again.head else {
            throw FuzzFailure("http-head", "the \(isRequest ? "request" : "response") head the router writes does not parse: \(again.summary)")
        }
        try FuzzFailure.check(rewritten.length == written.readableBytes, "http-head", "the written head has bytes after its end")
        let chunked = isRequest ? head.isChunked : hasBody && body == .chunked
        let length = isRequest || !chunked ? head.contentLength : nil
        try FuzzFailure.check(
            rewritten.isChunked == chunked && (!hasBody || rewritten.contentLength == length), "http-head",
            "the written head's framing differs: chunked \(chunked) → \(rewritten.isChunked), "
                + "Content-Length \(length.map(String.init) ?? "-") → \(rewritten.contentLength.map(String.init) ?? "-")")
        if case .request(let method, let target) = head.kind, case .request(let method2, let target2) = rewritten.kind {
            try FuzzFailure.check(
                buffer.getBytes(at: method.lowerBound, length: method.count) == written.getBytes(at: method2.lowerBound, length: method2.count)
                    && buffer.getBytes(at: target.lowerBound, length: target.count) == written.getBytes(at: target2.lowerBound, length: target2.count),
                "http-head", "the written request line differs")
        }
    }

    /// A body: the first byte picks its framing (chunked, a length, until close) and how it
    /// leaves the router; the rest is the bytes after the head. Fed whole and in pieces, the
    /// framer takes the same bytes, ends at the same place and passes on the same bytes; a body
    /// passed on verbatim is the bytes it took, a dechunked one is the chunks' data, a
    /// re-chunked one is valid chunked framing of what arrived.
    static let httpBody = FuzzTarget("http-body", "framing byte, then a message body (BodyFramer, ChunkParser)") { input throws(FuzzFailure) in
        guard let mode = input.first else { return }
        let body = Array(input.dropFirst())
        var whole = frame(mode, [body[...]])
        var pieces = frame(mode, Splits.pieces(body, count: 4))
        if mode % 6 == 5, whole.error == nil, pieces.error == nil {
            // Until close, re-chunked: one chunk per read, so valid chunked framing of the body
            // whose chunks follow the pieces; compared by their data.
            for framed in [whole, pieces] {
                let dechunked = frame(4, [framed.output[...]])
                try FuzzFailure.check(
                    dechunked.complete && dechunked.output == body && dechunked.taken == framed.output.count, "http-body",
                    "a re-chunked body does not dechunk to the bytes that arrived")
            }
            whole.output = body
            pieces.output = body
        }
        // Once the framing breaks, what was passed on before depends on the pieces; the error does not.
        try FuzzFailure.check(
            whole.error == nil && pieces.error == nil ? whole == pieces : whole.error == pieces.error, "http-body",
            "fed in pieces the body frames differently: \(whole) vs \(pieces)")
        if whole.error == nil, mode % 6 <= 2 {  // length, or chunked passed on verbatim: the bytes taken
            try FuzzFailure.check(whole.output == Array(body.prefix(whole.taken)), "http-body", "a verbatim body is not the bytes taken")
        }
    }

    private struct Framed: Equatable, CustomStringConvertible {
        var taken = 0
        var complete = false
        var output: [UInt8] = []
        var error: HeadError?
        var description: String { "took \(taken), complete \(complete), passed on \(output.count), error \(error.map { "\($0)" } ?? "none")" }
    }

    /// The framer `mode` picks, fed `pieces`, then the sender's close.
    private static func frame(_ mode: UInt8, _ pieces: [ArraySlice<UInt8>]) -> Framed {
        var framer: BodyFramer
        switch mode % 6 {
        case 0: framer = BodyFramer(.length(Int(mode / 6) * 3))
        case 1, 2: framer = BodyFramer(.chunked(ChunkParser()))
        case 3: framer = BodyFramer(.chunked(ChunkParser()), output: .dechunk)
        case 4: framer = BodyFramer(.chunked(ChunkParser()), output: .dechunk)
        default: framer = BodyFramer(.untilClose, output: .rechunk)
        }
        var framed = Framed()
        var output: [UInt8] = []
        let emit = { (buffer: ByteBuffer) in output += buffer.readableBytesView }
        do throws(HeadError) {
            for piece in pieces where !framed.complete {
                var buffer = ByteBuffer(bytes: piece)
                let complete = try framer.consume(&buffer, emit: emit)
                framed.taken += piece.count - buffer.readableBytes
                framed.complete = complete
            }
            if !framed.complete {
                let complete = framer.finishAtClose(emit: emit)
                framed.complete = complete
            }
        } catch {
            framed.error = error
        }
        framed.output = output
        return framed
    }
}
