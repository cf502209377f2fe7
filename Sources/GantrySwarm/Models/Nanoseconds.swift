/// The Engine API writes durations as integer nanoseconds (`"Interval": 1000000000`).
extension Duration {
    /// This duration in whole nanoseconds, as the Engine API writes it.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension KeyedDecodingContainer {
    func decodeNanoseconds(forKey key: Key) throws -> Duration? {
        try decodeIfPresent(Int64.self, forKey: key).map { .nanoseconds($0) }
    }
}

extension KeyedEncodingContainer {
    mutating func encodeNanoseconds(_ duration: Duration?, forKey key: Key) throws {
        try encodeIfPresent(duration?.nanoseconds, forKey: key)
    }
}
