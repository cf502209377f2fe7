import GantryCore
import Synchronization

/// Counts the requests each release of each app answered (`ReleaseTraffic`: requests, 5xx,
/// latency histogram), from the router's finished requests that name an app and a release:
/// what a canary's analysis compares between the canary and the stable release.
///
/// Memory is bounded: an app keeps the counts of its 4 newest releases (the highest versions;
/// a request of a fifth drops the oldest), and ``forget(app:)`` drops them all. A request costs
/// one lock and one dictionary lookup.
public final class ReleaseTrafficCounter: RouterObserver {
    /// How many releases of an app are counted at most.
    public static let releasesPerApp = 4

    /// App name → its releases' counts, at most ``releasesPerApp`` of them.
    private let counts = Mutex<[String: [Counted]]>([:])

    fileprivate struct Counted {
        let release: Int
        var traffic: ReleaseTraffic
    }

    /// Starts with no counts.
    public init() {}

    /// Counts `record` under its app and release; requests without either are not counted.
    public func requestCompleted(_ record: RequestRecord) {
        guard let app = record.app, let release = record.release else { return }
        counts.withLock { counts in
            counts[app.rawValue, default: []].record(release: release, status: record.status, duration: record.duration)
        }
    }

    /// The counts of each release of `app` since it was first seen (or last forgotten), by release version.
    public func snapshot(of app: AppName) -> [Int: ReleaseTraffic] {
        let releases = counts.withLock { $0[app.rawValue] ?? [] }
        return Dictionary(uniqueKeysWithValues: releases.map { ($0.release, $0.traffic) })
    }

    /// Drops every count of `app` (it was destroyed).
    public func forget(app: AppName) {
        _ = counts.withLock { $0.removeValue(forKey: app.rawValue) }
    }
}

fileprivate extension [ReleaseTrafficCounter.Counted] {
    /// Counts one request of `release`, making room for it when it is new.
    mutating func record(release: Int, status: Int, duration: Duration) {
        if let index = firstIndex(where: { $0.release == release }) {
            self[index].traffic.record(status: status, duration: duration)
            return
        }
        if count >= ReleaseTrafficCounter.releasesPerApp, let oldest = indices.min(by: { self[$0].release < self[$1].release }) {
            remove(at: oldest)
        }
        var traffic = ReleaseTraffic()
        traffic.record(status: status, duration: duration)
        append(ReleaseTrafficCounter.Counted(release: release, traffic: traffic))
    }
}
