import Foundation
import GantryImage
import GantryRegistry
import Testing
@_exported import GantryTesting

/// A small two-layer image in a fresh layout: a "stack" layer of `stackBytes` random bytes
/// shared by every image made with the same `stack` directory, and an app layer saying `app`.
struct TestImages {
    let layout: ImageLayout
    let stackDirectory: String
    let root: String

    /// A layout and a stack tree under `root`.
    init(root: String, stackBytes: Int = 3_000_000) async throws {
        self.root = root
        layout = try ImageLayout(root: root + "/images")
        stackDirectory = root + "/stack"
        try FileManager.default.createDirectory(atPath: stackDirectory + "/usr/lib", withIntermediateDirectories: true)
        let bytes = randomBytes(stackBytes)
        try Data(bytes).write(to: URL(fileURLWithPath: stackDirectory + "/usr/lib/blob.bin"))
    }

    /// The image of `app` (its app layer holds `content`) on the shared stack layer.
    func image(_ app: String, content: String, tag: String) async throws -> Image {
        let stack = try await layout.addLayer(from: stackDirectory)
        let source = root + "/src-\(app)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        try content.write(toFile: source + "/index.html", atomically: true, encoding: .utf8)
        let appLayer = try await layout.addLayer(from: source, prefix: "app")
        return try await layout.writeImage(
            layers: [stack, appLayer], config: ImageConfig(environment: ["APP": app], processTypes: ["web": "serve"]), tag: tag)
    }
}

/// `skopeo` (Debian's, 1.9) as the registry's other client: what it reads is what was pushed.
enum Skopeo {
    struct Inspection: Decodable {
        var Digest: String
        var Layers: [String]
    }

    /// `skopeo inspect --tls-verify=false docker://REFERENCE` (`--creds` when given).
    static func inspect(_ reference: String, credentials: String? = nil) async throws -> Inspection {
        var arguments = ["inspect", "--tls-verify=false"]
        if let credentials { arguments += ["--creds", credentials] }
        let result = try await Shell.run("/usr/bin/skopeo", arguments + ["docker://" + reference], errors: .separate, timeout: .seconds(60))
        try #require(result.status == 0, "skopeo inspect \(reference): \(result.error)")
        return try JSONDecoder().decode(Inspection.self, from: result.data)
    }

    /// `skopeo copy docker://REFERENCE oci:DIRECTORY:copy`, layers as they are (skopeo would compress
    /// uncompressed ones) and digests preserved: the blob names it wrote.
    static func copy(_ reference: String, to directory: String) async throws -> Set<String> {
        let result = try await Shell.run(
            "/usr/bin/skopeo", ["copy", "--src-tls-verify=false", "--dest-oci-accept-uncompressed-layers", "--preserve-digests", "docker://" + reference, "oci:" + directory + ":copy"],
            errors: .separate, timeout: .seconds(120))
        try #require(result.status == 0, "skopeo copy \(reference): \(result.error)")
        return Set(try FileManager.default.contentsOfDirectory(atPath: directory + "/blobs/sha256"))
    }
}

extension Image {
    /// The hex names of its blobs in a layout: manifest, config, layers.
    var blobNames: Set<String> { Set([digest.hex, configDigest.hex] + layers.map(\.digest.hex)) }
}
