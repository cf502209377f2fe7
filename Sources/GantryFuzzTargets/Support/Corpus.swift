import Foundation

/// The inputs of a corpus directory, `fuzz/corpus/TARGET` or `fuzz/regressions/TARGET`.
public enum Corpus {
    /// The files directly in `directory`, sorted by name, read whole; none when it is missing.
    public static func files(in directory: String) -> [(name: String, bytes: [UInt8])] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in
            guard !name.hasPrefix("."), let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
            return (name, [UInt8](data))
        }
    }
}
