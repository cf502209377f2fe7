import NIOHTTP1

/// The header changes a reverse proxy makes (RFC 9110 §7.6): hop-by-hop fields dropped in both
/// directions, `X-Forwarded-*` and `X-Request-Id` added to requests. WebSocket upgrades keep
/// their `Connection: upgrade` and `Upgrade` so the backend can answer 101.
enum HeaderRewriting {
    /// A request head ready for the backend, and what the proxy learned from it.
    struct Request {
        var head: HTTPRequestHead
        /// The client's `Host` value as sent (with port), `""` when absent.
        var host: String
        /// `Connection: upgrade` with an `Upgrade` field: the response may be a 101.
        var isUpgrade: Bool
        /// The `X-Request-Id` sent on: the client's own when it is sane, else a new one.
        var requestID: String
    }

    /// Rewrites a client's request head for the backend.
    /// - Parameters:
    ///   - clientAddress: the client's IP, appended to `X-Forwarded-For`.
    ///   - newRequestID: makes an id when the client sent none (or an unusable one).
    static func request(
        _ head: HTTPRequestHead,
        clientAddress: String?,
        newRequestID: () -> String
    ) -> Request {
        var rebuild = false
        var connectionTokens: [String] = []
        var chunked = false
        var upgrade: String?
        var host = ""
        var forwardedFor: String?
        var requestID: String?
        for (name, value) in head.headers {
            switch FieldName(name) {
            case .connection:
                rebuild = true
                connectionTokens += Self.tokens(value)
            case .transferEncoding:
                rebuild = true
                chunked = true
            case .upgrade:
                rebuild = true
                upgrade = value
            case .forwardedFor:
                rebuild = true
                forwardedFor = forwardedFor.map { "\($0), \(value)" } ?? value
            case .keepAlive, .te, .trailer, .proxy, .forwardedProto, .forwardedHost:
                rebuild = true
            case .requestID:
                if requestID == nil, Self.isUsableRequestID(value) { requestID = value } else { rebuild = true }
            case .host:
                if host.isEmpty { host = value }
            case .other:
                break
            }
        }
        let isUpgrade = upgrade != nil && connectionTokens.contains("upgrade")
        var headers: HTTPHeaders
        if rebuild {
            headers = HTTPHeaders()
            headers.reserveCapacity(head.headers.count + 5)
            var keptRequestID = false
            for (name, value) in head.headers {
                switch FieldName(name) {
                case .other, .host:
                    if !connectionTokens.isEmpty, connectionTokens.contains(where: { Self.sameName(name, $0) }) { continue }
                    headers.add(name: name, value: value)
                case .requestID where !keptRequestID && value == requestID:
                    keptRequestID = true
                    headers.add(name: name, value: value)
                default:
                    continue
                }
            }
        } else {
            headers = head.headers
        }
        if chunked { headers.add(name: "transfer-encoding", value: "chunked") }
        if isUpgrade, let upgrade {
            headers.add(name: "connection", value: "upgrade")
            headers.add(name: "upgrade", value: upgrade)
        }
        if let clientAddress {
            headers.add(name: "x-forwarded-for", value: forwardedFor.map { "\($0), \(clientAddress)" } ?? clientAddress)
        } else if let forwardedFor {
            headers.add(name: "x-forwarded-for", value: forwardedFor)
        }
        headers.add(name: "x-forwarded-proto", value: "http")
        if !host.isEmpty { headers.add(name: "x-forwarded-host", value: host) }
        let id = requestID ?? newRequestID()
        if requestID == nil { headers.add(name: "x-request-id", value: id) }
        let forwarded = HTTPRequestHead(version: .http1_1, method: head.method, uri: head.uri, headers: headers)
        return Request(head: forwarded, host: host, isUpgrade: isUpgrade, requestID: id)
    }

