import NIOCore

/// Writes the heads the proxy sends on: the client's request for the backend, the backend's
/// response for the client. Kept field lines are copied byte for byte; hop-by-hop fields
/// (RFC 9110 §7.6.1: `Connection` and the fields it names, `Keep-Alive`, `TE`, `Trailer`,
/// `Transfer-Encoding`, `Upgrade`, `Proxy-*`) are dropped, and the proxy adds its own.
package enum HeadWriter {
    /// The request head for the backend: HTTP/1.1, `X-Forwarded-For/-Proto/-Host/-Port` (the
    /// client's own `-Proto`, `-Host` and `-Port` dropped: only the router says them), the request
    /// id (the client's when usable, else `newRequestID`), `Transfer-Encoding: chunked` for a
    /// chunked body, `Connection: upgrade` and `Upgrade` for an upgrade.
    package static func request(
        _ head: HTTPHead, bytes source: ByteBuffer, clientAddress: String?, newRequestID: RequestID?,
        allocator: ByteBufferAllocator, listener: Listener = Listener(https: false, port: nil)
    ) -> ByteBuffer {
        var out = allocator.buffer(capacity: head.length + 192)
        source.withUnsafeReadableBytes { bytes in
            guard case .request(let method, let target) = head.kind else { preconditionFailure("not a request head") }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[method]))
            out.writeStaticString(" ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[target]))
            out.writeStaticString(" HTTP/1.1\r\n")
            var forwardedFor: [Range<Int>] = []
            for field in head.fields {
                switch field.kind {
                case .connection, .keepAlive, .te, .trailer, .transferEncoding, .upgrade, .proxy,
                    .forwardedProto, .forwardedHost, .forwardedPort:
                    continue
                case .forwardedFor:
                    forwardedFor.append(field.valueStart..<field.valueEnd)
                    continue
                case .requestID where field.valueStart != head.requestID?.lowerBound:
                    continue
                default:
                    if !head.connectionOptions.isEmpty, isListed(field, in: head.connectionOptions, bytes) { continue }
                }
                writeLine(field, from: bytes, into: &out)
            }
            if head.isChunked { out.writeStaticString("transfer-encoding: chunked\r\n") }
            if head.isUpgrade, let upgrade = head.upgrade {
                out.writeStaticString("connection: upgrade\r\nupgrade: ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[upgrade]))
                out.writeStaticString("\r\n")
            }
            out.writeStaticString("x-forwarded-for: ")
            for range in forwardedFor {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[range]))
                out.writeStaticString(", ")
            }
            out.writeString(clientAddress ?? "unknown")
            out.writeStaticString(listener.https ? "\r\nx-forwarded-proto: https\r\n" : "\r\nx-forwarded-proto: http\r\n")
            if let port = listener.port {
                out.writeStaticString("x-forwarded-port: ")
                out.writeString(String(port))
                out.writeStaticString("\r\n")
            }
            if let host = head.host {
                out.writeStaticString("x-forwarded-host: ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[host]))
                out.writeStaticString("\r\n")
            }
            if let newRequestID {
                out.writeStaticString("x-request-id: ")
                newRequestID.write(into: &out)
                out.writeStaticString("\r\n")
            }
            out.writeStaticString("\r\n")
        }
        return out
    }

    /// The port a client connected to: what `X-Forwarded-Proto` and `-Port` say.
    package struct Listener: Sendable {
        package var https: Bool
        package var port: Int?

        package init(https: Bool, port: Int?) {
            self.https = https
            self.port = port
        }
    }

    /// How the response body leaves the proxy.
    package enum BodyFraming {
        /// No body (HEAD, 1xx, 204, 304) or a `Content-Length` the backend sent.
        case asSent
        case chunked
        /// The body ends when the proxy closes the connection (HTTP/1.0 client).
        case closeDelimited
    }

    /// The response head for a client speaking HTTP/1.`clientMinorVersion`; with `hsts`, its
    /// `Strict-Transport-Security: max-age=hsts` replaces the backend's own (see ``RoutePolicy``);
    /// with `setCookie`, a `Set-Cookie` field with that value joins the backend's own (the
    /// canary's sticky cookie, see ``CanarySplit``).
    package static func response(
        _ head: HTTPHead, bytes source: ByteBuffer, clientMinorVersion: Int, body: BodyFraming, keepAlive: Bool,
        allocator: ByteBufferAllocator, hsts: Int? = nil, setCookie: String? = nil
    ) -> ByteBuffer {
        var out = allocator.buffer(capacity: head.length + (setCookie == nil ? 64 : 128))
        source.withUnsafeReadableBytes { bytes in
            guard case .response(let status, let reason) = head.kind else { preconditionFailure("not a response head") }
            out.writeStaticString(clientMinorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[9..<12]))
            out.writeStaticString(" ")
            out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[reason]))
            out.writeStaticString("\r\n")
            let dropLength = head.isChunked || head.endsAtClose
            for field in head.fields {
                switch field.kind {
                case .connection, .keepAlive, .te, .trailer, .transferEncoding, .upgrade, .proxy:
                    continue
                case .contentLength where dropLength:
                    continue
                case .strictTransportSecurity where hsts != nil:
                    continue
                default:
                    if !head.connectionOptions.isEmpty, isListed(field, in: head.connectionOptions, bytes) { continue }
                }
                writeLine(field, from: bytes, into: &out)
            }
            if let hsts {
                out.writeStaticString("strict-transport-security: max-age=")
                out.writeString(String(hsts))
                out.writeStaticString("\r\n")
            }
            if let setCookie {
                out.writeStaticString("set-cookie: ")
                out.writeString(setCookie)
                out.writeStaticString("\r\n")
            }
            if status == 101, let upgrade = head.upgrade {
                out.writeStaticString("connection: upgrade\r\nupgrade: ")
                out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[upgrade]))
                out.writeStaticString("\r\n")
            } else {
                if case .chunked = body { out.writeStaticString("transfer-encoding: chunked\r\n") }
                if clientMinorVersion == 0 {
                    if keepAlive { out.writeStaticString("connection: keep-alive\r\n") }
                } else if !keepAlive {
                    out.writeStaticString("connection: close\r\n")
                }
            }
            out.writeStaticString("\r\n")
        }
        return out
    }

    private static func writeLine(_ field: HTTPHead.Field, from bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        out.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[field.nameStart..<field.valueEnd]))
        out.writeStaticString("\r\n")
    }

    private static func isListed(_ field: HTTPHead.Field, in options: [String], _ bytes: UnsafeRawBufferPointer) -> Bool {
        let name = UnsafeRawBufferPointer(rebasing: bytes[field.nameStart..<field.nameEnd])
        return options.contains { option in
            option.utf8.count == name.count && zip(option.utf8, name).allSatisfy { $0 == $1 | 0x20 }
        }
    }
}

