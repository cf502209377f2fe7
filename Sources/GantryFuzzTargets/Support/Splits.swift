/// Where to cut an input into pieces, derived from the input itself: the same input is always
/// cut the same way (so a crash reproduces), and a mutation that changes any byte moves the
/// cuts (so the fuzzer explores them).
enum Splits {
    /// Up to `count` sorted cut points in `1 ..< length`.
    static func points(_ input: [UInt8], count: Int) -> [Int] {
        guard input.count > 1 else { return [] }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in input {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        var points: Set<Int> = []
        for _ in 0..<count {
            hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            points.insert(1 + Int((hash >> 33) % UInt64(input.count - 1)))
        }
        return points.sorted()
    }

    /// `input` cut at up to `count` points derived from it.
    static func pieces(_ input: [UInt8], count: Int) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        for point in points(input, count: count) {
            pieces.append(input[start..<point])
            start = point
        }
        pieces.append(input[start...])
        return pieces
    }
}
