import Foundation
import GantryCore

/// What automatic analysis decides at the end of an interval.
public enum CanaryVerdict: Sendable, Hashable {
    /// Every check passed: the next step's weight.
    case advance(to: Int)
    /// Every check passed at the last step (or the next is 100): the canary becomes live.
    case promote
    /// No request reached the canary: nothing to judge yet; the weight stays.
    case hold
    /// A check failed: the canary goes, with why.
    case abort(String)
}

/// Automatic canary analysis over one interval, as Flagger and Argo Rollouts judge it: the
/// canary's 5xx rate against a bound, its p99 latency against stable's over the same interval.
/// A pure function of the two sides' traffic, so its every branch is unit-tested.
public enum CanaryJudge {
    /// A p99 difference smaller than this never fails the canary: on a quiet host both sides'
    /// p99 are a few milliseconds of scheduling noise, and 1.5× of 1 ms says nothing.
    public static let p99NoiseFloor: Duration = .milliseconds(5)
    /// Fewer requests than this on either side in an interval and p99 is not judged: the p99 of
    /// 20 requests is their slowest one, and one slow request would abort a good canary. The
    /// 5xx rate is judged on any number.
    public static let p99MinimumRequests = 100

    /// The verdict on `canary` (traffic over the interval) at `weight`, compared with `stable`;
    /// `idleIntervals` is how many intervals before this one in a row had no canary request.
    /// - Returns: the verdict and a line saying what was measured, for the canary's events.
    public static func verdict(
        _ analysis: CanaryAnalysis, weight: Int, stable: ReleaseTraffic, canary: ReleaseTraffic, idleIntervals: Int
    ) -> (CanaryVerdict, measured: String) {
        guard canary.requests > 0 else {
            if idleIntervals + 1 >= CanaryAnalysis.idleLimit {
                return (.abort("no request reached the canary in \(CanaryAnalysis.idleLimit) intervals in a row"), "no canary requests")
            }
            return (.hold, "no canary requests in this interval; holding at \(weight)%")
        }
        let errorRate = canary.errorRate ?? 0
        let canaryP99 = canary.latency.quantile(0.99)
        let stableP99 = stable.latency.quantile(0.99)
        var measured = "canary 5xx \(percent(errorRate)) (\(canary.serverErrors)/\(canary.requests)), p99 \(milliseconds(canaryP99))"
        if let stableP99 { measured += " vs stable \(milliseconds(stableP99))" }
        if errorRate > analysis.maxErrorRate {
            return (.abort("5xx rate \(percent(errorRate)) above \(percent(analysis.maxErrorRate))"), measured)
        }
        if canary.requests >= p99MinimumRequests, stable.requests >= p99MinimumRequests,
            let canaryP99, let stableP99, canaryP99 - stableP99 > p99NoiseFloor,
            seconds(canaryP99) > analysis.maxP99Ratio * seconds(stableP99)
        {
            let ratio = seconds(canaryP99) / max(seconds(stableP99), 1e-9)
            return (.abort("p99 \(milliseconds(canaryP99)) is \(String(format: "%.2f", ratio))× stable's \(milliseconds(stableP99)) (bound \(CanaryAnalysis.format(analysis.maxP99Ratio))×)"), measured)
        }
        guard let next = analysis.steps.first(where: { $0 > weight }), next < 100 else { return (.promote, measured) }
        return (.advance(to: next), measured)
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    static func milliseconds(_ duration: Duration?) -> String {
        duration.map { String(format: "%.1f ms", seconds($0) * 1000) } ?? "-"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
