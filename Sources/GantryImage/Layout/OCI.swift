/// Media types and annotation keys from the OCI image specification.
public enum MediaType {
    /// An image manifest.
    public static let manifest = "application/vnd.oci.image.manifest.v1+json"
    /// An image index (`index.json`).
    public static let index = "application/vnd.oci.image.index.v1+json"
    /// An image config.
    public static let config = "application/vnd.oci.image.config.v1+json"
    /// An uncompressed layer tar.
    public static let layer = Layer.tarMediaType
}

/// A reference to a blob: its media type, digest and size (OCI content descriptor).
public struct Descriptor: Codable, Hashable, Sendable {
    /// The annotation naming an image in `index.json`: its tag.
    public static let refNameAnnotation = "org.opencontainers.image.ref.name"

    /// What the blob is (`MediaType`).
    public var mediaType: String
    /// The blob's digest.
    public var digest: Digest
    /// The blob's size in bytes.
    public var size: Int
    /// Key-value notes; in `index.json`, the tag.
    public var annotations: [String: String]?

    /// A descriptor of a blob of `size` bytes with digest `digest`.
    public init(mediaType: String, digest: Digest, size: Int, annotations: [String: String]? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
    }

    /// The tag an `index.json` entry carries (`org.opencontainers.image.ref.name`).
    public var tag: String? { annotations?[Self.refNameAnnotation] }
}

/// An OCI image manifest: the config blob and the layer blobs, lowest first.
public struct Manifest: Codable, Hashable, Sendable {
    /// Always 2.
    public var schemaVersion = 2
    /// `application/vnd.oci.image.manifest.v1+json`.
    public var mediaType: String = MediaType.manifest
    /// The config blob.
    public var config: Descriptor
    /// The layer blobs, lowest first.
    public var layers: [Descriptor]
    /// Key-value notes; Gantry writes none.
    public var annotations: [String: String]?

    /// A manifest of `config` and `layers` (lowest first).
    public init(config: Descriptor, layers: [Descriptor], annotations: [String: String]? = nil) {
        self.config = config
        self.layers = layers
        self.annotations = annotations
    }
}

/// The layout's `index.json`: one manifest descriptor per tag.
struct ImageIndex: Codable, Hashable, Sendable {
    var schemaVersion = 2
    var mediaType: String? = MediaType.index
    var manifests: [Descriptor] = []
}

/// The layout's `oci-layout` file.
struct LayoutMarker: Codable, Hashable, Sendable {
    var imageLayoutVersion = "1.0.0"
}

/// Tags are OCI reference names: `component ("/" component)*`, a component being letters and
/// digits with single `-._:@+` (or `--`) between them.
enum Tag {
    static func isValid(_ tag: String) -> Bool {
        !tag.isEmpty && tag.utf8.count <= 255 && tag.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(isComponent)
    }

    private static func isComponent(_ component: Substring) -> Bool {
        let bytes = Array(component.utf8)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte)
        }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else { return false }
        var index = 0
        while index < bytes.count {
            if isAlphanumeric(bytes[index]) {
                index += 1
                continue
            }
            // A separator: one of -._:@+, or "--"; always followed by an alphanumeric.
            let separatorLength = bytes[index] == UInt8(ascii: "-") && bytes[index + 1] == UInt8(ascii: "-") ? 2 : 1
            guard "-._:@+".utf8.contains(bytes[index]), isAlphanumeric(bytes[index + separatorLength]) else { return false }
            index += separatorLength
        }
        return true
    }
}
