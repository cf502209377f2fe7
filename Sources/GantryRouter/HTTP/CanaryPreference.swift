import GantryCore

/// What a request says about the side of its app's canary split: a side forced with
/// `X-Gantry-Canary: always|never`, the release its sticky cookie (`gantry-canary=APP:vN`, see
/// `CanaryCookie`) names, or nothing. Read only for an app that has a canary.
enum CanaryPreference: Equatable {
    /// Neither field says anything usable: the split's weighted choice decides.
    case none
    /// `X-Gantry-Canary: always`.
    case forcedCanary
    /// `X-Gantry-Canary: never`.
    case forcedStable
    /// A `gantry-canary` cookie for this app names release `release`.
    case cookie(release: Int)

    /// Reads the request's `X-Gantry-Canary` and `Cookie` fields (every one of them; the field
    /// wins over the cookie). `bytes` are the head's bytes, as `head`'s offsets count them.
    init(_ head: HTTPHead, bytes: UnsafeRawBufferPointer, app: AppName) {
        var cookieRelease: Int?
        for field in head.fields {
            switch field.kind {
            case .canaryForce:
                let value = Self.trimmed(UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd]))
                if HTTPHeadParser.equalsLowercase(value, "always") {
                    self = .forcedCanary
                    return
                }
                if HTTPHeadParser.equalsLowercase(value, "never") {
                    self = .forcedStable
                    return
                }
            case .cookie where cookieRelease == nil:
                cookieRelease = Self.release(inCookie: UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd]), app: app)
            default:
                continue
            }
        }
        self = cookieRelease.map { .cookie(release: $0) } ?? .none
    }

    /// The release N of the first `gantry-canary=APP:vN` pair for `app` in a `Cookie` field's value
    /// (`a=1; gantry-canary=hello:v8`; `;`-separated pairs, whitespace around them and around
    /// `=` ignored, the value possibly in double quotes); `nil` when there is none.
    static func release(inCookie value: UnsafeRawBufferPointer, app: AppName) -> Int? {
        var start = 0
        while start < value.count {
            var end = start
            while end < value.count, value[end] != UInt8(ascii: ";") { end += 1 }
            if let release = release(inPair: UnsafeRawBufferPointer(rebasing: value[start..<end]), app: app) { return release }
            start = end + 1
        }
        return nil
    }

    /// `gantry-canary=hello:v8` → 8 for app `hello`; `nil` for any other pair.
    private static func release(inPair pair: UnsafeRawBufferPointer, app: AppName) -> Int? {
        guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let name = trimmed(UnsafeRawBufferPointer(rebasing: pair[..<equals]))
        guard name.elementsEqual(CanaryCookie.name.utf8) else { return nil }
        var text = trimmed(UnsafeRawBufferPointer(rebasing: pair[(equals + 1)...]))
        if text.count >= 2, text.first == UInt8(ascii: "\""), text.last == UInt8(ascii: "\"") {
            text = UnsafeRawBufferPointer(rebasing: text[1..<(text.count - 1)])
        }
        let appBytes = app.rawValue.utf8
        let prefix = appBytes.count + 2  // "APP:v"
        guard text.count > prefix, text.count <= prefix + 9, text.prefix(appBytes.count).elementsEqual(appBytes),
            text[appBytes.count] == UInt8(ascii: ":"), text[appBytes.count + 1] == UInt8(ascii: "v")
        else { return nil }
        var release = 0
        for byte in text[prefix...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            release = release * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return release
    }

    /// `bytes` without the spaces and tabs around them.
    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var low = 0
        var high = bytes.count
        while low < high, bytes[low] == .space || bytes[low] == .tab { low += 1 }
        while high > low, bytes[high - 1] == .space || bytes[high - 1] == .tab { high -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[low..<high])
    }
}
