/// One layer of an image: an uncompressed tar blob in the store.
public struct Layer: Hashable, Sendable {
    /// The media type of an uncompressed OCI layer.
    public static let tarMediaType = "application/vnd.oci.image.layer.v1.tar"

    /// The blob's digest.
    public var digest: Digest
    /// The blob's size in bytes.
    public var size: Int
    /// The digest of the uncompressed tar, as listed in the config's `rootfs.diff_ids`. Gantry
    /// writes uncompressed layers only, so it equals `digest`.
    public var diffID: Digest
    /// `application/vnd.oci.image.layer.v1.tar`.
    public var mediaType: String

    /// A layer blob of `size` bytes with digest `digest`.
    public init(digest: Digest, size: Int, diffID: Digest? = nil, mediaType: String = Layer.tarMediaType) {
        self.digest = digest
        self.size = size
        self.diffID = diffID ?? digest
        self.mediaType = mediaType
    }

    /// The layer's descriptor in a manifest.
    public var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: size)
    }
}
