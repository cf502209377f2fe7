/// How much a fetch from a webhook's clone URL may take: bytes received and time.
public struct FetchLimits: Sendable {
    /// The most bytes of pack data received (gantryd: `--max-push-bytes`).
    public var maxBytes: Int
    /// How long the fetch may take, checked whenever data arrives.
    public var timeout: Duration

    /// The default time for a fetch: 10 minutes, as `git upload-pack --timeout=600`.
    public static let defaultTimeout = Duration.seconds(600)

    public init(maxBytes: Int, timeout: Duration = defaultTimeout) {
        self.maxBytes = maxBytes
        self.timeout = timeout
    }
}

/// What a fetch ran into while it was under way; read by the callbacks libgit2 calls as data
/// arrives, which stop the fetch. The pack is scanned as it arrives, as a push's is
/// (`PackLimits` for a push of `maxBytes`).
final class FetchGuard {
    let limits: FetchLimits
    let deadline: ContinuousClock.Instant
    private let scanner: PackStreamScanner
    /// Why the fetch was stopped, once it was.
    var stopped: String?

    init(limits: FetchLimits) throws(ReceiveError) {
        self.limits = limits
        deadline = .now + limits.timeout
        scanner = try PackStreamScanner(limits: PackLimits(maxPushBytes: limits.maxBytes))
    }

    /// Whether the pack may go on after `bytes`, its next ones.
    func mayContinue(after bytes: UnsafeRawBufferPointer) -> Bool {
        do throws(ReceiveError) {
            try scanner.feed(bytes)
        } catch {
            stopped = error.description
        }
        return stopped == nil
    }

    /// Why a fetch that ran past its time was stopped.
    static func timedOut(_ limits: FetchLimits) -> String {
        "the fetch took longer than \(limits.timeout.components.seconds) s, the limit"
    }

    /// Whether a fetch that has received `bytes` may go on.
    func mayContinue(receivedBytes bytes: Int) -> Bool {
        if bytes > limits.maxBytes {
            stopped = "the fetch received more than \(ReceivePack.formatBytes(limits.maxBytes)), the limit (gantryd --max-push-bytes)"
        } else if ContinuousClock.now > deadline {
            stopped = Self.timedOut(limits)
        }
        return stopped == nil
    }
}
