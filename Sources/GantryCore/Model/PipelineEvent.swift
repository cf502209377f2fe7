/// What the pipeline reports as a push goes through it, for metrics: each build's outcome and
/// each release's.
public enum PipelineEvent: Hashable, Sendable {
    /// A build finished: `status` is `.built`, `.buildFailed`, `.testFailed` or `.timedOut`.
    case buildFinished(app: AppName, status: BuildStatus)
    /// A release's deploy finished: `status` is `.live` or `.failed`.
    case releaseFinished(app: AppName, status: ReleaseStatus)
}
