/// One parser of untrusted bytes, as a fuzz target: a function that feeds it an input and
/// checks that nothing goes wrong — no crash, no hang, no unbounded allocation — and, where the
/// parser promises one, an invariant (a successful parse round-trips, bytes fed in pieces parse
/// as they do whole). The parser's result is otherwise ignored: a refusal is a fine outcome.
///
/// `gantry-fuzz` runs a target under libFuzzer (`make fuzz`); `GantryFuzzTests` runs each one
/// over its seed corpus and 20,000 deterministic mutations without the sanitizer (`make test`).
public struct FuzzTarget: Sendable {
    /// The name on the command line and of its corpus directory, `fuzz/corpus/NAME`.
    public let name: String
    /// What the input is, in one line.
    public let summary: String
    /// Feeds one input to the parser.
    /// - Throws: `FuzzFailure` when an invariant does not hold.
    public let run: @Sendable ([UInt8]) throws(FuzzFailure) -> Void

    public init(_ name: String, _ summary: String, _ run: @escaping @Sendable ([UInt8]) throws(FuzzFailure) -> Void) {
        self.name = name
        self.summary = summary
        self.run = run
    }
}

/// An invariant a target checks that did not hold: a bug in the parser, as a crash would be.
public struct FuzzFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let target: String
    public let message: String

    public init(_ target: String, _ message: String) {
        self.target = target
        self.message = message
    }

    public var description: String { "\(target): invariant broken: \(message)" }

    /// Throws a failure of `target` saying `message` unless `condition` holds.
    /// - Throws: `FuzzFailure`.
    static func check(_ condition: Bool, _ target: String, _ message: @autoclosure () -> String) throws(FuzzFailure) {
        if !condition { throw FuzzFailure(target, message()) }
    }
}

/// Every fuzz target, by name.
public enum FuzzTargets {
    /// All targets, in the order `make fuzz` runs them.
    public static let all: [FuzzTarget] = [
        GitTargets.pktLine, GitTargets.receivePack, GitTargets.packStream, GitTargets.packIndex, GitTargets.packDelta, RequestTargets.gzipRequest,
        ManifestTargets.procfile, ManifestTargets.appJSON, ManifestTargets.releaseYAML,
        WebhookTargets.gitea, WebhookTargets.github, WebhookTargets.gitlab,
        RouterTargets.httpHead, RouterTargets.httpBody,
        ConfigTargets.configVars,
    ]

    /// The target called `name`, or `nil`.
    public static func named(_ name: String) -> FuzzTarget? {
        all.first { $0.name == name }
    }
}
