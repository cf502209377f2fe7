/// An HTTP/1.x message head as the proxy reads it: where each part sits in the bytes it came in,
/// and the framing facts the proxy acts on. Nothing is copied out until the head is rewritten.
///
/// Parsing is strict, the way a front proxy must be to prevent request smuggling: bare LF,
/// obs-fold, whitespace before a colon, control characters, conflicting `Content-Length`s,
/// `Content-Length` together with `Transfer-Encoding`, or a request transfer coding other than
/// `chunked` are rejected rather than guessed at.
package struct HTTPHead {
    /// A field of the head; offsets are relative to the start of the head's bytes.
    package struct Field {
        package var nameStart: Int
        package var nameEnd: Int
        package var valueStart: Int
        package var valueEnd: Int
        var kind: FieldName
    }

    package enum Kind: Equatable {
        /// `method` and `target` are offset ranges.
        case request(method: Range<Int>, target: Range<Int>)
        /// The status code and the reason phrase's range.
        case response(status: Int, reason: Range<Int>)
    }

    package var kind: Kind
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package var minorVersion: Int
    package var fields: [Field] = []
    /// Bytes of the head including the empty line that ends it.
    package var length = 0

    package var contentLength: Int?
    /// The body is chunked (`Transfer-Encoding` ends in `chunked`).
    package var isChunked = false
    /// A response with a transfer coding other than chunked: delimited by the connection's close.
    package var endsAtClose = false
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    /// Other field names listed in `Connection`, lowercased: hop-by-hop, dropped.
    var connectionOptions: [String] = []
    /// The `Upgrade` field.
    var upgrade: Range<Int>?
    var host: Range<Int>?
    /// The client's `X-Request-Id` when usable (1 to 200 visible ASCII characters).
    var requestID: Range<Int>?
    /// Whether the request method is HEAD (its response has no body).
    var isHEAD = false

    /// Whether the sender keeps the connection open after this message.
    package var keepAlive: Bool {
        minorVersion >= 1 ? !connectionClose : connectionKeepAlive
    }

    /// `Connection: upgrade` with an `Upgrade` field.
    var isUpgrade: Bool { connectionUpgrade && upgrade != nil }

    var status: Int {
        if case .response(let status, _) = kind { return status }
        return 0
    }
}

/// Why a head was refused.
package enum HeadError: Error, Equatable {
    /// The head is larger than the limit (431 for a request).
    case tooLarge
    /// The head breaks HTTP/1.1's syntax or framing rules (400, or 502 from a backend).
    case malformed(String)
    /// A request transfer coding the proxy does not forward (501).
    case unsupportedTransferCoding
}
