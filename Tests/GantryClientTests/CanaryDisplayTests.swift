import Foundation
import GantryCore
import Testing
@testable import GantryClient

@Suite("Canary display")
struct CanaryDisplayTests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)

    static func traffic(errors: Int, _ latencies: [(milliseconds: Int, count: Int)]) -> ReleaseTraffic {
        var traffic = ReleaseTraffic()
        for (milliseconds, count) in latencies {
            for _ in 0..<count { traffic.record(status: 200, duration: .milliseconds(milliseconds)) }
        }
        traffic.serverErrors = errors
        return traffic
    }

    static func canary(
        state: CanaryState = .running, weight: Int = 10, analysis: CanaryAnalysis? = nil, reason: String? = nil, events: [CanaryEvent] = []
    ) -> Canary {
        Canary(
            id: 1, app: try! AppName("hello"), release: 8, stable: 7, weight: weight, analysis: analysis, state: state, reason: reason,
            startedAt: now - 600, finishedAt: state == .running ? nil : now - 60, events: events)
    }

    static let events = (0..<6).map { index in
        CanaryEvent(at: now - 600 + Double(index) * 60, weight: [5, 5, 25, 50, 50, 50][index], text: "event \(index)")
    }

    @Test func rendersBothSidesWithQuantilesFromTheirHistograms() throws {
        let stable = Self.traffic(errors: 1, [(10, 98), (200, 2)])
        let canaryTraffic = Self.traffic(errors: 1, [(2, 5), (20, 4), (1000, 1)])
        let analysis = try CanaryAnalysis.parse(steps: "5,25,50,100", interval: "60s", maxErrorRate: "1%", maxP99: "1.5x")
        let status = CanaryStatus(
            canary: Self.canary(weight: 50, analysis: analysis, events: Self.events), stableTraffic: stable, canaryTraffic: canaryTraffic,
            nextVerdictIn: 41.2)
        #expect(CanaryDisplay.lines(status, app: "hello").joined(separator: "\n") == """
            === hello canary v8: running at 50% beside v7; next verdict in 42 s
            Analysis: steps 5,25,50,100 every 60 s, 5xx ≤ 1%, p99 ≤ 1.5× stable

                        stable  canary
            Release     v7      v8
            Weight      50%     50%
            Requests    100     10
            5xx         1       1
            Error rate  1.00%   10.00%
            p50         10 ms   2.0 ms
            p95         10 ms   1025 ms
            p99         204 ms  1025 ms

            Events (last 5 of 6)
            2023-11-14T22:04:20Z  5%   event 1
            2023-11-14T22:05:20Z  25%  event 2
            2023-11-14T22:06:20Z  50%  event 3
            2023-11-14T22:07:20Z  50%  event 4
            2023-11-14T22:08:20Z  50%  event 5
            """)
    }

    @Test func aSideWithoutRequestsOrTrafficShowsDashes() {
        let status = CanaryStatus(canary: Self.canary(), stableTraffic: Self.traffic(errors: 0, [(10, 3)]), canaryTraffic: ReleaseTraffic())
        let lines = CanaryDisplay.lines(status, app: "hello")
        #expect(lines[0] == "=== hello canary v8: running at 10% beside v7")
        #expect(lines[1] == "Analysis: none (the weight moves by hand: gantry canary:weight hello WEIGHT)")
        #expect(lines.contains("Requests    3       0"))
        #expect(lines.contains("Error rate  0.00%   -"))
        #expect(lines.contains("p99         10 ms   -"))

        let ended = CanaryDisplay.lines(CanaryStatus(canary: Self.canary(state: .aborted, reason: "error rate 20.0% above 1.0%")), app: "hello")
        #expect(ended[0] == "=== hello canary v8: aborted (error rate 20.0% above 1.0%)")
        #expect(ended.contains("Requests    -       -"))
        #expect(ended.contains("p50         -       -"))
    }

    @Test func anAppThatNeverHadACanarySaysHowToStartOne() {
        #expect(CanaryDisplay.lines(CanaryStatus(canary: nil), app: "hello") == [
            "hello has no canary; start one with git push -o canary=10 or gantry deploy:canary hello",
        ])
    }

    @Test func oneLineAnswersNameBothReleases() {
        #expect(CanaryDisplay.started(Self.canary()) == "Canary v8 of hello at 10% beside v7")
        #expect(CanaryDisplay.weightChanged(Self.canary(weight: 50)) == "hello: canary v8 now at 50%")
        #expect(CanaryDisplay.verdict(Self.canary(state: .promoted, reason: "analysis passed 4 steps"))
            == "hello: v8 is live (promoted from canary: analysis passed 4 steps)")
        #expect(CanaryDisplay.verdict(Self.canary(state: .aborted, reason: "p99 3.1× stable's\nmore"))
            == "hello: canary v8 aborted (p99 3.1× stable's); v7 serves everything")
    }

    @Test func releaseListingShowsTheCanaryLabelInTheStatusColumn() {
        let release = { (version: Int, status: ReleaseStatus, canary: Canary?) in
            var release = ReleaseDisplayTests.release(version, "Deploy 5d6e7f8", minutesAgo: 3, status: status)
            release.canary = canary
            return release
        }
        let releases = [
            release(10, .pending, Self.canary()),
            release(9, .failed, Self.canary(state: .aborted, reason: "aborted by alice")),
            release(8, .live, Self.canary(state: .promoted)),
            release(7, .superseded, Self.canary(state: .promoted)),
        ]
        #expect(ReleaseDisplay.table(app: "hello", releases: releases, relativeTo: Self.now) == """
            === hello Releases - Current: v8
            v10  Deploy 5d6e7f8  alice  3 minutes ago  canary 10%
            v9   Deploy 5d6e7f8  alice  3 minutes ago  canary aborted
            v8   Deploy 5d6e7f8  alice  3 minutes ago  live (canary)
            v7   Deploy 5d6e7f8  alice  3 minutes ago  canary promoted
            """)
    }

    @Test func releaseInfoHasACanarySectionWithItsEvents() throws {
        var release = ReleaseDisplayTests.release(8, "Deploy 5d6e7f8", minutesAgo: 3, status: .superseded)
        let analysis = try CanaryAnalysis.parse(steps: "5,25,50,100", interval: nil, maxErrorRate: nil, maxP99: nil)
        release.canary = Self.canary(state: .aborted, analysis: analysis, reason: "error rate 20.0% above 1.0%", events: Array(Self.events.prefix(2)))
        let info = ReleaseDisplay.info(ReleaseDetail(release: release, build: nil, previous: nil, configChanges: ConfigDiff()), relativeTo: Self.now)
        #expect(info.contains("""

            === Canary
            State:        aborted
            Start weight: 5%
            Beside:       v7
            Started:      2023-11-14T22:03:20Z (10 minutes ago)
            Finished:     2023-11-14T22:12:20Z (1 minute ago)
            Reason:       error rate 20.0% above 1.0%
            Analysis:     steps 5,25,50,100 every 60 s, 5xx ≤ 1%, p99 ≤ 1.5× stable
            Events:
              2023-11-14T22:03:20Z  5%  event 0
              2023-11-14T22:04:20Z  5%  event 1
            """))
    }
}
