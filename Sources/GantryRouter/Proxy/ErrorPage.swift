import GantryCore
import NIOCore
import NIOHTTP1

/// The router's own answers, short pages that say what is wrong in the user's words.
enum ErrorPage {
    /// 404: no app answers this host name.
    static func unknownHost(_ host: String) -> (HTTPResponseStatus, String) {
        (.notFound, host.isEmpty ? "no app is deployed here: the request has no Host header" : "no app is deployed at \(host)")
    }

    /// 503: the app exists but runs no web process.
    static func noBackends(_ app: AppName) -> (HTTPResponseStatus, String) {
        (.serviceUnavailable, "\(app) has no running release")
    }

    /// 502: the app's processes refused, reset or did not answer in time.
    static func backendFailed(_ app: AppName) -> (HTTPResponseStatus, String) {
        (.badGateway, "\(app)'s web process failed to answer")
    }

    /// 400: the request could not be parsed.
    static let badRequest: (HTTPResponseStatus, String) = (.badRequest, "the request is not valid HTTP/1.1")

    /// The page's head and body for `status` and `message`.
    static func render(
        _ status: HTTPResponseStatus,
        _ message: String,
        requestID: String?,
        close: Bool,
        allocator: ByteBufferAllocator
    ) -> (HTTPResponseHead, ByteBuffer) {
        let title = "\(status.code) \(status.reasonPhrase)"
        let escaped = escape(message)
        var body = allocator.buffer(capacity: 160 + escaped.utf8.count)
        body.writeString("<!doctype html><html><head><meta charset=\"utf-8\"><title>\(title)</title></head>")
        body.writeString("<body><h1>\(title)</h1><p>\(escaped)</p><p><small>gantry router</small></p></body></html>\n")
        var headers = HTTPHeaders()
        headers.reserveCapacity(5)
        headers.add(name: "content-type", value: "text/html; charset=utf-8")
        headers.add(name: "content-length", value: String(body.readableBytes))
        headers.add(name: "cache-control", value: "no-store")
        if let requestID { headers.add(name: "x-request-id", value: requestID) }
        if close { headers.add(name: "connection", value: "close") }
        return (HTTPResponseHead(version: .http1_1, status: status, headers: headers), body)
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
