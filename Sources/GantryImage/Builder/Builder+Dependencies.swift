import Foundation
import GantryBuildpacks

/// A dependency layer of a compiled app: made by this build (its directory moved out of the
/// build directory) or reused from an earlier image.
public struct CompiledDependency: Sendable {
    /// The directory's name in `/app` (`.venv`).
    public var directory: String
    public var key: String
    /// The directory holding `app/DIR`: an overlay lower directory, and the layer's unpacked form.
    public var root: String
    /// The layer: reused, or written (`writeLayers`); `nil` while only the directory exists.
    public var layer: Layer?
}

extension Builder {
    /// The most dependency layers one build may declare.
    static let maximumDependencies = 8

    /// The build container's `/layers` (`$GANTRY_LAYERS`): `reusable` says what Gantry holds
    /// for the app (`DIR KEY` lines); the buildpack writes `declared` the same way.
    func writeLayersDirectory(_ request: BuildRequest, beside environment: String) throws(BuildError) -> String {
        let directory = environment + "-layers"
        let reusable = request.reusableDependencies.map { "\($0.directory) \($0.key)\n" }.joined()
        do {
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(reusable.utf8).write(to: URL(fileURLWithPath: directory + "/reusable"))
        } catch {
            throw .other("cannot write the build's layers directory: \(error.localizedDescription)")
        }
        return directory
    }

    /// The dependency layers the buildpack declared in `layers/declared`, read as untrusted
    /// (a regular file of at most 4 KiB; `DIR KEY` lines, each DIR once): a declared directory
    /// the build made is moved out of `/app` to a root of its own beside the app's; one it did
    /// not make is reused from `request.reusableDependencies` when the key matches.
    /// - Throws: `BuildError.manifest` for a malformed declaration; `.other` naming a declared
    ///   directory that is neither made nor reusable, or that is not a directory.
    func dependencies(declaredIn layers: String, for request: BuildRequest) async throws(BuildError) -> [CompiledDependency] {
        let text: String
        do throws(ManifestError) {
            guard let bytes = try ManifestFile.read("declared", in: layers, maximumSize: 4096) else { return [] }
            text = String(decoding: bytes, as: UTF8.self)
        } catch {
            throw .manifest(error)
        }
        var declared: [(directory: String, key: String)] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 2, DependencyLayer.isValidDirectory(fields[0]), DependencyLayer.isValidKey(fields[1]) else {
                // Not quoted: no error quotes a file a build wrote.
                throw .other("line \(number + 1) of the buildpack's dependency layer declaration ($GANTRY_LAYERS/declared) is not DIR KEY (DIR a name in /app, KEY up to 128 letters, digits and ._-:+)")
            }
            guard !declared.contains(where: { $0.directory == fields[0] }) else {
                throw .other("the buildpack declared the dependency layer \(fields[0]) twice")
            }
            declared.append((fields[0], fields[1]))
        }
        guard declared.count <= Self.maximumDependencies else {
            throw .other("the buildpack declared \(declared.count) dependency layers; at most \(Self.maximumDependencies)")
        }
        let workspace = URL(fileURLWithPath: request.sourceDirectory).deletingLastPathComponent().deletingLastPathComponent().path
        var dependencies: [CompiledDependency] = []
        for (directory, key) in declared {
            let made = request.sourceDirectory + "/" + directory
            var info = stat()
            if lstat(made, &info) == 0 {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw .other("the buildpack declared /app/\(directory) a dependency layer, but it is not a directory")
                }
                let root = workspace + "/dependency-" + directory
                do {
                    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
                    // The layer's app/ as the app's own (its owner and mode are the build directory's).
                    try FileManager.default.createDirectory(atPath: root + "/app", withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
                    guard lchown(root + "/app", uid_t(request.user), gid_t(request.user)) == 0, rename(made, root + "/app/" + directory) == 0 else {
                        throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                    }
                } catch {
                    throw .other("cannot move /app/\(directory) to a layer of its own: \(error.localizedDescription)")
                }
                dependencies.append(CompiledDependency(directory: directory, key: key, root: root, layer: nil))
            } else if let held = request.reusableDependencies.first(where: { $0.directory == directory && $0.key == key }) {
                let root: String
                do throws(ImageError) { root = try await layerCache.unpacked(held.layer, owner: request.user) } catch { throw .image(error) }
                dependencies.append(CompiledDependency(directory: directory, key: key, root: root, layer: held.layer))
            } else {
                throw .other("the buildpack declared the dependency layer /app/\(directory) (\(key)) but made no /app/\(directory), and no earlier image of the app has it")
            }
        }
        return dependencies
    }
}

extension Builder {
    /// Writes the layers of the dependencies this build made and its app layer. Where the
    /// layer cache has one of them unpacked already (another app made the same), containers
    /// use that directory from now on; the build's copy stays for the tests already running on
    /// it and goes with the workspace. The others are moved into the cache by `adopt` once the
    /// tests are over.
    /// - Throws: `BuildError.image`.
    public func writeLayers(of compiled: CompiledApp) async throws(BuildError) -> CompiledApp {
        var compiled = compiled
        do throws(ImageError) {
            for index in compiled.dependencies.indices where compiled.dependencies[index].layer == nil {
                let layer = try await layout.addLayer(from: compiled.dependencies[index].root + "/app", prefix: "app")
                compiled.dependencies[index].layer = layer
                if let cached = try await cachedDirectory(of: layer, owner: compiled.request.user) { compiled.dependencies[index].root = cached }
            }
            if compiled.appLayer == nil {
                let layer = try await layout.addLayer(from: compiled.request.sourceDirectory, prefix: "app")
                compiled.appLayer = layer
                compiled.appRoot = try await cachedDirectory(of: layer, owner: compiled.request.user)
            }
        } catch {
            throw .image(error)
        }
        return compiled
    }

    /// The cache's directory of `layer` when it is unpacked already.
    private func cachedDirectory(of layer: Layer, owner: Int) async throws(ImageError) -> String? {
        guard await layerCache.isUnpacked(layer) else { return nil }
        return try await layerCache.unpacked(layer, owner: owner)
    }
}
