import Foundation

/// The Gantry checkout an executable runs from — where `buildpacks/`, `templates/` and the
/// stack (`.stack/`) are found by default. Release binaries live in `.build/…/`, so it is the
/// nearest directory above the executable holding `Package.swift` and `buildpacks/`; failing
/// that, the current directory.
public enum Checkout {
    /// Finds the checkout of the running executable.
    public static func locate() -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent().standardizedFileURL
        while directory.path != "/" {
            if FileManager.default.fileExists(atPath: directory.path + "/Package.swift"),
                FileManager.default.fileExists(atPath: directory.path + "/buildpacks")
            {
                return directory.path
            }
            directory.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }
}
