/// Makes `X-Request-Id` values: 32 random hex digits from a per-thread generator (wyrand),
/// seeded once from the system generator, so no system call per request.
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    /// The next id, e.g. `5f0c1e6a9b2d4c7e8f10a2b3c4d5e6f7`.
    mutating func next() -> String {
        let high = nextWord()
        let low = nextWord()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            Self.writeHex(high, into: buffer, at: 0)
            Self.writeHex(low, into: buffer, at: 16)
            return 32
        }
    }

    private mutating func nextWord() -> UInt64 {
        state &+= 0xA076_1D64_78BD_642F
        let product = state.multipliedFullWidth(by: state ^ 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }

    private static func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        for index in 0..<16 {
            let nibble = Int((value >> UInt64(60 - index * 4)) & 0xF)
            buffer[offset + index] = digits.utf8Start[nibble]
        }
    }
}
