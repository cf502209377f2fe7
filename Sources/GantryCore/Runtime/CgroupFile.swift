import Glibc

/// Reads and writes the small files of a cgroup hierarchy with plain system calls: no
/// Foundation, no allocation beyond the text.
public enum CgroupFile {
    /// The text of the (cgroup) file at `path`; empty when it cannot be read.
    public static func contents(of path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `text` to the (cgroup) file at `path`.
    @discardableResult
    public static func write(_ text: String, to path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }

    /// The process ids listed in the `cgroup.procs` of the cgroup at `directory`.
    public static func processes(in directory: String) -> [Int32] {
        contents(of: directory + "/cgroup.procs").split(separator: "\n").compactMap { Int32($0) }
    }
}
