/// The host user an app's builds, tests and processes run as. Never root: each app has a uid
/// of its own, `firstUID` + the app's id, with no capabilities (as Heroku's dynos and builds run
/// unprivileged). There is no user namespace: the uid is the same inside the container and on
/// the host, so the shared, root-owned stack layer needs no per-app copy.
public enum AppUser {
    /// The first app's uid is `firstUID + 1`: far above the uids distributions hand out to
    /// people (1000…) and to user namespaces (`/etc/subuid`, 100000 + 65536 × n).
    public static let firstUID = 10_000_000

    /// `nobody`, for containers that belong to no app (the runtime's own tests).
    public static let nobody = 65534

    /// The uid of the app with row id `appID` (≥ 1).
    public static func uid(appID: Int64) -> Int {
        precondition(appID >= 1, "app ids start at 1")
        return firstUID + Int(appID)
    }
}
