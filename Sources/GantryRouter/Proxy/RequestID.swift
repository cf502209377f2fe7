import NIOCore

/// A generated `X-Request-Id`: 128 random bits, written as 32 hex digits.
package struct RequestID: Hashable {
    var high: UInt64
    var low: UInt64

    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Writes the 32 hex digits.
    func write(into buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 32) { bytes in
            Self.writeHex(high, into: bytes, at: 0)
            Self.writeHex(low, into: bytes, at: 16)
            return 32
        }
    }

    /// The 32 hex digits as a string.
    var string: String {
        var buffer = ByteBuffer()
        write(into: &buffer)
        return String(buffer: buffer)
    }

    private static func writeHex(_ value: UInt64, into bytes: UnsafeMutableRawBufferPointer, at offset: Int) {
        let digits: StaticString = "0123456789abcdef"
        for index in 0..<16 {
            bytes[offset + index] = digits.utf8Start[Int((value >> UInt64(60 - index * 4)) & 0xF)]
        }
    }
}

/// Makes request ids from a per-thread generator (wyrand) seeded once from the system generator,
/// so there is no system call per request.
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    mutating func next() -> RequestID {
        RequestID(high: nextWord(), low: nextWord())
    }

    private mutating func nextWord() -> UInt64 {
        state &+= 0xA076_1D64_78BD_642F
        let product = state.multipliedFullWidth(by: state ^ 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }
}
