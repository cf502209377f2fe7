import Foundation
import Testing

@testable import GantryCore

/// Issue 17: the words people write for a canary (weights, analysis, push options) and the
/// traffic counts the router keeps for each side.
@Suite struct CanaryModelTests {
    // MARK: - CanaryWeight

    @Test(arguments: [("1", 1), ("99", 99), ("10%", 10), ("50", 50)])
    func aWholePercentageFromOneTo99IsAWeight(text: String, weight: Int) {
        #expect(CanaryWeight.parse(text) == weight)
    }

    @Test(arguments: ["0", "100", "-1", "abc", "1.5", "", "%", "10%%", "0010", " 10"])
    func anythingElseIsNoWeight(text: String) {
        #expect(CanaryWeight.parse(text) == nil)
    }

    @Test func theInvalidWeightErrorQuotesWhatWasGiven() {
        #expect(CanaryWeight.invalid("abc").description == "the canary weight must be a whole percentage from 1 to 99, not \"abc\"")
    }

    // MARK: - CanaryAnalysis

    @Test func noTextTakesTheDefaults() throws {
        let analysis = try CanaryAnalysis.parse(steps: nil, interval: nil, maxErrorRate: nil, maxP99: nil)
        #expect(analysis.steps == [5, 25, 50, 100])
        #expect(analysis.intervalSeconds == 60)
        #expect(analysis.maxErrorRate == 0.01)
        #expect(analysis.maxP99Ratio == 1.5)
        #expect(analysis == (try CanaryAnalysis()))
    }

    @Test func stepsAreWeightsSeparatedByCommas() throws {
        #expect(try CanaryAnalysis.parse(steps: "5,25,50,100", interval: nil, maxErrorRate: nil, maxP99: nil).steps == [5, 25, 50, 100])
        #expect(try CanaryAnalysis.parse(steps: "10%, 30%", interval: nil, maxErrorRate: nil, maxP99: nil).steps == [10, 30])
        #expect(try CanaryAnalysis.parse(steps: "20", interval: nil, maxErrorRate: nil, maxP99: nil).steps == [20])
    }

    @Test(arguments: [("60s", 60.0), ("2m", 120.0), ("1h", 3600.0), ("90", 90.0), ("1500ms", 1.5), ("1.5s", 1.5)])
    func anIntervalIsADurationInSecondsMinutesHoursOrMilliseconds(text: String, seconds: Double) throws {
        #expect(try CanaryAnalysis.parse(steps: nil, interval: text, maxErrorRate: nil, maxP99: nil).intervalSeconds == seconds)
    }

    @Test func durationsParseInEachUnitIncludingMilliseconds() {
        #expect(CanaryAnalysis.parseSeconds("500ms") == 0.5)
        #expect(CanaryAnalysis.parseSeconds("60s") == 60)
        #expect(CanaryAnalysis.parseSeconds("2m") == 120)
        #expect(CanaryAnalysis.parseSeconds("1h") == 3600)
        #expect(CanaryAnalysis.parseSeconds("90") == 90)
        #expect(CanaryAnalysis.parseSeconds("ms") == nil)
        #expect(CanaryAnalysis.parseSeconds("fast") == nil)
    }