    /// Drops hop-by-hop fields from a backend's response head. For a 101 (`keepUpgrade`) the
    /// `Upgrade` field stays and `Connection: upgrade` is set.
    static func response(_ headers: HTTPHeaders, keepUpgrade: Bool) -> HTTPHeaders {
        var connectionTokens: [String] = []
        var rebuild = false
        var upgrade: String?
        for (name, value) in headers {
            switch FieldName(name) {
            case .connection:
                rebuild = true
                connectionTokens += Self.tokens(value)
            case .upgrade:
                rebuild = true
                upgrade = value
            case .keepAlive, .te, .trailer, .transferEncoding, .proxy:
                rebuild = true
            default:
                break
            }
        }
        guard rebuild else { return headers }
        var result = HTTPHeaders()
        result.reserveCapacity(headers.count + 1)
        for (name, value) in headers {
            switch FieldName(name) {
            case .connection, .upgrade, .keepAlive, .te, .trailer, .transferEncoding, .proxy:
                continue
            default:
                if !connectionTokens.isEmpty, connectionTokens.contains(where: { Self.sameName(name, $0) }) { continue }
                result.add(name: name, value: value)
            }
        }
        if keepUpgrade, let upgrade {
            result.add(name: "connection", value: "upgrade")
            result.add(name: "upgrade", value: upgrade)
        }
        return result
    }

    /// A client's request id is passed on when it is 1 to 200 visible ASCII characters.
    static func isUsableRequestID(_ value: String) -> Bool {
        let utf8 = value.utf8
        return !utf8.isEmpty && utf8.count <= 200 && utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// The comma-separated tokens of a `Connection` value, lowercased.
    static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").compactMap { token in
            var trimmed = token[...]
            while let first = trimmed.first, first == " " || first == "\t" { trimmed.removeFirst() }
            while let last = trimmed.last, last == " " || last == "\t" { trimmed.removeLast() }
            return trimmed.isEmpty ? nil : trimmed.lowercased()
        }
    }

    /// Compares a field name with a lowercase one, ignoring ASCII case.
    static func sameName(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.count == lowercase.utf8.count && zip(name.utf8, lowercase.utf8).allSatisfy { $0 | 0x20 == $1 | 0x20 }
    }
}

/// The field names the proxy treats specially, recognized without allocating.
enum FieldName {
    case connection, keepAlive, te, trailer, transferEncoding, upgrade, proxy
    case forwardedFor, forwardedProto, forwardedHost, requestID, host, other

    init(_ name: String) {
        var name = name
        self = name.withUTF8 { FieldName.classify($0) }
    }

    private static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> FieldName {
        guard let first = bytes.first else { return .other }
        switch (first | 0x20, bytes.count) {
        case (UInt8(ascii: "c"), 10): return matches(bytes, "connection") ? .connection : .other
        case (UInt8(ascii: "k"), 10): return matches(bytes, "keep-alive") ? .keepAlive : .other
        case (UInt8(ascii: "t"), 2): return matches(bytes, "te") ? .te : .other
        case (UInt8(ascii: "t"), 7): return matches(bytes, "trailer") ? .trailer : .other
        case (UInt8(ascii: "t"), 17): return matches(bytes, "transfer-encoding") ? .transferEncoding : .other
        case (UInt8(ascii: "u"), 7): return matches(bytes, "upgrade") ? .upgrade : .other
        case (UInt8(ascii: "h"), 4): return matches(bytes, "host") ? .host : .other
        case (UInt8(ascii: "p"), 5...):
            return matches(UnsafeBufferPointer(rebasing: bytes.prefix(5)), "proxy")
                && (bytes.count == 5 || bytes[5] == UInt8(ascii: "-")) ? .proxy : .other
        case (UInt8(ascii: "x"), 12): return matches(bytes, "x-request-id") ? .requestID : .other
        case (UInt8(ascii: "x"), 15): return matches(bytes, "x-forwarded-for") ? .forwardedFor : .other
        case (UInt8(ascii: "x"), 16): return matches(bytes, "x-forwarded-host") ? .forwardedHost : .other
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
