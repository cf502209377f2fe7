import Foundation
import GantryCore
import GantryRuntime
import Glibc
import Synchronization
import Testing

/// Files a build wrote (in `/app`, `/cache`, the layers) grant nothing: no setuid, no devices.
@Suite(.serialized) struct HostileMountTests {
    /// The mount options (field 6 of `/proc/self/mountinfo`) of `target` in a container.
    func mountOptions(of targets: [String], fixture: RuntimeFixture, mounts: [Mount]) async throws -> [String: String] {
        let lines = Mutex<[String]>([])
        let status = try await fixture.runtime.run(fixture.spec("t-mountinfo", "cat /proc/self/mountinfo", mounts: mounts), timeout: .seconds(20)) {
            line in lines.withLock { $0.append(line) }
        }
        #expect(status.isSuccess)
        var options: [String: String] = [:]
        for line in lines.withLock({ $0 }) {
            let fields = line.split(separator: " ").map(String.init)
            if fields.count > 5, targets.contains(fields[4]) { options[fields[4]] = fields[5] }
        }
        return options
    }

    @Test func rootAndBindMountsAreNosuidAndNodev() async throws {
        let fixture = try RuntimeFixture()
        let cache = Mount(source: fixture.root + "/shared", destination: "/cache", readOnly: false)
        let options = try await mountOptions(of: ["/", "/cache"], fixture: fixture, mounts: [cache])
        #expect(options.count == 2)
        for (target, option) in options {
            let flags = option.split(separator: ",")
            #expect(flags.contains("nosuid"), "\(target): \(option)")
            #expect(flags.contains("nodev"), "\(target): \(option)")
        }
    }

    @Test func aDeviceNodeABuildLeftCannotBeOpened() async throws {
        let fixture = try RuntimeFixture()
        // A character device as a build running as root could make it: 1:3 (/dev/null), harmless
        // if it opened — it must not.
        try #require(mknod(fixture.root + "/shared/null", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0)
        try #require(mknod(fixture.layer + "/app/null", S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0)
        let cache = Mount(source: fixture.root + "/shared", destination: "/cache", readOnly: false)
        for device in ["/cache/null", "/app/null"] {
            let lines = Mutex<[String]>([])
            let status = try await fixture.runtime.run(
                fixture.spec("t-device", "echo x > \(device)", mounts: [cache]), timeout: .seconds(20)
            ) { line in lines.withLock { $0.append(line) } }
            #expect(!status.isSuccess, "\(device) opened")
            #expect(lines.withLock { $0 }.joined().contains("denied"), "\(lines.withLock { $0 })")
        }
        #expect(fixture.leftoverMounts.isEmpty)
    }
}
