import ArgumentParser
import Foundation
import GantryCore
import GantryTerminal
import Testing
@testable import gantry

/// The canary commands check their arguments before any request.
@Suite struct CanaryCommandsTests {
    static func failure<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) -> String? {
        TeamCommandsTests.failure(command, arguments)
    }

    @Test func weightsZeroAndHundredAreRefusedWithTheModelsMessage() throws {
        for weight in ["0", "100", "10.5", "ten"] {
            #expect(Self.failure(DeployCanary.self, ["hello", "--weight", weight]) == CanaryWeight.invalid(weight).description)
            #expect(Self.failure(CanaryWeightCommand.self, ["hello", weight]) == CanaryWeight.invalid(weight).description)
        }
        #expect(try CanaryWeightCommand.parse(["hello", "50%"]).parsedWeight() == 50)
        #expect(try DeployCanary.parse(["hello", "--weight", "1"]).request() == CanaryRequest(weight: 1))
    }

    @Test func aManualCanaryHasNoAnalysis() throws {
        let request = try DeployCanary.parse(["hello", "v7"]).request()
        #expect(request == CanaryRequest(version: 7))
        #expect(request.startingWeight == 10)
        #expect(Self.failure(DeployCanary.self, ["hello", "seven"])?.hasPrefix("invalid release version 'seven'") == true)
        #expect(Self.failure(DeployCanary.self, ["Hello"])?.hasPrefix("invalid app name 'Hello'") == true)
    }

    @Test func anyAnalysisOptionMakesItAutomatic() throws {
        #expect(try DeployCanary.parse(["hello", "--interval", "2m"]).request().analysis == CanaryAnalysis(intervalSeconds: 120))
        #expect(try DeployCanary.parse(["hello", "--max-p99", "2x"]).request().analysis == CanaryAnalysis(maxP99Ratio: 2))
        let full = try DeployCanary.parse([
            "hello", "--steps", "10,50,100", "--interval", "30s", "--max-error-rate", "2%", "--max-p99", "1.2x",
        ]).request()
        #expect(full.analysis == (try CanaryAnalysis(steps: [10, 50, 100], intervalSeconds: 30, maxErrorRate: 0.02, maxP99Ratio: 1.2)))
        #expect(full.startingWeight == 10 && !full.wait)
    }

    @Test func waitImpliesAutomaticAnalysis() throws {
        let request = try DeployCanary.parse(["hello", "--wait"]).request()
        #expect(request.wait)
        #expect(request.analysis == (try CanaryAnalysis()))
        #expect(request.startingWeight == 5)
    }

    @Test func badAnalysisValuesAreRefused() {
        #expect(Self.failure(DeployCanary.self, ["hello", "--interval", "soon"]) == #"the canary interval is a duration like 60s, 2m or 1h, not "soon""#)
        #expect(Self.failure(DeployCanary.self, ["hello", "--interval", "2d"]) != nil)
        #expect(Self.failure(DeployCanary.self, ["hello", "--interval", "0s"]) == "the canary interval must be from 1 s to 1 day")
        #expect(Self.failure(DeployCanary.self, ["hello", "--steps", "50,25"]) == "canary steps must rise: 50,25")
        #expect(Self.failure(DeployCanary.self, ["hello", "--max-error-rate", "lots"]) != nil)
    }

    static func canaryRelease(_ state: CanaryState) -> ReleaseSummary {
        var release = HistoryFixtures.release(8, newest: 8)
        release.status = state == .running ? .pending : .superseded
        release.canary = Canary(
            id: 1, app: release.app, release: 8, stable: 7, weight: 25, analysis: nil, state: state, startedAt: HistoryFixtures.now - 120,
            events: [
                CanaryEvent(at: HistoryFixtures.now - 120, weight: 10, text: "started by alice"),
                CanaryEvent(at: HistoryFixtures.now - 60, weight: 25, text: "weight set by alice"),
            ])
        return release
    }

    @Test func historyRowsShowTheCanaryLabelAndTheDetailItsEvents() {
        let now = HistoryFixtures.now
        for (state, label) in [(CanaryState.running, "canary 25%"), (.aborted, "canary aborted")] {
            let release = Self.canaryRelease(state)
            let columns = ReleaseRow.columns(for: [release], width: 80, now: now)
            #expect(ReleaseRow.line(release, columns: columns, selected: false, now: now).plain.hasSuffix(label))
        }
        let release = Self.canaryRelease(.running)
        let detail = ReleaseDetail(release: release, build: nil, previous: 7, configChanges: ConfigDiff())
        let lines = ReleaseDetailText.lines(release, detail: detail, failure: nil, logLines: 5, now: now).map(\.plain)
        #expect(lines[0] == "v8  Deploy 5d6e7f8  pending  canary 25%")
        #expect(lines.contains("Canary  running at 25% beside v7"))
        #expect(lines.contains("  2023-11-14T22:11:20Z  10%  started by alice"))
        #expect(lines.contains("  2023-11-14T22:12:20Z  25%  weight set by alice"))
    }

    @Test func theWatchedCanarySaysWhetherItStillRefreshes() {
        let size = TerminalSize(columns: 80, rows: 24)
        let running = CanaryStatus(canary: Self.canaryRelease(.running).canary, stableTraffic: ReleaseTraffic(), canaryTraffic: ReleaseTraffic())
        let frame = CanaryWatch.frame(running, app: "hello", problem: nil, size: size)
        #expect(frame.line(0).hasPrefix("=== hello canary v8: running at 25% beside v7"))
        #expect(frame.line(23).hasPrefix("refreshing every second · q quits"))
        let ended = CanaryStatus(canary: Self.canaryRelease(.aborted).canary)
        #expect(CanaryWatch.frame(ended, app: "hello", problem: nil, size: size).line(23).hasPrefix("the canary ended · q quits"))
        #expect(CanaryWatch.frame(running, app: "hello", problem: "gantryd is gone", size: size).line(23)
            .hasPrefix("could not refresh: gantryd is gone · q quits"))
    }
}
