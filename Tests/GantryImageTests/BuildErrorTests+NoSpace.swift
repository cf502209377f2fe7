import GantryCore
import GantryImage
import Glibc
import Testing

@Suite struct BuildErrorNoSpaceTests {
    @Test func aBuildThatMetAFullDiskSaysSoInPlainWordsWithTheBuildsOwnLine() {
        let evidence = "dd: error writing '/app/big': No space left on device"
        let error = BuildError.noSpace(buildpack: "Node.js", .exited(1), place: "/srv/gantry, 0 MB free", evidence: evidence)
        #expect(error.description == NoSpace.message("/srv/gantry, 0 MB free") + " (Node.js build failed (exit status 1): \"\(evidence)\")")
        #expect(error.rejection == NoSpace.words)
    }

    @Test func anImageWriteThatMetAFullDiskSaysSoFirst() {
        let error = BuildError.image(.io(operation: "write", path: "/srv/gantry/images/blobs/sha256/.tmp-1", errno: ENOSPC))
        #expect(error.description == NoSpace.message() + " (cannot write /srv/gantry/images/blobs/sha256/.tmp-1: No space left on device)")
        #expect(error.rejection == NoSpace.words)
    }

    @Test func aStoreErrorAlreadyInPlainWordsIsNotSaidTwice() {
        let store = "cannot finish build 2: " + NoSpace.message("/srv/gantry") + " (SQLite: database or disk is full; nothing was written)"
        #expect(BuildError.other(store).description == store)
        #expect(BuildError.other(store).rejection == NoSpace.words)
    }

    @Test func otherFailuresKeepTheirWords() {
        #expect(BuildError.compileFailed(buildpack: "Node.js", .exited(1)).description == "Node.js build failed (exit status 1)")
        #expect(BuildError.compileFailed(buildpack: "Node.js", .exited(1)).rejection == "build failed")
    }
}
