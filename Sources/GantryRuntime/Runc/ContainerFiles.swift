import Foundation
import GantryCore

/// The files of `/etc` that differ per container, written into its upper directory before its
/// overlay is mounted (they hide the stack's, root-owned, read-only to the app):
/// - `hosts`: localhost and the container's own name and address, nothing of the host's;
/// - `resolv.conf`: resolvers the container can reach (`ResolverConfiguration`);
/// - `passwd` and `group`: the stack's, plus the app's user (`u` + uid, home `/app`), so that
///   tools that look their user up (`whoami`, `id`, npm, ssh) find one.
struct ContainerFiles {
    var hostname: String
    var address: String
    var user: Int
    /// The lowest layer: the stack, whose `/etc/passwd` and `/etc/group` are extended.
    var stackRoot: String?

    func write(into upper: String) throws {
        let etc = upper + "/etc"
        try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: etc)
        let name = "u\(user)"
        let files = [
            "hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n\(address)\t\(hostname)\n",
            "resolv.conf": ResolverConfiguration.containerFile(),
            "passwd": Self.extend(stackFile("passwd", default: "root:x:0:0:root:/root:/bin/sh\n"), with: "\(name):x:\(user):\(user)::/app:/bin/bash", id: user, field: 2),
            "group": Self.extend(stackFile("group", default: "root:x:0:\n"), with: "\(name):x:\(user):", id: user, field: 2),
        ]
        for (file, text) in files {
            let path = etc + "/" + file
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        }
    }

    /// The stack's `/etc/NAME` (the stack is built by `make setup`, not by a push), or `default`.
    private func stackFile(_ name: String, default fallback: String) -> String {
        guard let stackRoot, let data = FileManager.default.contents(atPath: stackRoot + "/etc/" + name), data.count <= 1 << 20 else { return fallback }
        return String(decoding: data, as: UTF8.self)
    }

    /// `text` with `line` appended, unless an entry already has id `id` in field `field`.
    static func extend(_ text: String, with line: String, id: Int, field: Int) -> String {
        let taken = text.split(separator: "\n").contains { entry in
            let fields = entry.split(separator: ":", omittingEmptySubsequences: false)
            return fields.count > field && fields[field] == Substring(String(id))
        }
        if taken { return text }
        return (text.hasSuffix("\n") || text.isEmpty ? text : text + "\n") + line + "\n"
    }
}
