// TEMPORARY: the lead's ReleaseDetail contract, until main's version is merged.
import GantryClient
import GantryCore

struct ConfigChange: Hashable, Sendable, Codable {
    enum Kind: String, Hashable, Sendable, Codable { case added, removed, changed }
    var key: String
    var kind: Kind
}

struct ReleaseDetail: Hashable, Sendable, Codable {
    var release: ReleaseSummary
    var build: Build?
    var configChanges: [ConfigChange]
    var previous: Int?
}
