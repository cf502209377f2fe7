/// Deterministic mutations of a corpus, for running the targets without libFuzzer (the fast
/// path of `make test`): bit flips, interesting bytes, truncations, insertions, deletions,
/// duplications, splices of two inputs and random bytes, drawn from a seeded generator so that
/// every run tries the same inputs and a failure reproduces.
public struct Mutator {
    private var state: UInt64
    private let corpus: [[UInt8]]
    /// The longest input made.
    public let maximumLength: Int

    /// Bytes that sit on parsers' decision points: NUL, delimiters, line ends, hex and decimal
    /// digit edges, sign bits, JSON and YAML punctuation.
    private static let interesting: [UInt8] = Array("\0\r\n\t :;,=#-_[]{}\"'\\/0189afAF@!&*|>".utf8) + [0x7f, 0x80, 0xff, 0xc3, 0xe2, 0xf0]

    /// A mutator of `corpus` (an empty one starts from empty input), seeded with `seed`.
    public init(corpus: [[UInt8]], seed: UInt64, maximumLength: Int = 64 << 10) {
        self.corpus = corpus.isEmpty ? [[]] : corpus
        state = seed
        self.maximumLength = maximumLength
    }

    /// The next input: a corpus entry with 1 to 4 mutations, or now and then random bytes.
    public mutating func next() -> [UInt8] {
        if below(32) == 0 { return randomBytes(below(257)) }
        var input = corpus[below(corpus.count)]
        for _ in 0...below(4) { mutate(&input) }
        if input.count > maximumLength { input.removeLast(input.count - maximumLength) }
        return input
    }

    private mutating func mutate(_ input: inout [UInt8]) {
        switch below(10) {
        case 0 where !input.isEmpty:  // flip a bit
            input[below(input.count)] ^= 1 << UInt8(below(8))
        case 1 where !input.isEmpty:  // set an interesting byte
            input[below(input.count)] = Self.interesting[below(Self.interesting.count)]
        case 2 where !input.isEmpty:  // set a random byte
            input[below(input.count)] = UInt8(truncatingIfNeeded: random())
        case 3:  // truncate
            input.removeLast(below(input.count + 1))
        case 4 where !input.isEmpty:  // delete a range
            let start = below(input.count)
            input.removeSubrange(start..<start + below(min(input.count - start, 64) + 1))
        case 5:  // insert interesting or random bytes
            let bytes = below(2) == 0 ? [Self.interesting[below(Self.interesting.count)]] : randomBytes(1 + below(8))
            input.insert(contentsOf: bytes, at: below(input.count + 1))
        case 6 where !input.isEmpty:  // duplicate a range, now and then many times
            let start = below(input.count)
            let range = Array(input[start..<start + 1 + below(min(input.count - start, 32))])
            let copies = below(8) == 0 ? 1 + below(256) : 1
            input.insert(contentsOf: Array(repeating: range, count: copies).joined(), at: below(input.count + 1))
        case 7:  // splice with another input
            let other = corpus[below(corpus.count)]
            let cut = below(input.count + 1), otherCut = below(other.count + 1)
            input = Array(input[..<cut] + other[otherCut...])
        case 8 where !input.isEmpty:  // add or subtract a little at a byte (lengths, digits)
            let index = below(input.count)
            input[index] = input[index] &+ UInt8(truncatingIfNeeded: below(9) - 4)
        default:  // overwrite a range with random bytes
            guard !input.isEmpty else { input = randomBytes(1 + below(16)); return }
            let start = below(input.count)
            for index in start..<min(input.count, start + 1 + below(8)) { input[index] = UInt8(truncatingIfNeeded: random()) }
        }
    }

    private mutating func randomBytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: random()) }
    }

    /// A number in `0 ..< bound` (`bound` ≥ 1).
    private mutating func below(_ bound: Int) -> Int {
        Int(random() % UInt64(bound))
    }

    /// SplitMix64.
    private mutating func random() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
