/// How far a pushed pack may inflate, checked while it streams in — before libgit2's indexer
/// resolves a single delta (it builds each delta's result in memory to hash it, so a 100 KiB
/// delta that copies its base 160,000 times would cost gantryd 10 GiB).
public struct PackLimits: Sendable, Equatable {
    /// The largest result of one delta: 512 MiB, git's `core.bigFileThreshold` (git never
    /// deltifies a larger object, so no honest pack holds such a delta).
    public var deltaResultBytes = 512 << 20
    /// The largest commit, tree or tag, whole or as a delta's result: 64 MiB (a tree of some
    /// 1.5 million entries). These are read whole for the connectivity check.
    public var linkingObjectBytes = 64 << 20
    /// The deepest delta chain: 4,095, the most `git pack-objects` ever writes (its depth
    /// field has 12 bits).
    public var deltaDepth = 4_095
    /// The most bytes all of a pack's objects may inflate to, whole objects and delta results
    /// together.
    public var inflatedBytes: Int
    /// The deepest nesting of trees in the pack: 4,096 levels, git's `core.maxTreeDepth`.
    public var treeDepth = defaultTreeDepth
    /// git's `core.maxTreeDepth`.
    public static let defaultTreeDepth = 4_096

    /// The limits for a push limit of `maxPushBytes`: all objects together may inflate to 8
    /// times it (8 GiB for the default 1 GiB), and to no less than 64 MiB.
    public init(maxPushBytes: Int) {
        inflatedBytes = max(maxPushBytes.multipliedReportingOverflow(by: 8).overflow ? .max : maxPushBytes * 8, 64 << 20)
    }
}
