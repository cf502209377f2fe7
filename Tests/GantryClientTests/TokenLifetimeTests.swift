import Testing
import GantryClient

@Suite("Token lifetimes")
struct TokenLifetimeTests {
    @Test(arguments: [
        ("30s", 30), ("15m", 900), ("12h", 43_200), ("90d", 7_776_000), ("2w", 1_209_600), ("1s", 1), ("3650d", 315_360_000),
        ("007d", 604_800),
    ])
    func parsesANumberAndAUnit(_ text: String, _ seconds: Int) throws {
        #expect(try TokenLifetime(parsing: text).seconds == seconds)
    }

    @Test(arguments: [
        ("90", "it does not end in a unit"), ("", "it does not end in a unit"), ("d", "what comes before the unit is not a whole number"),
        ("1.5d", "what comes before the unit is not a whole number"), ("-3d", "what comes before the unit is not a whole number"),
        ("+3d", "what comes before the unit is not a whole number"), ("90D", "it does not end in a unit"),
        ("1y", "it does not end in a unit"), ("90 d", "what comes before the unit is not a whole number"),
        ("1h30m", "what comes before the unit is not a whole number"), ("٣d", "what comes before the unit is not a whole number"),
        ("0d", "it is zero"), ("3651d", "it is longer than 3650 days"), ("522w", "it is longer than 3650 days"),
        ("99999999999999999999s", "it is longer than 3650 days"), ("9223372036854775807w", "it is longer than 3650 days"),
    ])
    func rejectsAnythingElseSayingWhatToWrite(_ text: String, _ reason: String) {
        #expect {
            try TokenLifetime(parsing: text)
        } throws: { error in
            guard let error = error as? InvalidTokenLifetime else { return false }
            return error.reason == reason && error.description.hasSuffix("write a number and a unit: s, m, h, d or w (such as 90d or 12h), up to 3650d")
        }
    }
}
