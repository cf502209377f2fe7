import Foundation

/// The requests one release of an app answered, counted by the router: how many, how many
/// ended in a 5xx (the app's, or the router's own 502/503/504 for it), and their latency.
/// Counts only grow; the traffic over an interval is a later count ``since(_:)`` an earlier one.
public struct ReleaseTraffic: Codable, Sendable, Hashable {
    public var requests: Int
    public var serverErrors: Int
    public var latency: LatencyHistogram

    public init(requests: Int = 0, serverErrors: Int = 0, latency: LatencyHistogram = LatencyHistogram()) {
        self.requests = requests
        self.serverErrors = serverErrors
        self.latency = latency
    }

    /// Counts one finished request.
    public mutating func record(status: Int, duration: Duration) {
        requests += 1
        if (500...599).contains(status) { serverErrors += 1 }
        latency.record(duration)
    }

    /// What was counted after `earlier` (an earlier count of the same release).
    public func since(_ earlier: ReleaseTraffic) -> ReleaseTraffic {
        ReleaseTraffic(
            requests: max(0, requests - earlier.requests), serverErrors: max(0, serverErrors - earlier.serverErrors),
            latency: latency.since(earlier.latency))
    }

    /// The 5xx share of the requests; `nil` without requests.
    public var errorRate: Double? {
        requests == 0 ? nil : Double(serverErrors) / Double(requests)
    }
}

/// Request latencies in logarithmic buckets from 50 µs to about 2 minutes, each 8% wider than
/// the one before: a quantile read from it is within 8% of the true one, whatever the scale,
/// and recording one is an index computed and a counter bumped.
public struct LatencyHistogram: Codable, Sendable, Hashable {
    /// Bucket `i` counts latencies in [lower·growth^i, lower·growth^(i+1)); the first also those
    /// below, the last those above.
    public private(set) var counts: [Int]

    public static let lowerNanoseconds = 50_000.0
    public static let growth = 1.08
    public static let bucketCount = 192
    private static let logGrowth = log(growth)

    public init() {
        counts = Array(repeating: 0, count: Self.bucketCount)
    }

    /// A histogram with these counts (decoded or made in tests); missing buckets count 0.
    public init(counts: [Int]) {
        var all = Array(counts.prefix(Self.bucketCount))
        all += Array(repeating: 0, count: Self.bucketCount - all.count)
        self.counts = all
    }

    public mutating func record(_ duration: Duration) {
        counts[Self.bucket(of: duration)] += 1
    }

    public var total: Int { counts.reduce(0, +) }

    /// The latency below which a share `q` (0…1) of the recorded ones lie: the upper bound of
    /// the bucket that holds it. `nil` when nothing was recorded.
    public func quantile(_ q: Double) -> Duration? {
        let total = total
        guard total > 0 else { return nil }
        let rank = max(1, Int((q * Double(total)).rounded(.up)))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= rank { return Self.upperBound(of: index) }
        }
        return Self.upperBound(of: Self.bucketCount - 1)
    }

    /// What was recorded after `earlier`.
    public func since(_ earlier: LatencyHistogram) -> LatencyHistogram {
        LatencyHistogram(counts: zip(counts, earlier.counts).map { max(0, $0 - $1) })
    }

    static func bucket(of duration: Duration) -> Int {
        let nanoseconds = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
        guard nanoseconds > lowerNanoseconds else { return 0 }
        return min(bucketCount - 1, Int(log(nanoseconds / lowerNanoseconds) / logGrowth))
    }

    static func upperBound(of bucket: Int) -> Duration {
        .nanoseconds(Int64(lowerNanoseconds * pow(growth, Double(bucket + 1))))
    }

    // Sparse on the wire: most buckets are empty.
    private enum CodingKeys: String, CodingKey { case buckets }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let sparse = try container.decode([String: Int].self, forKey: .buckets)
        var counts = Array(repeating: 0, count: Self.bucketCount)
        for (key, count) in sparse {
            guard let index = Int(key), counts.indices.contains(index), count >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: .buckets, in: container, debugDescription: "bucket \(key) is not one")
            }
            counts[index] = count
        }
        self.counts = counts
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var sparse: [String: Int] = [:]
        for (index, count) in counts.enumerated() where count > 0 { sparse[String(index)] = count }
        try container.encode(sparse, forKey: .buckets)
    }
}