    @Test func anIntervalBelowOneSecondParsesButIsRefusedByItsBound() {
        #expect(throws: CanaryInputError("the canary interval must be from 1 s to 1 day")) {
            try CanaryAnalysis.parse(steps: nil, interval: "500ms", maxErrorRate: nil, maxP99: nil)
        }
    }

    @Test(arguments: [("1%", 0.01), ("0.01", 0.01), ("5%", 0.05), ("0", 0.0), ("100%", 1.0)])
    func anErrorRateIsAPercentageOrAShare(text: String, rate: Double) throws {
        let parsed = try CanaryAnalysis.parse(steps: nil, interval: nil, maxErrorRate: text, maxP99: nil).maxErrorRate
        #expect(abs(parsed - rate) < 1e-12)
    }

    @Test(arguments: [("1.5x", 1.5), ("2X", 2.0), ("3", 3.0), ("1x", 1.0)])
    func aP99BoundIsAMultipleOfStables(text: String, ratio: Double) throws {
        #expect(try CanaryAnalysis.parse(steps: nil, interval: nil, maxErrorRate: nil, maxP99: text).maxP99Ratio == ratio)
    }

    /// Each refusal names its problem: (steps, interval, max error rate, max p99, the message's start).
    static let refusals: [(String?, String?, String?, String?, String)] = [
        ("", nil, nil, nil, "canary steps are weights separated by commas (5,25,50,100), not \"\""),
        ("5,,25", nil, nil, nil, "canary steps are weights"),
        ("50,25", nil, nil, nil, "canary steps must rise: 50,25"),
        ("25,25", nil, nil, nil, "canary steps must rise: 25,25"),
        ("5,150", nil, nil, nil, "a canary step must be a weight from 1 to 100 (%), not 150"),
        ("0,50", nil, nil, nil, "a canary step must be a weight from 1 to 100 (%), not 0"),
        ("100", nil, nil, nil, "the first canary step must be below 100 (%)"),
        (nil, "0", nil, nil, "the canary interval must be from 1 s to 1 day"),
        (nil, "0s", nil, nil, "the canary interval must be from 1 s to 1 day"),
        (nil, "48h", nil, nil, "the canary interval must be from 1 s to 1 day"),
        (nil, "2880m", nil, nil, "the canary interval must be from 1 s to 1 day"),
        (nil, "soon", nil, nil, "the canary interval is a duration like 60s, 2m or 1h, not \"soon\""),
        (nil, nil, "150%", nil, "the canary's maximum error rate must be from 0% to 100%"),
        (nil, nil, "-1%", nil, "the canary's maximum error rate must be from 0% to 100%"),
        (nil, nil, "lots", nil, "the canary's maximum error rate is a share like 1% or 0.01, not \"lots\""),
        (nil, nil, nil, "0.5x", "the canary's maximum p99 must be from 1x to 1000x stable's"),
        (nil, nil, nil, "slow", "the canary's maximum p99 is a multiple of stable's like 1.5x, not \"slow\""),
    ]

    @Test func refusalsNameTheProblem() {
        for (steps, interval, rate, p99, message) in Self.refusals {
            let error = #expect(throws: CanaryInputError.self, "\(steps ?? "-") \(interval ?? "-") \(rate ?? "-") \(p99 ?? "-")") {
                try CanaryAnalysis.parse(steps: steps, interval: interval, maxErrorRate: rate, maxP99: p99)
            }
            #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "no error"), not \(message)")
        }
    }

    @Test func noStepsAtAllAreRefused() {
        #expect(throws: CanaryInputError("canary steps must be 1 to 20 weights, e.g. 5,25,50,100")) { try CanaryAnalysis(steps: []) }
        #expect(throws: CanaryInputError("canary steps must be 1 to 20 weights, e.g. 5,25,50,100")) { try CanaryAnalysis(steps: Array(1...21)) }
    }

    @Test func theSummarySaysEveryBound() throws {
        let analysis = try CanaryAnalysis(steps: [10, 50], intervalSeconds: 30, maxErrorRate: 0.025, maxP99Ratio: 2)
        #expect(analysis.summary == "steps 10,50 every 30 s, 5xx ≤ 2.5%, p99 ≤ 2× stable")
    }

    // MARK: - CanaryPushOptions

    @Test func aPushWithoutCanaryOptionsIsAPlainDeploy() throws {
        #expect(try CanaryPushOptions.parse([]) == nil)
        #expect(try CanaryPushOptions.parse(["ci.skip", "debug=1", "canaryish=3"]) == nil)
    }

    @Test func canaryTenIsAManualCanaryAtTenPercent() throws {
        let request = try #require(try CanaryPushOptions.parse(["canary=10"]))
        #expect(request == CanaryRequest(weight: 10))
        #expect(request.startingWeight == 10 && request.analysis == nil && !request.wait)
        #expect(try CanaryPushOptions.parse(["canary=25%"])?.weight == 25)
    }

    @Test func canaryStepsAskForAutomaticAnalysisStartingAtTheFirstStep() throws {
        let request = try #require(try CanaryPushOptions.parse(["canary-steps=10,40,100", "canary-interval=2m", "canary-max-error-rate=2%", "canary-max-p99=3x"]))
        #expect(request.weight == nil)
        #expect(request.analysis == (try CanaryAnalysis(steps: [10, 40, 100], intervalSeconds: 120, maxErrorRate: 0.02, maxP99Ratio: 3)))
        #expect(request.startingWeight == 10)
        #expect(!request.wait)
    }

    @Test func canaryWaitAloneIsAutomaticWithTheDefaultsAndWaits() throws {
        let request = try #require(try CanaryPushOptions.parse(["canary-wait"]))
        #expect(request.analysis == (try CanaryAnalysis()))
        #expect(request.wait)
        #expect(request.startingWeight == 5)
    }

    @Test func anAnalysisOptionAloneIsAutomaticWithDefaultsForTheRest() throws {
        let request = try #require(try CanaryPushOptions.parse(["canary-interval=30s"]))
        #expect(request.analysis?.steps == CanaryAnalysis.defaultSteps && request.analysis?.intervalSeconds == 30)
    }

    @Test func unrelatedOptionsAreIgnoredBesideCanaryOnes() throws {
        #expect(try CanaryPushOptions.parse(["ci.skip", "canary=7", "foo=bar"]) == CanaryRequest(weight: 7))
    }

    @Test func anEmptyCanaryValueIsRefused() {
        #expect(throws: CanaryInputError("push option canary needs a value (canary=…)")) { try CanaryPushOptions.parse(["canary="]) }
        #expect(throws: CanaryInputError("push option canary needs a value (canary=…)")) { try CanaryPushOptions.parse(["canary"]) }
        #expect(throws: CanaryInputError("push option canary-steps needs a value (canary-steps=…)")) { try CanaryPushOptions.parse(["canary-steps="]) }
    }

    @Test(arguments: ["0", "100", "-5", "ten"])
    func aCanaryWeightOutsideOneTo99IsRefused(value: String) {
        #expect(throws: CanaryWeight.invalid(value)) { try CanaryPushOptions.parse(["canary=\(value)"]) }
    }

    @Test func badAnalysisOptionsAreRefusedWithTheirMessage() {
        #expect(throws: CanaryInputError("canary steps must rise: 50,5")) { try CanaryPushOptions.parse(["canary-steps=50,5"]) }
    }

    @Test func aRequestValidatesItsWeightAndWaitingNeedsAnalysis() throws {
        #expect(throws: CanaryWeight.invalid("100")) { try CanaryRequest(weight: 100).validated() }
        #expect(throws: CanaryInputError("waiting for the canary's verdict needs automatic analysis (steps)")) { try CanaryRequest(wait: true).validated() }
        #expect(CanaryRequest().startingWeight == CanaryRequest.defaultWeight)
    }

    // MARK: - LatencyHistogram

    /// The true `q` quantile of `values` (the smallest with at least `q` of them at or below).
    private static func trueQuantile(_ q: Double, of values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted[max(1, Int((q * Double(sorted.count)).rounded(.up))) - 1]
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Latencies in seconds: a spread from 100 µs to 60 s, several shapes.
    static let distributions: [(String, [Double])] = {
        var generator = SeededGenerator(seed: 17)
        let uniformMicro = (0..<2000).map { _ in Double.random(in: 100e-6...900e-6, using: &generator) }
        let uniformMillis = (0..<2000).map { _ in Double.random(in: 0.001...0.250, using: &generator) }
        let logUniform = (0..<5000).map { _ in pow(10, Double.random(in: -4...1.7, using: &generator)) }
        let longTail = (0..<3000).map { index in index % 100 == 0 ? Double.random(in: 2...30, using: &generator) : Double.random(in: 0.002...0.02, using: &generator) }
        let constant = Array(repeating: 0.0425, count: 100)
        return [("uniform µs", uniformMicro), ("uniform ms", uniformMillis), ("log-uniform 100 µs–50 s", logUniform), ("long tail", longTail), ("constant", constant)]
    }()

    @Test func quantilesAreWithinEightPercentOfTheTrueOnesAtEveryScale() throws {
        for (name, values) in Self.distributions {
            var histogram = LatencyHistogram()
            for value in values { histogram.record(.nanoseconds(Int64(value * 1e9))) }
            #expect(histogram.total == values.count)
            for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
                let estimate = Self.seconds(try #require(histogram.quantile(q)))
                let truth = Self.trueQuantile(q, of: values)
                #expect(abs(estimate / truth - 1) <= 0.08 + 1e-6, "\(name) q\(q): \(estimate) vs \(truth)")
            }
        }
    }

    @Test func anEmptyHistogramHasNoQuantile() {
        #expect(LatencyHistogram().quantile(0.99) == nil)
        #expect(LatencyHistogram().total == 0)
    }

    @Test func sinceSubtractsAnEarlierCount() throws {
        var earlier = LatencyHistogram()
        for _ in 0..<100 { earlier.record(.milliseconds(2)) }
        var later = earlier
        for _ in 0..<10 { later.record(.milliseconds(400)) }
        let interval = later.since(earlier)
        #expect(interval.total == 10)
        let p50 = Self.seconds(try #require(interval.quantile(0.5)))
        #expect(abs(p50 / 0.4 - 1) <= 0.08, "only the slow requests are left: \(p50)")
        #expect(earlier.since(later).total == 0, "never negative")
    }

    @Test func jsonCarriesOnlyTheBucketsInUseAndRoundTripsExactly() throws {
        var histogram = LatencyHistogram()
        histogram.record(.microseconds(120))
        histogram.record(.microseconds(120))
        histogram.record(.milliseconds(30))
        histogram.record(.seconds(3))
        let data = try JSONEncoder().encode(histogram)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: Int]])
        let buckets = try #require(object["buckets"])
        #expect(buckets.count == 3)
        #expect(buckets.values.reduce(0, +) == 4)
        #expect(try JSONDecoder().decode(LatencyHistogram.self, from: data) == histogram)
        #expect(try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(LatencyHistogram())) == LatencyHistogram())
    }

    @Test(arguments: [#"{"buckets":{"abc":1}}"#, #"{"buckets":{"192":1}}"#, #"{"buckets":{"-1":1}}"#, #"{"buckets":{"3":-2}}"#, #"{}"#])
    func aCorruptBucketIsRefusedOnDecode(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(LatencyHistogram.self, from: Data(json.utf8)) }
    }

    @Test func countsAreTrimmedOrPaddedToTheBuckets() {
        #expect(LatencyHistogram(counts: [1, 2]).counts.count == LatencyHistogram.bucketCount)
        #expect(LatencyHistogram(counts: Array(repeating: 1, count: 300)).total == LatencyHistogram.bucketCount)
    }

    // MARK: - ReleaseTraffic

    @Test func onlyStatuses500To599CountAsServerErrors() {
        var traffic = ReleaseTraffic()
        for status in [200, 301, 404, 499, 500, 502, 599, 600] { traffic.record(status: status, duration: .milliseconds(3)) }
        #expect(traffic.requests == 8)
        #expect(traffic.serverErrors == 3)
        #expect(traffic.latency.total == 8)
        #expect(traffic.errorRate == 3.0 / 8.0)
    }

    @Test func trafficSinceAnEarlierCountIsTheIntervalsAndItsErrorRate() {
        #expect(ReleaseTraffic().errorRate == nil)
        var traffic = ReleaseTraffic()
        for _ in 0..<10 { traffic.record(status: 200, duration: .milliseconds(1)) }
        let earlier = traffic
        for status in [200, 200, 503, 500] { traffic.record(status: status, duration: .milliseconds(1)) }
        let interval = traffic.since(earlier)
        #expect(interval.requests == 4 && interval.serverErrors == 2 && interval.latency.total == 4)
        #expect(interval.errorRate == 0.5)
        #expect(traffic.since(traffic).errorRate == nil)
        #expect(earlier.since(traffic).requests == 0, "a count never goes negative")
    }
}

