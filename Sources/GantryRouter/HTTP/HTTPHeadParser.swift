/// Reads an `HTTPHead` from raw bytes, strictly (see `HTTPHead`).
package enum HTTPHeadParser {
    /// The largest head accepted, request or response.
    static let maximumHeadSize = 64 * 1024

    /// Parses the head at the start of `bytes`; `nil` while its end has not arrived.
    /// - Parameter scanned: how far a previous call looked for the end; updated.
    /// - Throws: `HeadError` when the head is too large or malformed.
    package static func parse(_ bytes: UnsafeRawBufferPointer, isRequest: Bool, scanned: inout Int) throws(HeadError) -> HTTPHead? {
        guard let end = findEnd(bytes, from: max(0, scanned - 3)) else {
            scanned = bytes.count
            if bytes.count > maximumHeadSize { throw .tooLarge }
            return nil
        }
        if end > maximumHeadSize { throw .tooLarge }
        var cursor = 0
        if isRequest {
            // RFC 9112 §2.2: ignore empty lines before the request line.
            while cursor + 1 < end, bytes[cursor] == .cr, bytes[cursor + 1] == .lf { cursor += 2 }
        }
        var head = isRequest ? try requestLine(bytes, &cursor) : try statusLine(bytes, &cursor)
        head.length = end
        head.fields.reserveCapacity(16)
        var teCodings = 0
        var teChunkedLast = false
        while true {
            guard cursor + 1 < end else { throw .malformed("the head does not end with an empty line") }
            if bytes[cursor] == .cr {
                guard bytes[cursor + 1] == .lf else { throw .malformed("a CR without LF") }
                break
            }
            let field = try fieldLine(bytes, &cursor)
            let value = UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd])
            switch field.kind {
            case .contentLength:
                let length = try parseLength(value)
                if let previous = head.contentLength, previous != length { throw .malformed("conflicting Content-Length fields") }
                head.contentLength = length
            case .transferEncoding:
                forEachToken(value) { token in
                    teCodings += 1
                    teChunkedLast = equalsLowercase(token, "chunked")
                }
            case .connection:
                forEachToken(value) { token in
                    if equalsLowercase(token, "close") {
                        head.connectionClose = true
                    } else if equalsLowercase(token, "keep-alive") {
                        head.connectionKeepAlive = true
                    } else if equalsLowercase(token, "upgrade") {
                        head.connectionUpgrade = true
                    } else {
                        head.connectionOptions.append(String(decoding: token, as: UTF8.self).lowercased())
                    }
                }
            case .upgrade:
                if head.upgrade == nil { head.upgrade = field.valueStart..<field.valueEnd }
            case .host:
                if head.host != nil, isRequest { throw .malformed("more than one Host field") }
                head.host = field.valueStart..<field.valueEnd
            case .requestID:
                if head.requestID == nil, isUsableRequestID(value) { head.requestID = field.valueStart..<field.valueEnd }
            default:
                break
            }
            head.fields.append(field)
        }
        if teCodings > 0 {
            if isRequest {
                if head.minorVersion == 0 { throw .malformed("Transfer-Encoding in an HTTP/1.0 request") }
                if head.contentLength != nil { throw .malformed("both Content-Length and Transfer-Encoding") }
                guard teCodings == 1, teChunkedLast else { throw .unsupportedTransferCoding }
                head.isChunked = true
            } else {
                head.contentLength = nil
                head.isChunked = teChunkedLast
                head.endsAtClose = !teChunkedLast
            }
        }
        return head
    }

    // MARK: - Lines

    private static func requestLine(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) throws(HeadError) -> HTTPHead {
        let methodStart = cursor
        while cursor < bytes.count, isTokenByte(bytes[cursor]) { cursor += 1 }
        guard cursor > methodStart, cursor < bytes.count, bytes[cursor] == .space else { throw .malformed("a bad request line") }
        let method = methodStart..<cursor
        cursor += 1
        let targetStart = cursor
        while cursor < bytes.count, bytes[cursor] > 0x20, bytes[cursor] != 0x7F { cursor += 1 }
        guard cursor > targetStart, cursor < bytes.count, bytes[cursor] == .space else { throw .malformed("a bad request target") }
        let target = targetStart..<cursor
        cursor += 1
        let minor = try version(bytes, &cursor)
        try expectCRLF(bytes, &cursor)
        var head = HTTPHead(kind: .request(method: method, target: target), minorVersion: minor)
        head.isHEAD = method.count == 4 && bytes[method.lowerBound] == UInt8(ascii: "H")
            && bytes[method.lowerBound + 1] == UInt8(ascii: "E") && bytes[method.lowerBound + 2] == UInt8(ascii: "A")
            && bytes[method.lowerBound + 3] == UInt8(ascii: "D")
        return head
    }

    private static func statusLine(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) throws(HeadError) -> HTTPHead {
        let minor = try version(bytes, &cursor)
        guard cursor + 4 <= bytes.count, bytes[cursor] == .space else { throw .malformed("a bad status line") }
        var status = 0
        for offset in 1...3 {
            let digit = bytes[cursor + offset]
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { throw .malformed("a bad status code") }
            status = status * 10 + Int(digit - UInt8(ascii: "0"))
        }
        cursor += 4
        guard status >= 100 else { throw .malformed("a bad status code") }
        if cursor < bytes.count, bytes[cursor] == .space { cursor += 1 }
        let reasonStart = cursor
        while cursor < bytes.count, isFieldValueByte(bytes[cursor]) { cursor += 1 }
        let reason = reasonStart..<cursor
        try expectCRLF(bytes, &cursor)
        return HTTPHead(kind: .response(status: status, reason: reason), minorVersion: minor)
    }

    private static func version(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) throws(HeadError) -> Int {
        let prefix: StaticString = "HTTP/1."
        guard cursor + 8 <= bytes.count else { throw .malformed("no HTTP version") }
        for index in 0..<7 where bytes[cursor + index] != prefix.utf8Start[index] {
            throw .malformed("not HTTP/1.x")
        }
        let minor = bytes[cursor + 7]
        guard minor == UInt8(ascii: "0") || minor == UInt8(ascii: "1") else { throw .malformed("not HTTP/1.0 or HTTP/1.1") }
        cursor += 8
        return Int(minor - UInt8(ascii: "0"))
    }

    private static func fieldLine(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) throws(HeadError) -> HTTPHead.Field {
        let nameStart = cursor
        while cursor < bytes.count, isTokenByte(bytes[cursor]) { cursor += 1 }
        guard cursor > nameStart, cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else {
            throw .malformed(nameStart == cursor && cursor < bytes.count && (bytes[cursor] == .space || bytes[cursor] == .tab)
                ? "a folded field line" : "a bad field name")
        }
        let nameEnd = cursor
        cursor += 1
        while cursor < bytes.count, bytes[cursor] == .space || bytes[cursor] == .tab { cursor += 1 }
        let valueStart = cursor
        var valueEnd = cursor
        while cursor < bytes.count, bytes[cursor] != .cr {
            let byte = bytes[cursor]
            guard isFieldValueByte(byte) else { throw .malformed("a control character in a field value") }
            cursor += 1
            if byte != .space, byte != .tab { valueEnd = cursor }
        }
        try expectCRLF(bytes, &cursor)
        let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
        return HTTPHead.Field(
            nameStart: nameStart, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd,
            kind: FieldName(name.assumingMemoryBound(to: UInt8.self)))
    }

    private static func expectCRLF(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) throws(HeadError) {
        guard cursor + 1 < bytes.count, bytes[cursor] == .cr, bytes[cursor + 1] == .lf else {
            throw .malformed("a line does not end with CRLF")
        }
        cursor += 2
    }

    // MARK: - Values

    /// The offset just past the first CRLF CRLF at or after `start`.
    private static func findEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = start
        while index + 3 < bytes.count {
            if bytes[index + 3] == .lf {
                if bytes[index + 2] == .cr, bytes[index + 1] == .lf, bytes[index] == .cr { return index + 4 }
                index += 1
            } else if bytes[index + 3] == .cr {
                index += 1
            } else {
                index += 4
            }
        }
        return nil
    }

    private static func parseLength(_ value: UnsafeRawBufferPointer) throws(HeadError) -> Int {
        guard !value.isEmpty, value.count <= 18 else { throw .malformed("a bad Content-Length") }
        var length = 0
        for byte in value {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .malformed("a bad Content-Length") }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return length
    }

    /// Calls `body` with each comma-separated token of a field value, whitespace trimmed.
    static func forEachToken(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ",") { end += 1 }
            var low = start
            var high = end
            while low < high, value[low] == .space || value[low] == .tab { low += 1 }
            while high > low, value[high - 1] == .space || value[high - 1] == .tab { high -= 1 }
            if high > low { body(UnsafeRawBufferPointer(rebasing: value[low..<high])) }
            start = end + 1
        }
    }

    /// Whether `bytes` equals the lowercase ASCII `lowercase`, ignoring case.
    static func equalsLowercase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        for index in 0..<bytes.count where bytes[index] | 0x20 != lowercase.utf8Start[index] {
            return false
        }
        return true
    }

    static func isUsableRequestID(_ value: UnsafeRawBufferPointer) -> Bool {
        !value.isEmpty && value.count <= 200 && value.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// tchar (RFC 9110 §5.6.2).
    @inline(__always) static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// field-vchar, SP or HTAB (RFC 9110 §5.5).
    @inline(__always) static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == .tab || (byte >= 0x20 && byte != 0x7F)
    }
}

extension UInt8 {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
}
