import Foundation
import GRDB
@testable import GantryStore
import Testing

@Suite struct StoredTimeTests {
    /// Times around the epoch, leap days, the end of a year and today, with and without
    /// milliseconds.
    static let samples: [Date] = [
        Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 0.999), Date(timeIntervalSince1970: -1.5),
        Date(timeIntervalSince1970: 951_782_400.25),  // 2000-02-29
        Date(timeIntervalSince1970: 1_704_067_199.999),  // 2023-12-31 23:59:59.999
        Date(timeIntervalSince1970: 1_795_642_471.507), Date(),
    ]

    @Test(arguments: samples) func writesWhatGRDBWrites(date: Date) {
        #expect(StoredTime.text(date).databaseValue == date.databaseValue)
    }

    @Test(arguments: samples) func readsWhatGRDBReads(date: Date) throws {
        let stored = date.databaseValue
        let expected = try #require(Date.fromDatabaseValue(stored))
        let read = try #require(StoredTime.date(stored))
        #expect(abs(read.timeIntervalSince1970 - expected.timeIntervalSince1970) < 0.000_5)
    }

    @Test func readsTheOtherFormsSQLiteAndGRDBAccept() {
        #expect(StoredTime.date("2026-11-25 21:27:04") == Date(timeIntervalSince1970: 1_795_642_024))
        #expect(StoredTime.date("2026-11-25T21:27:04.500Z") == Date(timeIntervalSince1970: 1_795_642_024.5))
        #expect(StoredTime.date("2026-11-25 21:27") == Date(timeIntervalSince1970: 1_795_642_020))
        #expect(StoredTime.date(1_795_642_024.databaseValue) == Date(timeIntervalSince1970: 1_795_642_024))
    }

    @Test func refusesWhatIsNotATime() {
        for text in ["", "yesterday", "2026-13-01 00:00:00", "2026-11-25", "2026-11-25 21:27:04 +0100", "2026-11-25 2:27:04"] {
            #expect(StoredTime.date(text) == nil, "\(text)")
        }
        #expect(StoredTime.date(DatabaseValue.null) == nil)
    }
}