/// A small deterministic generator (SplitMix64), so the distributions are the same every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A `CanaryAnalysis` decoded from JSON (an API request's body) is checked as one made in code:
/// unchecked, an interval of 0 spun the analysis loop and steps of 150 started a canary at 150%.
extension CanaryModelTests {
    @Test func aDecodedAnalysisRoundTrips() throws {
        let analysis = try CanaryAnalysis(steps: [10, 50], intervalSeconds: 30, maxErrorRate: 0.02, maxP99Ratio: 2)
        #expect(try JSONDecoder().decode(CanaryAnalysis.self, from: JSONEncoder().encode(analysis)) == analysis)
    }

    @Test(arguments: [
        (#"{"steps":[],"intervalSeconds":60,"maxErrorRate":0.01,"maxP99Ratio":1.5}"#, "canary steps must be 1 to 20 weights"),
        (#"{"steps":[150],"intervalSeconds":60,"maxErrorRate":0.01,"maxP99Ratio":1.5}"#, "a canary step must be a weight from 1 to 100"),
        (#"{"steps":[5,25],"intervalSeconds":0,"maxErrorRate":0.01,"maxP99Ratio":1.5}"#, "the canary interval must be from 1 s to 1 day"),
        (#"{"steps":[5,25],"intervalSeconds":60,"maxErrorRate":2,"maxP99Ratio":1.5}"#, "the canary's maximum error rate must be from 0% to 100%"),
        (#"{"steps":[5,25],"intervalSeconds":60,"maxErrorRate":0.01,"maxP99Ratio":0.5}"#, "the canary's maximum p99 must be from 1x to 1000x"),
    ])
    func aDecodedAnalysisIsCheckedLikeOneMadeInCode(json: String, message: String) {
        let error = #expect(throws: CanaryInputError.self) { try JSONDecoder().decode(CanaryAnalysis.self, from: Data(json.utf8)) }
        #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "no error")")
    }

    @Test func aCanaryRequestWithAnUncheckedAnalysisIsRefusedOnDecode() {
        let body = #"{"weight":10,"wait":false,"analysis":{"steps":[5],"intervalSeconds":-1,"maxErrorRate":0.01,"maxP99Ratio":1.5}}"#
        #expect(throws: CanaryInputError.self) { try JSONDecoder().decode(CanaryRequest.self, from: Data(body.utf8)) }
    }
}
