/// A directory of `/app` a buildpack makes apart from the app (python's `.venv`), keyed by
/// what it was made from (the requirements' digest), in a layer of its own between the stack
/// and the app: a later build whose buildpack declares the same key reuses that layer instead
/// of making the directory again (Gantry's extension of the buildpack API, `GANTRY_LAYERS`
/// in buildpacks/README.md). The image records each one as the label
/// `io.gantry.dependency.DIR` = `KEY DIFFID`.
public struct DependencyLayer: Hashable, Sendable {
    /// The directory's name in `/app` (`.venv`).
    public var directory: String
    /// What the buildpack made it from, as it says it.
    public var key: String
    /// Its layer in the image.
    public var layer: Layer

    public init(directory: String, key: String, layer: Layer) {
        self.directory = directory
        self.key = key
        self.layer = layer
    }

    /// The label prefix; the directory's name follows.
    public static let labelPrefix = "io.gantry.dependency."

    /// Whether `name` may name a dependency directory: one path component of letters, digits,
    /// `.`, `_` and `-`, at most 64 characters, not `.` or `..`.
    public static func isValidDirectory(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name != "." && name != ".." && name.utf8.allSatisfy { isNameByte($0) }
    }

    /// Whether `key` may be a key: 1 to 128 letters, digits and `.`, `_`, `-`, `:`, `+`.
    public static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 128 && key.utf8.allSatisfy { isNameByte($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "+") }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}

extension Image {
    /// The dependency layers the image's labels name, in layer order; a label naming no layer
    /// of the image, or malformed, is ignored.
    public var dependencies: [DependencyLayer] {
        var found: [DependencyLayer] = []
        for (label, value) in config.config.labels ?? [:] where label.hasPrefix(DependencyLayer.labelPrefix) {
            let directory = String(label.dropFirst(DependencyLayer.labelPrefix.count))
            let parts = value.split(separator: " ")
            guard DependencyLayer.isValidDirectory(directory), parts.count == 2, DependencyLayer.isValidKey(String(parts[0])),
                let layer = layers.dropFirst().dropLast().first(where: { $0.diffID.description == parts[1] })
            else { continue }
            found.append(DependencyLayer(directory: directory, key: String(parts[0]), layer: layer))
        }
        return found.sorted { a, b in
            (layers.firstIndex(of: a.layer) ?? 0, a.directory) < (layers.firstIndex(of: b.layer) ?? 0, b.directory)
        }
    }
}
