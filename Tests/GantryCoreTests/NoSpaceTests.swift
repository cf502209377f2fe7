import GantryCore
import Glibc
import Testing

@Suite struct NoSpaceTests {
    @Test func recognizesEachWayAWriteSaysTheDiskIsFull() {
        #expect(NoSpace.isMentioned(in: "cannot extend packfile '/srv/gantry/tmp/x': " + String(cString: strerror(ENOSPC))))
        #expect(NoSpace.isMentioned(in: "cannot write /srv/gantry/cache/x: " + String(cString: strerror(EDQUOT))))
        #expect(NoSpace.isMentioned(in: "database or disk is full"))
        #expect(NoSpace.isMentioned(in: "The operation could not be completed. There isn’t enough space."))
        // gantryd's own refusal below --min-free-mb is another message, with its figures.
        #expect(!NoSpace.isMentioned(in: "not enough disk space for a build: 5 MB free, 1000 MB needed in the data directory"))
        #expect(!NoSpace.isMentioned(in: String(cString: strerror(EACCES))))
    }

    @Test func theMessageNamesTheDataDirectoryAndWhatToDo() {
        #expect(NoSpace.message("/srv/gantry, 0 MB free")
            == "no space left on device in the data directory (/srv/gantry, 0 MB free): free some (`gantry gc` removes what no release uses) and try again")
        #expect(NoSpace.message().hasPrefix(NoSpace.words + ": free some"))
        #expect(NoSpace.dataDirectory(of: "/srv/gantry/gantry.sqlite") == "/srv/gantry")
        #expect(NoSpace.dataDirectory(of: "/tmp") == "/")
    }
}
