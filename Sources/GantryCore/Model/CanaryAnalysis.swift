import Foundation

/// Automatic canary analysis, as Flagger and Argo Rollouts do it: the canary starts at the first
/// of `steps`; after each `interval` gantryd compares it with the stable release over that
/// interval and either moves to the next step, promotes it (after the last step, or at a step
/// of 100), or aborts it — its 5xx rate above `maxErrorRate`, its p99 latency above
/// `maxP99Ratio` times stable's, one of its processes exited, or no request reached it for
/// `CanaryAnalysis.idleLimit` intervals in a row.
public struct CanaryAnalysis: Codable, Sendable, Hashable {
    /// Weights in %, each 1–100, rising; the canary promotes after the last.
    public var steps: [Int]
    /// Seconds between two verdicts (1 s to 1 day).
    public var intervalSeconds: Double
    /// The highest 5xx share of the canary's requests in an interval that passes (0.01: 1%).
    public var maxErrorRate: Double
    /// The highest canary p99 latency, as a multiple of stable's over the same interval, that passes.
    public var maxP99Ratio: Double

    /// Intervals in a row without a request to the canary after which it is aborted.
    public static let idleLimit = 5
    /// Flagger's and Argo Rollouts' usual shape.
    public static let defaultSteps = [5, 25, 50, 100]
    public static let defaultInterval = 60.0
    public static let defaultMaxErrorRate = 0.01
    public static let defaultMaxP99Ratio = 1.5

    /// Checks every value; see ``parse(steps:interval:maxErrorRate:maxP99:)`` for text.
    public init(
        steps: [Int] = Self.defaultSteps, intervalSeconds: Double = Self.defaultInterval, maxErrorRate: Double = Self.defaultMaxErrorRate,
        maxP99Ratio: Double = Self.defaultMaxP99Ratio
    ) throws(CanaryInputError) {
        guard !steps.isEmpty, steps.count <= 20 else { throw CanaryInputError("canary steps must be 1 to 20 weights, e.g. 5,25,50,100") }
        for (index, step) in steps.enumerated() {
            guard (1...100).contains(step) else { throw CanaryInputError("a canary step must be a weight from 1 to 100 (%), not \(step)") }
            guard index == 0 || step > steps[index - 1] else { throw CanaryInputError("canary steps must rise: \(steps.map(String.init).joined(separator: ","))") }
        }
        guard steps[0] < 100 else { throw CanaryInputError("the first canary step must be below 100 (%)") }
        guard intervalSeconds.isFinite, (1...86_400).contains(intervalSeconds) else {
            throw CanaryInputError("the canary interval must be from 1 s to 1 day")
        }
        guard maxErrorRate.isFinite, (0...1).contains(maxErrorRate) else { throw CanaryInputError("the canary's maximum error rate must be from 0% to 100%") }
        guard maxP99Ratio.isFinite, maxP99Ratio >= 1, maxP99Ratio <= 1000 else {
            throw CanaryInputError("the canary's maximum p99 must be from 1x to 1000x stable's")
        }
        self.steps = steps
        self.intervalSeconds = intervalSeconds
        self.maxErrorRate = maxErrorRate
        self.maxP99Ratio = maxP99Ratio
    }

    // Decoded values (an API request's body) are checked as the initializer checks them.
    private enum CodingKeys: String, CodingKey { case steps, intervalSeconds, maxErrorRate, maxP99Ratio }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            steps: try container.decode([Int].self, forKey: .steps), intervalSeconds: try container.decode(Double.self, forKey: .intervalSeconds),
            maxErrorRate: try container.decode(Double.self, forKey: .maxErrorRate), maxP99Ratio: try container.decode(Double.self, forKey: .maxP99Ratio))
    }

    /// The analysis from words as people write them (`5,25,50,100`, `60s` / `2m` / `500ms`,
    /// `1%` / `0.01`, `1.5x`); a `nil` takes the default.
    public static func parse(steps: String?, interval: String?, maxErrorRate: String?, maxP99: String?) throws(CanaryInputError) -> CanaryAnalysis {
        var parsedSteps = defaultSteps
        if let steps {
            let parts = steps.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var weights: [Int] = []
            for part in parts {
                let digits = part.hasSuffix("%") ? String(part.dropLast()) : part
                guard let weight = Int(digits) else { throw CanaryInputError("canary steps are weights separated by commas (5,25,50,100), not \"\(steps)\"") }
                weights.append(weight)
            }
            parsedSteps = weights
        }
        let seconds = try interval.map { text throws(CanaryInputError) in
            guard let seconds = parseSeconds(text) else { throw CanaryInputError("the canary interval is a duration like 60s, 2m or 1h, not \"\(text)\"") }
            return seconds
        } ?? defaultInterval
        let rate = try maxErrorRate.map { text throws(CanaryInputError) in
            let percent = text.hasSuffix("%")
            guard let value = Double(percent ? String(text.dropLast()) : text), value.isFinite else {
                throw CanaryInputError("the canary's maximum error rate is a share like 1% or 0.01, not \"\(text)\"")
            }
            return percent ? value / 100 : value
        } ?? defaultMaxErrorRate
        let ratio = try maxP99.map { text throws(CanaryInputError) in
            let body = text.hasSuffix("x") || text.hasSuffix("X") ? String(text.dropLast()) : text
            guard let value = Double(body), value.isFinite else { throw CanaryInputError("the canary's maximum p99 is a multiple of stable's like 1.5x, not \"\(text)\"") }
            return value
        } ?? defaultMaxP99Ratio
        return try CanaryAnalysis(steps: parsedSteps, intervalSeconds: seconds, maxErrorRate: rate, maxP99Ratio: ratio)
    }

    /// `60s`, `2m`, `1h`, `500ms`, `90` (seconds) → seconds.
    static func parseSeconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            let number = text.dropLast(suffix.count)
            if suffix == "s", number.hasSuffix("m") { continue }  // "ms" was tried first
            return Double(number).map { $0 * scale }
        }
        return Double(text)
    }

    /// `5,25,50,100 every 60 s, 5xx ≤ 1%, p99 ≤ 1.5× stable`.
    public var summary: String {
        "steps \(steps.map(String.init).joined(separator: ",")) every \(Self.format(intervalSeconds)) s, 5xx ≤ \(Self.format(maxErrorRate * 100))%, p99 ≤ \(Self.format(maxP99Ratio))× stable"
    }

    /// `1.5`, `60` (no `.0`).
    public static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