/// The field names the proxy treats specially, recognized without allocating.
enum FieldName {
    case connection, keepAlive, te, trailer, transferEncoding, upgrade, proxy, contentLength
    case forwardedFor, forwardedProto, forwardedHost, forwardedPort, requestID, host, strictTransportSecurity, other
    /// `Cookie` and `X-Gantry-Canary`: read only for an app with a canary (``CanaryPreference``).
    case cookie, canaryForce

    init(_ name: String) {
        var name = name
        self = name.withUTF8 { FieldName($0) }
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self = Self.classify(bytes)
    }

    private static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> FieldName {
        guard let first = bytes.first else { return .other }
        switch (first | 0x20, bytes.count) {
        case (UInt8(ascii: "c"), 10): return matches(bytes, "connection") ? .connection : .other
        case (UInt8(ascii: "c"), 14): return matches(bytes, "content-length") ? .contentLength : .other
        case (UInt8(ascii: "c"), 6): return matches(bytes, "cookie") ? .cookie : .other
        case (UInt8(ascii: "k"), 10): return matches(bytes, "keep-alive") ? .keepAlive : .other
        case (UInt8(ascii: "t"), 2): return matches(bytes, "te") ? .te : .other
        case (UInt8(ascii: "t"), 7): return matches(bytes, "trailer") ? .trailer : .other
        case (UInt8(ascii: "t"), 17): return matches(bytes, "transfer-encoding") ? .transferEncoding : .other
        case (UInt8(ascii: "u"), 7): return matches(bytes, "upgrade") ? .upgrade : .other
        case (UInt8(ascii: "h"), 4): return matches(bytes, "host") ? .host : .other
        case (UInt8(ascii: "s"), 25): return matches(bytes, "strict-transport-security") ? .strictTransportSecurity : .other
        case (UInt8(ascii: "p"), 5...):
            return matches(UnsafeBufferPointer(rebasing: bytes.prefix(5)), "proxy")
                && (bytes.count == 5 || bytes[5] == UInt8(ascii: "-")) ? .proxy : .other
        case (UInt8(ascii: "x"), 12): return matches(bytes, "x-request-id") ? .requestID : .other
        case (UInt8(ascii: "x"), 15):
            return matches(bytes, "x-forwarded-for") ? .forwardedFor : matches(bytes, "x-gantry-canary") ? .canaryForce : .other
        case (UInt8(ascii: "x"), 16):
            return matches(bytes, "x-forwarded-host") ? .forwardedHost : matches(bytes, "x-forwarded-port") ? .forwardedPort : .other
        case (UInt8(ascii: "x"), 17): return matches(bytes, "x-forwarded-proto") ? .forwardedProto : .other
        default: return .other
        }
    }

    /// `bytes` equals the lowercase ASCII `lowercase`, ignoring case (names are tokens: no CR/LF).
    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for index in 0..<bytes.count where bytes[index] | 0x20 != expected[index] {
            return false
        }
        return true
    }
}
