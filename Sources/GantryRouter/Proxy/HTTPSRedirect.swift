/// Builds the `Location` of the 308 that sends a plain HTTP request of an app with
/// ``RoutePolicy/forceHTTPS`` to the HTTPS port.
enum HTTPSRedirect {
    /// `https://host[:port]/path?query` for a request with target `target` (origin form,
    /// absolute form or `*`), or `nil` when `host` is not a plain DNS name or IP literal (it
    /// comes from the client: nothing else may reach a header).
    /// - Parameter port: the router's HTTPS port, left out when 443.
    static func location(host: String, target: UnsafeRawBufferPointer, port: Int) -> String? {
        guard isSafeHost(host) else { return nil }
        var location = "https://" + host
        if port != 443 { location += ":\(port)" }
        location += pathAndQuery(of: target)
        return location
    }

    /// The path and query of a request target: itself in origin form, what follows the
    /// authority in absolute form, `/` otherwise. (The head parser allowed visible ASCII only.)
    static func pathAndQuery(of target: UnsafeRawBufferPointer) -> String {
        let slash = UInt8(ascii: "/")
        if target.first == slash { return String(decoding: target, as: UTF8.self) }
        let text = String(decoding: target, as: UTF8.self)
        if let scheme = text.range(of: "://"),
            let pathStart = text[scheme.upperBound...].firstIndex(where: { $0 == "/" || $0 == "?" })
        {
            return text[pathStart] == "/" ? String(text[pathStart...]) : "/" + text[pathStart...]
        }
        return "/"
    }

    /// Letters, digits, `-` and `.` (a DNS name, an IPv4 address), or a bracketed IPv6 literal.
    static func isSafeHost(_ host: String) -> Bool {
        let bytes = host.utf8
        guard !bytes.isEmpty, bytes.count <= 255 else { return false }
        if bytes.first == UInt8(ascii: "[") {
            guard bytes.last == UInt8(ascii: "]"), bytes.count > 2 else { return false }
            return bytes.dropFirst().dropLast().allSatisfy { isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") }
        }
        return bytes.allSatisfy { byte in
            isHexDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
