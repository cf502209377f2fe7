import GantryCore
import Testing

@testable import GantryPipeline

/// Issue 17: automatic canary analysis' verdict over one interval, every branch.
@Suite struct CanaryJudgeTests {
    let analysis = try! CanaryAnalysis(steps: [5, 25, 50, 100], intervalSeconds: 60, maxErrorRate: 0.01, maxP99Ratio: 1.5)

    /// `requests` requests of `latency`, the first `errors` of them 503s.
    static func traffic(_ requests: Int, errors: Int = 0, latency: Duration = .milliseconds(20)) -> ReleaseTraffic {
        var traffic = ReleaseTraffic()
        for index in 0..<requests { traffic.record(status: index < errors ? 503 : 200, duration: latency) }
        return traffic
    }

    @Test func aPassingIntervalAdvancesToTheNextStep() {
        let (verdict, measured) = CanaryJudge.verdict(analysis, weight: 5, stable: Self.traffic(1000), canary: Self.traffic(50), idleIntervals: 0)
        #expect(verdict == .advance(to: 25))
        #expect(measured.hasPrefix("canary 5xx 0.0% (0/50), p99 "), "\(measured)")
        #expect(measured.contains(" vs stable "))
        #expect(CanaryJudge.verdict(analysis, weight: 25, stable: Self.traffic(1000), canary: Self.traffic(50), idleIntervals: 0).0 == .advance(to: 50))
    }

    @Test func aWeightSetBetweenStepsAdvancesToTheNextHigherStep() {
        #expect(CanaryJudge.verdict(analysis, weight: 10, stable: Self.traffic(100), canary: Self.traffic(10), idleIntervals: 0).0 == .advance(to: 25))
    }

    @Test func aPassAtTheStepBeforeOneHundredPromotes() {
        #expect(CanaryJudge.verdict(analysis, weight: 50, stable: Self.traffic(100), canary: Self.traffic(100), idleIntervals: 0).0 == .promote)
    }

    @Test func aPassAtTheLastStepPromotes() throws {
        let steps = try CanaryAnalysis(steps: [10, 40])
        #expect(CanaryJudge.verdict(steps, weight: 40, stable: Self.traffic(100), canary: Self.traffic(100), idleIntervals: 0).0 == .promote)
        #expect(CanaryJudge.verdict(steps, weight: 10, stable: Self.traffic(100), canary: Self.traffic(100), idleIntervals: 0).0 == .advance(to: 40))
    }

    @Test func aFiveXXRateAboveTheBoundAbortsNamingIt() {
        let (verdict, measured) = CanaryJudge.verdict(analysis, weight: 25, stable: Self.traffic(1000), canary: Self.traffic(100, errors: 5), idleIntervals: 0)
        #expect(verdict == .abort("5xx rate 5.0% above 1.0%"))
        #expect(measured.hasPrefix("canary 5xx 5.0% (5/100)"), "\(measured)")
    }

    @Test func aFiveXXRateAtTheBoundPasses() {
        #expect(CanaryJudge.verdict(analysis, weight: 5, stable: Self.traffic(100), canary: Self.traffic(100, errors: 1), idleIntervals: 0).0 == .advance(to: 25))
    }

    @Test func aP99AboveTheRatioTimesStablesAborts() throws {
        let (verdict, _) = CanaryJudge.verdict(
            analysis, weight: 25, stable: Self.traffic(1000, latency: .milliseconds(20)), canary: Self.traffic(100, latency: .milliseconds(100)), idleIntervals: 0)
        guard case .abort(let reason) = verdict else {
            Issue.record("\(verdict) is no abort")
            return
        }
        #expect(reason.hasPrefix("p99 "), "\(reason)")
        #expect(reason.contains("× stable's"), "\(reason)")
        #expect(reason.hasSuffix("(bound 1.5×)"), "\(reason)")
    }

    @Test func aP99WithinTheRatioPasses() {
        let verdict = CanaryJudge.verdict(
            analysis, weight: 25, stable: Self.traffic(1000, latency: .milliseconds(20)), canary: Self.traffic(100, latency: .milliseconds(25)), idleIntervals: 0).0
        #expect(verdict == .advance(to: 50))
    }

    @Test func aP99AboveTheRatioButWithinTheNoiseFloorPasses() {
        // 4 ms against 1 ms is 4×, but 3 ms of difference is scheduling noise.
        let verdict = CanaryJudge.verdict(
            analysis, weight: 5, stable: Self.traffic(1000, latency: .milliseconds(1)), canary: Self.traffic(100, latency: .milliseconds(4)), idleIntervals: 0).0
        #expect(verdict == .advance(to: 25))
    }

    @Test func aP99OfTooFewRequestsIsNotJudged() {
        let slow = Self.traffic(CanaryJudge.p99MinimumRequests - 1, latency: .milliseconds(100))
        #expect(CanaryJudge.verdict(analysis, weight: 5, stable: Self.traffic(1000), canary: slow, idleIntervals: 0).0 == .advance(to: 25))
        let fewStable = Self.traffic(CanaryJudge.p99MinimumRequests - 1)
        #expect(CanaryJudge.verdict(analysis, weight: 5, stable: fewStable, canary: Self.traffic(100, latency: .milliseconds(100)), idleIntervals: 0).0 == .advance(to: 25))
    }

    @Test func noCanaryRequestHoldsTheWeight() {
        let (verdict, measured) = CanaryJudge.verdict(analysis, weight: 25, stable: Self.traffic(100), canary: ReleaseTraffic(), idleIntervals: 0)
        #expect(verdict == .hold)
        #expect(measured == "no canary requests in this interval; holding at 25%")
    }

    @Test func theIdleLimitthIntervalWithoutRequestsAborts() {
        for idle in 0..<(CanaryAnalysis.idleLimit - 1) {
            #expect(CanaryJudge.verdict(analysis, weight: 5, stable: Self.traffic(100), canary: ReleaseTraffic(), idleIntervals: idle).0 == .hold, "idle \(idle)")
        }
        let (verdict, _) = CanaryJudge.verdict(analysis, weight: 5, stable: Self.traffic(100), canary: ReleaseTraffic(), idleIntervals: CanaryAnalysis.idleLimit - 1)
        #expect(verdict == .abort("no request reached the canary in \(CanaryAnalysis.idleLimit) intervals in a row"))
    }

    @Test func aStableWithoutRequestsDoesNotBlockAndTheP99CheckIsSkipped() {
        let (verdict, measured) = CanaryJudge.verdict(
            analysis, weight: 5, stable: ReleaseTraffic(), canary: Self.traffic(100, latency: .seconds(2)), idleIntervals: 0)
        #expect(verdict == .advance(to: 25))
        #expect(!measured.contains("vs stable"), "\(measured)")
    }

    @Test func theErrorRateIsJudgedEvenWithoutStableTraffic() {
        #expect(CanaryJudge.verdict(analysis, weight: 5, stable: ReleaseTraffic(), canary: Self.traffic(10, errors: 10), idleIntervals: 0).0 == .abort("5xx rate 100.0% above 1.0%"))
    }
}
