import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small ext4 file system of the test's own: a sparse file under the scratch directory,
/// formatted with `mkfs.ext4`, attached to a loop device and mounted. A test fills it with
/// `fill(leaving:)` — an unwritten `fallocate`d file, so filling costs no I/O — and frees it
/// with `free()`. Made and torn down by `withLoopFilesystem(megabytes:_:)`.
struct LoopFilesystem: Sendable {
    /// Where it is mounted.
    let mountPoint: String
    /// The loop device, `/dev/loopN`.
    let device: String
    /// The file that `fill(leaving:)` grows, at the root of the file system.
    var filler: String { mountPoint + "/filler" }

    /// The bytes still free for anyone, root included (the file system reserves none).
    /// - Throws: `FixtureFailure` when `statvfs` fails.
    func availableBytes() throws -> Int {
        var info = statvfs()
        guard statvfs(mountPoint, &info) == 0 else { throw FixtureFailure("statvfs \(mountPoint): \(String(cString: strerror(errno)))") }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Grows the filler until at most `leaving` bytes are free (0: until not one block more
    /// fits), in halving steps of `posix_fallocate` (ext4 allocates
    /// unwritten extents: no byte is written).
    /// - Returns: the bytes free afterwards.
    /// - Throws: `FixtureFailure` when the filler cannot be opened, `fallocate` fails but for want
    ///   of space, or more than 1 MiB over `leaving` stays free.
    @discardableResult
    func fill(leaving: Int = 0) throws -> Int {
        let fd = open(filler, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FixtureFailure("cannot open \(filler): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FixtureFailure("fstat \(filler): \(String(cString: strerror(errno)))") }
        var size = Int(info.st_size)
        var step = 256 << 20
        while step >= 4096 {
            let free = try availableBytes()
            guard free > leaving else { break }
            if free - step < leaving {
                step /= 2
                continue
            }
            let result = posix_fallocate(fd, off_t(size), off_t(step))
            if result == 0 {
                size += step
            } else if result == ENOSPC {
                step /= 2
            } else {
                throw FixtureFailure("fallocate \(filler): \(String(cString: strerror(result)))")
            }
        }
        let free = try availableBytes()
        guard free <= leaving + (1 << 20) else { throw FixtureFailure("\(mountPoint) still has \(free) bytes free after filling it to \(leaving)") }
        return free
    }

    /// Removes the filler: what `fill(leaving:)` took is free again.
    func free() {
        unlink(filler)
    }
}

/// Makes a `megabytes` ext4 file system on a loop device, runs `body` with it, then unmounts
/// it, detaches the device and removes the image, whether `body` returned or threw. Whatever
/// `body` started on it (a gantryd, its containers) must be gone by then: an unmount that stays
/// busy for 20 s is done lazily and recorded as an issue, naming who holds it.
/// - Throws: `FixtureFailure` when the file system cannot be made or mounted; what `body` throws.
func withLoopFilesystem<Value: Sendable>(megabytes: Int, _ body: (LoopFilesystem) async throws -> Value) async throws -> Value {
    let scratch = try ScratchDirectory(prefix: "gantry-disk")
    defer { scratch.remove() }
    let image = scratch.path + "/disk.img"
    let mountPoint = try scratch.directory("mnt")
    guard FileManager.default.createFile(atPath: image, contents: nil), truncate(image, off_t(megabytes) << 20) == 0 else {
        throw FixtureFailure("cannot make the sparse file \(image)")
    }
    // No blocks reserved for root: gantryd runs as root and would otherwise write on where
    // builds (the app's user) cannot, so "full" would mean two things.
    let formatted = try await ChildProcess.run("/usr/sbin/mkfs.ext4", ["-q", "-F", "-m", "0", image], timeout: .seconds(60))
    guard formatted.succeeded else { throw FixtureFailure("mkfs.ext4 failed: \(formatted)") }
    let attached = try await ChildProcess.run("/usr/sbin/losetup", ["--find", "--show", image], timeout: .seconds(30))
    let device = attached.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    guard attached.succeeded, device.hasPrefix("/dev/loop") else { throw FixtureFailure("losetup failed: \(attached)") }
    defer { detach(device) }
    let mounted = try await ChildProcess.run("/usr/bin/mount", [device, mountPoint], timeout: .seconds(30))
    guard mounted.succeeded else { throw FixtureFailure("mount failed: \(mounted)") }
    let filesystem = LoopFilesystem(mountPoint: mountPoint, device: device)
    do {
        let result = try await body(filesystem)
        await unmount(filesystem)
        return result
    } catch {
        await unmount(filesystem)
        throw error
    }
}

/// `umount`, retried for 20 s while something still holds the file system (a log writer
/// exiting after its container), then lazily, recorded as an issue with `fuser -vm`'s list.
private func unmount(_ filesystem: LoopFilesystem) async {
    let deadline = ContinuousClock.now + .seconds(20)
    var last: ProcessOutput?
    while ContinuousClock.now < deadline {
        last = try? await ChildProcess.run("/usr/bin/umount", [filesystem.mountPoint], timeout: .seconds(30))
        if last?.succeeded == true { return }
        try? await Task.sleep(for: .milliseconds(250))
    }
    let holders = (try? await ChildProcess.run("/usr/bin/fuser", ["-vm", filesystem.mountPoint], timeout: .seconds(30)))?.stderr ?? "?"
    _ = try? await ChildProcess.run("/usr/bin/umount", ["-l", filesystem.mountPoint], timeout: .seconds(30))
    Issue.record("\(filesystem.mountPoint) stayed busy for 20 s (\(last?.stderr ?? "")); unmounted lazily. Held by:\n\(holders)")
}

/// `losetup -d`: the device goes as soon as nothing uses it (at once after a clean unmount).
private func detach(_ device: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/sbin/losetup")
    process.arguments = ["-d", device]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return }
    process.waitUntilExit()
}
