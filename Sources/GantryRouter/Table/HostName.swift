/// Host header values as the route table compares them.
enum HostName {
    /// `Hello.LocalHost.:8000` → `hello.localhost`: lowercased, without the port and the
    /// trailing dot; an IPv6 literal keeps its brackets (`[::1]:80` → `[::1]`).
    static func normalize(_ host: String) -> String {
        var host = host
        return host.withUTF8 { normalize(UnsafeRawBufferPointer($0)) }
    }

    /// The same for the raw bytes of a Host field.
    static func normalize(_ bytes: UnsafeRawBufferPointer) -> String {
        var end = bytes.count
        var needsLowercasing = false
        let bracketed = bytes.first == UInt8(ascii: "[")
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: ":"), !bracketed {
                end = index
                break
            }
            if byte == UInt8(ascii: "]"), bracketed {
                end = index + 1
                break
            }
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { needsLowercasing = true }
        }
        if end > 0, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
        let trimmed = UnsafeRawBufferPointer(rebasing: bytes[0..<end])
        guard needsLowercasing else { return String(decoding: trimmed, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: trimmed.count) { out in
            for index in 0..<trimmed.count {
                let byte = trimmed[index]
                out[index] = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            }
            return trimmed.count
        }
    }
}
