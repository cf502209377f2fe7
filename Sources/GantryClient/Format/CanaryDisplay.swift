import Foundation
import GantryCore

/// How `gantry canary`, `deploy:canary` and the `canary:*` commands print a canary: the two
/// sides' traffic beside each other, its analysis, its last events, one-line answers.
public enum CanaryDisplay {
    /// How many events `gantry canary` shows, the newest last.
    public static let shownEvents = 5

    /// `hello has no canary; start one with …`: what `gantry canary` says for an app that never had one.
    public static func noCanary(app: String) -> String {
        "\(app) has no canary; start one with git push -o canary=10 or gantry deploy:canary \(app)"
    }

    /// `gantry canary APP`: a header, the stable and canary sides in columns, the last events.
    ///
    /// ```
    /// === hello canary v8: running at 10% beside v7; next verdict in 42 s
    /// Analysis: steps 5,25,50,100 every 60 s, 5xx ≤ 1%, p99 ≤ 1.5× stable
    ///
    ///             stable  canary
    /// Release     v7      v8
    /// Weight      90%     10%
    /// Requests    1204    131
    /// 5xx         1       0
    /// Error rate  0.08%   0.00%
    /// p50         12 ms   14 ms
    /// p95         41 ms   45 ms
    /// p99         80 ms   93 ms
    ///
    /// Events
    /// 2026-12-07T01:02:03Z  10%  started by alice
    /// ```
    ///
    /// Without a canary, the `noCanary` line. A side without traffic (the canary ended) or
    /// without requests shows `-` for what needs them.
    public static func lines(_ status: CanaryStatus, app: String) -> [String] {
        guard let canary = status.canary else { return [noCanary(app: app)] }
        var header = "=== \(app) canary v\(canary.release): \(state(canary))"
        if canary.state == .running, canary.analysis != nil, let seconds = status.nextVerdictIn {
            header += "; next verdict in \(Int(max(0, seconds).rounded(.up))) s"
        }
        var lines = [header]
        if let analysis = canary.analysis {
            lines.append("Analysis: \(analysis.summary)")
        } else if canary.state == .running {
            lines.append("Analysis: none (the weight moves by hand: gantry canary:weight \(app) WEIGHT)")
        }
        lines.append("")
        lines += table(canary, stable: status.stableTraffic, canary: status.canaryTraffic).split(separator: "\n").map(String.init)
        let events = canary.events.suffix(shownEvents)
        if !events.isEmpty {
            lines.append("")
            lines.append(canary.events.count > events.count ? "Events (last \(events.count) of \(canary.events.count))" : "Events")
            lines += eventLines(events)
        }
        return lines
    }

    /// `running at 10% beside v7`, `promoted (promoted by alice)`, `aborted (error rate 20.0% above 1.0%)`.
    public static func state(_ canary: Canary) -> String {
        switch canary.state {
        case .running: "running at \(canary.weight)% beside v\(canary.stable)"
        case .promoted, .aborted: canary.state.rawValue + (canary.reason.map { " (\(Display.printable(ReleaseDisplay.oneLine($0))))" } ?? "")
        }
    }

    /// The two sides in columns: release, weight, requests, 5xx, error rate, p50, p95, p99.
    static func table(_ canary: Canary, stable: ReleaseTraffic?, canary canaryTraffic: ReleaseTraffic?) -> String {
        let sides = [(release: canary.stable, weight: 100 - canary.weight, traffic: stable),
                     (release: canary.release, weight: canary.weight, traffic: canaryTraffic)]
        let metrics: [(String, (ReleaseTraffic) -> String)] = [
            ("Requests", { String($0.requests) }),
            ("5xx", { String($0.serverErrors) }),
            ("Error rate", { $0.errorRate.map(percent) ?? "-" }),
            ("p50", { latency($0, 0.5) }),
            ("p95", { latency($0, 0.95) }),
            ("p99", { latency($0, 0.99) }),
        ]
        var rows = [["Release"] + sides.map { "v\($0.release)" }, ["Weight"] + sides.map { "\($0.weight)%" }]
        rows += metrics.map { label, value in [label] + sides.map { $0.traffic.map(value) ?? "-" } }
        return TextTable.render(headers: ["", "stable", "canary"], rows: rows)
    }

    /// `0.08%`.
    static func percent(_ share: Double) -> String {
        String(format: "%.2f%%", share * 100)
    }

    /// The `q` quantile of the side's latencies in milliseconds (`4.2 ms`, `93 ms`); `-` without requests.
    static func latency(_ traffic: ReleaseTraffic, _ q: Double) -> String {
        guard traffic.requests > 0, let duration = traffic.latency.quantile(q) else { return "-" }
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return milliseconds < 10 ? String(format: "%.1f ms", milliseconds) : String(format: "%.0f ms", milliseconds)
    }

    /// `2026-12-07T01:02:03Z  10%  started by alice`, the weights aligned.
    public static func eventLines(_ events: some Collection<CanaryEvent>) -> [String] {
        let width = events.map { "\($0.weight)%".count }.max() ?? 0
        return events.map { event in
            "\(event.at.formatted(.iso8601))  \("\(event.weight)%".padding(to: width))  \(Display.printable(ReleaseDisplay.oneLine(event.text)))"
        }
    }

    /// `Canary v8 of hello at 10% beside v7`: what `deploy:canary` prints once the canary serves.
    public static func started(_ canary: Canary) -> String {
        "Canary v\(canary.release) of \(canary.app) at \(canary.weight)% beside v\(canary.stable)"
    }

    /// The end of a canary in one line: `hello: v8 is live (promoted from canary: REASON)`,
    /// `hello: canary v8 aborted (REASON); v7 serves everything`; a running one as `started`.
    public static func verdict(_ canary: Canary) -> String {
        let reason = canary.reason.map { Display.printable(ReleaseDisplay.oneLine($0)) }
        switch canary.state {
        case .running: return started(canary)
        case .promoted: return "\(canary.app): v\(canary.release) is live (promoted from canary\(reason.map { ": \($0)" } ?? ""))"
        case .aborted: return "\(canary.app): canary v\(canary.release) aborted\(reason.map { " (\($0))" } ?? ""); v\(canary.stable) serves everything"
        }
    }

    /// `hello: canary v8 now at 50%`.
    public static func weightChanged(_ canary: Canary) -> String {
        "\(canary.app): canary v\(canary.release) now at \(canary.weight)%"
    }

    /// The `Canary` section of `releases:info`: start weight, analysis, state, reason, events.
    public static func info(_ canary: Canary, relativeTo now: Date = Date()) -> String {
        var fields: [(label: String, value: String)] = [
            ("State", canary.state == .running ? "running at \(canary.weight)%" : canary.state.rawValue),
            ("Beside", "v\(canary.stable)"),
            ("Started", Display.timestamp(canary.startedAt, relativeTo: now)),
        ]
        if let weight = canary.events.first?.weight { fields.insert(("Start weight", "\(weight)%"), at: 1) }
        if let finished = canary.finishedAt { fields.append(("Finished", Display.timestamp(finished, relativeTo: now))) }
        if let reason = canary.reason { fields.append(("Reason", Display.printable(ReleaseDisplay.oneLine(reason)))) }
        fields.append(("Analysis", canary.analysis?.summary ?? "none (weight moved by hand)"))
        var text = TextTable.fields(fields)
        if !canary.events.isEmpty { text += "\nEvents:\n" + eventLines(canary.events).map { "  " + $0 }.joined(separator: "\n") }
        return text
    }
}
