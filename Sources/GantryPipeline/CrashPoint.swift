import Foundation

/// Places in the end of a push where the crash tests make gantryd die as `kill -9` would:
/// gantryd started with `GANTRY_CRASH_AT=NAME` sends itself SIGKILL on reaching NAME. Unset (as
/// in production), `reached` is one comparison. Each point is a row of the README's table
/// "killed during X → after restart Y".
public enum CrashPoint: String, Sendable, CaseIterable {
    /// The app is compiled; its tests have not run.
    case compiled
    /// The pushed objects are in the repository; no release is recorded.
    case objectsStored = "objects-stored"
    /// Release vN is recorded `pending`; nothing of it runs.
    case releaseRecorded = "release-recorded"
    /// vN's processes serve (the router switched); vN is still `pending`.
    case deployed
    /// vN is `live`; the ref has not moved.
    case releaseLive = "release-live"
    /// The ref moved; old images are not collected yet.
    case refMoved = "ref-moved"

    private static let armed = ProcessInfo.processInfo.environment["GANTRY_CRASH_AT"].flatMap(CrashPoint.init(rawValue:))

    /// Dies here if this is the armed point.
    static func reached(_ point: CrashPoint) {
        guard armed == point else { return }
        kill(getpid(), SIGKILL)
    }
}
