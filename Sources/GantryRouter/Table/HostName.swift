/// Host header values as the route table compares them.
enum HostName {
    /// `Hello.LocalHost.:8000` → `hello.localhost`: lowercased, without the port and the
    /// trailing dot; an IPv6 literal keeps its brackets (`[::1]:80` → `[::1]`).
    static func normalize(_ host: String) -> String {
        let utf8 = host.utf8
        var end = utf8.endIndex
        var needsLowercasing = false
        var index = utf8.startIndex
        let bracketed = utf8.first == UInt8(ascii: "[")
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: ":"), !bracketed {
                end = index
                break
            }
            if byte == UInt8(ascii: "]"), bracketed {
                end = utf8.index(after: index)
                break
            }
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { needsLowercasing = true }
            index = utf8.index(after: index)
        }
        if end > utf8.startIndex, utf8[utf8.index(before: end)] == UInt8(ascii: ".") {
            end = utf8.index(before: end)
        }
        let trimmed = host[host.startIndex..<end]
        return needsLowercasing ? trimmed.lowercased() : String(trimmed)
    }
}
