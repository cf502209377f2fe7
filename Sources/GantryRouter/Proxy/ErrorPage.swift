import GantryCore
import NIOCore

/// The router's own answers: short pages that say what is wrong in the user's words, and
/// the few answers that are not errors (ACME challenges, HTTPS redirects).
struct ErrorPage {
    var status: Int
    var reason: String
    var message: String
    /// A `text/plain` body sent as it is instead of the HTML page (an ACME key authorization).
    var plainBody: String?
    /// The `Location` of a redirect (built by the router from checked parts only).
    var location: String?
    /// `Retry-After`, in seconds.
    var retryAfter: Int?

    /// 200: the key authorization of an ACME HTTP-01 challenge.
    static func challengeAnswer(_ keyAuthorization: String) -> ErrorPage {
        ErrorPage(status: 200, reason: "OK", message: "", plainBody: keyAuthorization)
    }

    /// 404: no ACME challenge is published for this token (or it is not a token).
    static let unknownChallenge = ErrorPage(status: 404, reason: "Not Found", message: "no ACME challenge is pending for this token")

    /// 405: ACME challenges are read with GET (or HEAD).
    static let challengeMethod = ErrorPage(status: 405, reason: "Method Not Allowed", message: "ACME challenges are read with GET")

    /// 308: the app is served over HTTPS only.
    static func redirect(to location: String, app: AppName) -> ErrorPage {
        ErrorPage(status: 308, reason: "Permanent Redirect", message: "\(app) is served over HTTPS", location: location)
    }

    /// 404: no app answers this host name.
    static func unknownHost(_ host: String) -> ErrorPage {
        ErrorPage(status: 404, reason: "Not Found", message: host.isEmpty
            ? "no app is deployed here: the request has no Host header" : "no app is deployed at \(host)")
    }

    /// 503: the app exists but runs no web process.
    static func noBackends(_ app: AppName) -> ErrorPage {
        ErrorPage(status: 503, reason: "Service Unavailable", message: "\(app) has no running release")
    }

    /// 503: the app is in maintenance (`gantry maintenance:on`); clients may come back in a minute.
    static func maintenance(_ app: AppName, message: String?) -> ErrorPage {
        ErrorPage(
            status: 503, reason: "Service Unavailable", message: message ?? "\(app) is down for maintenance; please try again shortly",
            retryAfter: 60)
    }

    /// 502: the app's processes refused, reset, answered nonsense or did not answer in time.
    static func backendFailed(_ app: AppName) -> ErrorPage {
        ErrorPage(status: 502, reason: "Bad Gateway", message: "\(app)'s web process failed to answer")
    }

    /// 400, 431, 501: the request itself is at fault.
    static func badRequest(_ error: HeadError) -> ErrorPage {
        switch error {
        case .tooLarge:
            return ErrorPage(status: 431, reason: "Request Header Fields Too Large", message: "the request head is larger than 64 KiB")
        case .malformed(let problem):
            return ErrorPage(status: 400, reason: "Bad Request", message: "the request is not valid HTTP/1.1: \(problem)")
        case .unsupportedTransferCoding:
            return ErrorPage(status: 501, reason: "Not Implemented", message: "the only request transfer coding accepted is chunked")
        }
    }

    /// The whole response; without a body for a HEAD request.
    func render(requestID: String?, close: Bool, headRequest: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let title = "\(status) \(reason)"
        let body = plainBody ?? "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head>"
            + "<body><h1>\(title)</h1><p>\(Self.escape(message))</p><p><small>gantry router</small></p></body></html>\n"
        var out = allocator.buffer(capacity: 256 + body.utf8.count)
        out.writeString("HTTP/1.1 \(title)\r\ncontent-type: \(plainBody == nil ? "text/html; charset=utf-8" : "text/plain")\r\n")
        if let location { out.writeString("location: \(location)\r\n") }
        if let retryAfter { out.writeString("retry-after: \(retryAfter)\r\n") }
        out.writeString("content-length: \(body.utf8.count)\r\ncache-control: no-store\r\n")
        if let requestID { out.writeString("x-request-id: \(requestID)\r\n") }
        if close { out.writeStaticString("connection: close\r\n") }
        out.writeStaticString("\r\n")
        if !headRequest { out.writeString(body) }
        return out
    }

    /// HTML-escapes `text` (host names come from the client).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
