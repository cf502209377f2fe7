/// The answer of `POST /api/v1/gc[?dry_run=1]`: what is (or would be) reclaimed on disk.
public struct GarbageReport: Codable, Sendable, Hashable {
    /// One thing reclaimed.
    public struct Item: Codable, Sendable, Hashable {
        /// `image` (a tag no kept release or running build uses), `blob`, `layer` (unpacked),
        /// `workspace` (a build's scratch left in tmp), `cache` or `logs` (of an app that no
        /// longer exists).
        public var kind: String
        /// The tag, digest, or the path relative to the data directory.
        public var name: String
        /// Bytes on disk it takes (blocks, as `du` counts; 0 for a tag).
        public var bytes: Int

        public init(kind: String, name: String, bytes: Int) {
            self.kind = kind
            self.name = name
            self.bytes = bytes
        }
    }

    /// Whether nothing was removed: the items are what `gantry gc` would reclaim.
    public var dryRun: Bool
    public var items: [Item]

    /// The bytes of every item.
    public var totalBytes: Int { items.reduce(0) { $0 + $1.bytes } }

    public init(dryRun: Bool, items: [Item]) {
        self.dryRun = dryRun
        self.items = items
    }

    private enum CodingKeys: String, CodingKey { case dryRun, items, totalBytes }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dryRun = try container.decode(Bool.self, forKey: .dryRun)
        items = try container.decode([Item].self, forKey: .items)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(items, forKey: .items)
        try container.encode(totalBytes, forKey: .totalBytes)
    }
}
