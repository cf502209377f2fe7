import Foundation
import GantryClient
import GantryCore
import Testing

/// Issue 10: a build runs code nobody reviewed, as root in its container. What it leaves in
/// `/app`, `/cache` and the image must not hurt the host (real gantryd, git and runc).
@Suite(.serialized) struct HostileBuildTests {
    @Test func devicesAndSetuidBitsABuildLeavesGrantNothingAndNeverReachTheLayer() async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("evil")
            _ = try await gantry.api.changeConfig(app: "evil", set: ["SECRET": "s3cret"], deploy: false)
            let repo = try await gantry.makeRepo("evil")
            try await repo.commit("hostile build", files: ["v.txt": "v1\n", "build.sh": #"""
                set -e
                APP=$1 CACHE=$2 ENV=$3
                # Builds run unprivileged (issue 11): mknod is refused; were it not, the
                # device would not open (nodev) nor reach the layer (sanitized).
                if mknod "$APP/mem" c 1 1 2>/dev/null && mknod "$CACHE/mem" c 1 1 2>/dev/null; then echo "MKNOD MADE"; else echo "MKNOD REFUSED"; fi
                cp /bin/busybox "$APP/suid" && chmod 4755 "$APP/suid"
                cp /bin/busybox "$CACHE/suid" && chmod 4755 "$CACHE/suid"
                mkdir "$APP/open" && chmod 0777 "$APP/open"
                awk '$5 == "/" || $5 == "/app" || $5 == "/cache" { print "MOUNT " $5 " " $6 }' /proc/self/mountinfo
                if [ -c "$CACHE/mem" ] && (echo x > "$CACHE/mem") 2>/dev/null; then echo "DEVICE OPENED"; else echo "DEVICE REFUSED"; fi
                stat -c 'MODE %a %n' "$ENV" "$ENV/SECRET"
                """#])

            let push = try await repo.push(gantry.remote("evil"), ["main"])
            try #require(push.succeeded, "\(push.stderr)")

            // In the build: / , /app and /cache are nosuid,nodev; the device does not open; the
            // ENV_DIR holding config vars is the build's alone.
            let mounts = push.stderr.split(separator: "\n").compactMap { line in line.range(of: "MOUNT ").map { String(line[$0.upperBound...]) } }
            #expect(Set(mounts.map { $0.split(separator: " ")[0] }) == ["/", "/app", "/cache"], "\(push.stderr)")
            for mount in mounts {
                let options = mount.split(separator: " ").last!.split(separator: ",")
                #expect(options.contains("nosuid") && options.contains("nodev"), "\(mount)")
            }
            #expect(push.stderr.contains("DEVICE REFUSED") && !push.stderr.contains("DEVICE OPENED"), "\(push.stderr)")
            #expect(push.stderr.contains("MKNOD REFUSED"), "\(push.stderr)")
            #expect(push.stderr.contains("MODE 700 /env") && push.stderr.contains("MODE 600 /env/SECRET"), "\(push.stderr)")

            // The layer: no device, no setuid, no world-write.
            let build = try #require(try await gantry.builds("evil").first)
            let layer = try gantry.appLayer(ofImage: "evil-build-\(build.id)")
            let entries = try await gantry.listLayer(layer.hex)
            #expect(entries.contains { $0.hasSuffix(" app/suid") && $0.hasPrefix("-rwxr-xr-x") }, "\(entries)")
            #expect(entries.contains { $0.hasSuffix(" app/open/") && $0.hasPrefix("drwxrwxr-x") }, "\(entries)")
            #expect(!entries.contains { $0.hasPrefix("c") || $0.hasPrefix("b") || $0.contains("app/mem") }, "\(entries)")
            // The unpacked layer the app runs on holds the same: it was the build directory.
            let unpacked = gantry.data.layers + "/" + layer.hex
            #expect(gantry.mode(unpacked) == 0o755 && gantry.mode(unpacked + "/app") == 0o755)
            #expect(gantry.mode(unpacked + "/app/suid") == 0o755)
            #expect(gantry.mode(unpacked + "/app/open") == 0o775)
            #expect(gantry.mode(unpacked + "/app/mem") == nil)
            // The build cache, which stays on the host, keeps no device and no setuid bit either.
            #expect(gantry.mode(gantry.data.buildCaches + "/evil/mem") == nil)
            #expect(gantry.mode(gantry.data.buildCaches + "/evil/suid") == 0o755)
            // The running app's root (its upper directory) is 0755, its config.json gantryd's alone.
            let container = try #require(gantry.containers().first { $0.hasPrefix("evil.") })
            #expect(gantry.mode(gantry.data.containers + "/" + container + "/upper") == 0o755)
            #expect(gantry.mode(gantry.data.containers + "/" + container + "/config.json") == 0o600)
            #expect(try await gantry.get("evil", path: "/v.txt").text == "v1\n")
        }
    }

    @Test func aFileWithAThousandNamesIsStoredOnceInTheLayer() async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("links")
            let repo = try await gantry.makeRepo("links")
            try await repo.commit("links", files: ["build.sh": #"""
                set -e
                head -c 1000000 /dev/urandom > "$1/big"
                mkdir "$1/links"
                for i in $(seq 1 1000); do ln "$1/big" "$1/links/$i"; done
                """#])
            let push = try await repo.push(gantry.remote("links"), ["main"])
            try #require(push.succeeded, "\(push.stderr)")
            let build = try #require(try await gantry.builds("links").first)
            let layer = try gantry.appLayer(ofImage: "links-build-\(build.id)")
            // 1 MB once and a 512-byte header per name, not 1,000 MB.
            #expect(layer.size < 1_000_000 + 1_100 * 512 + 64 << 10, "app layer of \(layer.size) bytes")
            let entries = try await gantry.listLayer(layer.hex)
            #expect(entries.filter { $0.hasPrefix("h") }.count == 1000)
        }
    }

    @Test func aOneTerabyteSparseAppFailsFastAndTheOldReleaseKeepsServing() async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("huge")
            let repo = try await gantry.makeRepo("huge")
            try await repo.commit("fine", files: ["v.txt": "v1\n"])
            try #require(await repo.push(gantry.remote("huge"), ["main"]).succeeded)
            let good = try #require(try await gantry.builds("huge").first)
            let tags = try gantry.imageTags()
            let (blobs, layers) = (gantry.blobs(), gantry.unpackedLayers())

            try await repo.commit("huge", files: ["build.sh": #"truncate -s 1T "$1/huge""# + "\n"])
            let started = ContinuousClock.now
            let push = try await repo.push(gantry.remote("huge"), ["main"])
            let elapsed = ContinuousClock.now - started

            #expect(!push.succeeded)
            #expect(push.stderr.contains("(app over GANTRY_MAX_APP_MB=2048)"), "\(push.stderr)")
            #expect(push.stderr.contains("GANTRY_MAX_APP_MB"), "\(push.stderr)")
            // Reading a terabyte of zeros would take many minutes; the refusal takes the build's time.
            #expect(elapsed < .seconds(30), "\(elapsed)")
            let failed = try #require(try await gantry.builds("huge").first)
            #expect(failed.id != good.id && failed.status == .buildFailed)
            #expect(try await gantry.get("huge", path: "/v.txt").text == "v1\n")
            // A failed build leaves no image, blob, unpacked layer or workspace.
            #expect(try gantry.imageTags() == tags)
            #expect(gantry.blobs() == blobs)
            #expect(gantry.unpackedLayers() == layers)
            // The build directory goes in the background, after the push is answered.
            try await gantry.eventually("the build's workspace to be removed") { gantry.scratchEntries().isEmpty }
        }
    }

    @Test func anUnhealthyReleaseLeavesNoImageBehind() async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("sick")
            let repo = try await gantry.makeRepo("sick")
            try await repo.commit("fine", files: ["v.txt": "v1\n"])
            try #require(await repo.push(gantry.remote("sick"), ["main"]).succeeded)
            let tags = try gantry.imageTags()
            let (blobs, layers) = (gantry.blobs(), gantry.unpackedLayers())

            try await repo.commit("crashes", files: ["Procfile": "web: sh -c 'exit 1'\n", "v.txt": "v2\n"])
            let push = try await repo.push(gantry.remote("sick"), ["main"])
            #expect(!push.succeeded)
            #expect(try await gantry.get("sick", path: "/v.txt").text == "v1\n")
            #expect(try gantry.imageTags() == tags)
            #expect(gantry.blobs() == blobs)
            #expect(gantry.unpackedLayers() == layers)
        }
    }

    @Test func redTestsLeaveNoImageBehind() async throws {
        try await withHostileDaemon { gantry in
            try await gantry.createApp("red")
            let repo = try await gantry.makeRepo("red")
            try await repo.commit("fine", files: ["v.txt": "v1\n"])
            try #require(await repo.push(gantry.remote("red"), ["main"]).succeeded)
            let tags = try gantry.imageTags()
            let (blobs, layers) = (gantry.blobs(), gantry.unpackedLayers())

            try await repo.commit("red", files: ["v.txt": "v2\n", "app.json": #"{"scripts": {"test": "exit 1"}}"#])
            let push = try await repo.push(gantry.remote("red"), ["main"])
            #expect(push.stderr.contains("(tests failed)"), "\(push.stderr)")
            #expect(try await gantry.builds("red").first?.status == .testFailed)
            #expect(try await gantry.get("red", path: "/v.txt").text == "v1\n")
            #expect(try gantry.imageTags() == tags)
            #expect(gantry.blobs() == blobs)
            #expect(gantry.unpackedLayers() == layers)
            // The build directory goes in the background, after the push is answered.
            try await gantry.eventually("the build's workspace to be removed") { gantry.scratchEntries().isEmpty }
        }
    }
}
