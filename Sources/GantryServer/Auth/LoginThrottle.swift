import Foundation
import Synchronization

/// Failed logins per source address: after `limit` failures within `window`, the address is
/// refused (429 with `Retry-After` over HTTP; every key refused over SSH) until the oldest of
/// them is older than the window. Shared by the API, smart-HTTP git and SSH.
final class LoginThrottle: Sendable {
    let limit: Int
    let window: Double
    private let failures = Mutex<[String: [Double]]>([:])
    /// Until when each refused address has had its refusal written to the audit log.
    private let reported = Mutex<[String: Double]>([:])
    private let clock: @Sendable () -> Double

    init(limit: Int = 10, window: Double = 60, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.limit = limit
        self.window = window
        self.clock = clock
    }

    /// Seconds until `peer` may try again, or `nil` when it may now.
    func retryAfter(_ peer: String) -> Int? {
        let now = clock()
        return failures.withLock { table in
            let recent = (table[peer] ?? []).filter { $0 > now - window }
            table[peer] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((oldest + window - now).rounded(.up)))
        }
    }

    /// Whether a refusal of `peer` (over its limit) is the first one since it went over, the
    /// one the audit log records: a flood of refused requests is one row, not one each.
    func isFirstRefusal(_ peer: String) -> Bool {
        guard let seconds = retryAfter(peer) else { return false }
        let now = clock()
        return reported.withLock { table in
            if let until = table[peer], until > now { return false }
            if table.count > 100_000 { table = table.filter { $0.value > now } }
            table[peer] = now + Double(seconds)
            return true
        }
    }

    /// Counts one failed login from `peer`.
    func failed(_ peer: String) {
        let now = clock()
        failures.withLock { table in
            var recent = (table[peer] ?? []).filter { $0 > now - window }
            recent.append(now)
            // Only the newest `limit` matter; an address cannot grow the table without bound.
            table[peer] = Array(recent.suffix(limit))
            if table.count > 100_000 { table = table.filter { $0.value.last! > now - window } }
        }
    }
}
