/// Whether apps have stopped changing for a second — no change work (`Background`) ran
/// meanwhile: what waits for that (detaching released network namespaces, refilling the
/// ready pool, removing the trees a push left) asks on each of its polls.
public struct ChangePause: Sendable {
    public static let length = Duration.seconds(1)
    private var quietSince: ContinuousClock.Instant?

    /// - Parameter alreadyLasted: the pause counts as long enough from the first poll, if no
    ///   change work runs then (at start, where nothing has changed yet).
    public init(alreadyLasted: Bool = false) {
        quietSince = alreadyLasted ? .now - Self.length : nil
    }

    /// Whether no change work has run for `length` up to `now`.
    public mutating func hasLasted(now: ContinuousClock.Instant = .now) -> Bool {
        quietSince = Background.isChangeWorkRunning ? nil : quietSince ?? now
        return quietSince.map { now - $0 >= Self.length } ?? false
    }
}
