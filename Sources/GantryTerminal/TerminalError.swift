/// Why the terminal could not be taken over for a full-screen view.
public struct TerminalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C call that failed (`tcgetattr`, `pipe`, …).
    public let call: String
    /// Its `errno`.
    public let errno: Int32

    /// An error for `call`, which set `errno`.
    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "cannot use the terminal (\(call) failed with errno \(errno)): run in an interactive terminal, or pipe the output for a plain listing"
    }
}
