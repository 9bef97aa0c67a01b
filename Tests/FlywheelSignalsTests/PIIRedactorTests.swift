import Foundation
import Testing

@testable import FlywheelSignals

@Suite("PIIRedactor")
struct PIIRedactorTests {
    /// One input with the output and count Python's `re.sub` gives for it (see the table below).
    struct Case: Sendable, CustomTestStringConvertible {
        let input: String
        let output: String
        let found: Int

        init(_ input: String, _ output: String, _ found: Int) {
            self.input = input
            self.output = output
            self.found = found
        }

        var testDescription: String { String(reflecting: input) }
    }

    @Test("Matches Python's re.sub on hand-picked inputs", arguments: pythonTable)
    func matchesPythonTable(_ piiCase: Case) {
        let result = PIIRedactor.redact(piiCase.input)
        #expect(result.text == piiCase.output)
        #expect(result.found == piiCase.found)
        #expect(PIIRedactor.count(piiCase.input) == piiCase.found)
    }

    @Test("Returns the input unchanged when nothing matches, whatever its scalars")
    func unchangedWithoutMatches() {
        let texts = ["no pii here: 2026-11-26, v2.10.3, é@é.éé", "\u{1F600}@\u{1F600}.com 415\u{301}5550100", ""]
        for text in texts {
            let result = PIIRedactor.redact(text)
            #expect(result.text.utf8.elementsEqual(text.utf8))
            #expect(result.found == 0)
            #expect(PIIRedactor.count(text) == 0)
        }
    }

    @Test("Matches Python on 20,000 seeded random strings")
    func matchesPythonOnRandomStrings() throws {
        let fixture = try loadFixture()
        #expect(fixture.count > 1_000)
        var covered = Set<String>()
        var mismatches: [String] = []
        for input in Differential.strings() {
            let expected = fixture[input].map { ($0.output, $0.found) } ?? (input, 0)
            let result = PIIRedactor.redact(input)
            let counted = PIIRedactor.count(input)
            if result != expected || counted != expected.1 {
                mismatches.append("\(String(reflecting: input)) -> \(result), count \(counted); Python: \(expected)")
            }
            if fixture[input] != nil {
                covered.insert(input)
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
        // Every fixture line must come from the generator, or the two generators have drifted apart.
        #expect(covered.count == fixture.count)
    }

    @Test("Scans 1 MiB of e-mail characters without '@' in linear time")
    func linearWithoutAt() {
        let text = repeated("a.b-c_d%e+f")
        #expect(text.utf8.count == mebibyte)
        #expect(PIIRedactor.count(text) == 0)
        #expect(PIIRedactor.count(text + "@example.com") == 1)
    }

    @Test("Scans 1 MiB of \"a@a@a@\" and of unterminated domains in linear time")
    func linearWithManyAts() {
        #expect(PIIRedactor.count(repeated("a@")) == 0)
        #expect(PIIRedactor.count("x@" + repeated("a.")) == 0)
        #expect(PIIRedactor.count("x@" + repeated("ab.") + "c") == 1)
        let emails = repeated("a@b.co ")
        #expect(PIIRedactor.count(emails) == mebibyte / 7)
    }

    @Test("Scans 1 MiB of digits in linear time")
    func linearOnDigits() {
        // Every ten digits make one phone number; the last six digits are left over.
        #expect(PIIRedactor.count(repeated("0123456789")) == mebibyte / 10)
        #expect(PIIRedactor.count(repeated("+1")) == 0)
        let redacted = PIIRedactor.redact(repeated("7"))
        #expect(redacted.found == mebibyte / 10)
        #expect(redacted.text.hasSuffix("[PHONE]777777"))
    }
}

/// Shorthand for the rows of `pythonTable`.
private typealias PIICase = PIIRedactorTests.Case

/// Expected values produced by running, with Python 3.11,
/// `EMAIL.subn("[EMAIL]", text)` then `PHONE.subn("[PHONE]", ...)` (both compiled with `re.ASCII`)
/// on each input; they are pasted here verbatim.
private let pythonTable: [PIICase] = [
    // E-mail addresses, including trailing punctuation, subdomains and failed candidates.
    PIICase("Contact john.doe@example.com today", "Contact [EMAIL] today", 1),
    PIICase("mail sub.user+tag@mail.server.example.co.uk.", "mail [EMAIL].", 1),
    PIICase("x@y.com.", "[EMAIL].", 1),
    PIICase("a@b.c", "a@b.c", 0),
    PIICase("a@b.co@c.com", "[EMAIL]@c.com", 1),
    PIICase("first@a.io, second@b.org; third@c.net", "[EMAIL], [EMAIL]; [EMAIL]", 3),
    PIICase("<alice@example.com>", "<[EMAIL]>", 1),
    PIICase("(bob_99@test-site.org)", "([EMAIL])", 1),
    PIICase("\"quoted\"@example.com", "\"quoted\"@example.com", 0),
    PIICase("café.owner@bistro.fr", "café[EMAIL]", 1),
    PIICase("émile@exämple.com", "émile@exämple.com", 0),
    PIICase("user@-host-.com", "[EMAIL]", 1),
    PIICase("user@host-.co-", "[EMAIL]-", 1),
    PIICase("user@host.c0m", "user@host.c0m", 0),
    PIICase("user@host..com", "[EMAIL]", 1),
    PIICase("user@.com", "user@.com", 0),
    PIICase("user@@example.com", "user@@example.com", 0),
    PIICase("@example.com", "@example.com", 0),
    PIICase("name@domain.com123", "[EMAIL]123", 1),
    PIICase("name@domain.toolongtld", "[EMAIL]", 1),
    PIICase("100%real+deal@weird.domain.xyz", "[EMAIL]", 1),
    PIICase("john@localhost", "john@localhost", 0),
    PIICase("a.b@c", "a.b@c", 0),
    PIICase("x@y.zz.z", "[EMAIL].z", 1),
    PIICase("x@y.ab1.cd", "[EMAIL]", 1),
    PIICase("x@y.a-b.cd", "[EMAIL]", 1),
    PIICase("x@y.co.u", "[EMAIL].u", 1),
    PIICase("x@y.c.uk9", "[EMAIL]9", 1),
    PIICase("UPPER@EXAMPLE.COM", "[EMAIL]", 1),
    PIICase("a@b.cd@e.fg", "[EMAIL]@e.fg", 1),
    PIICase("a@b@c.de", "a@[EMAIL]", 1),
    PIICase("..@..aa", "[EMAIL]", 1),
    PIICase("-@-.xy", "[EMAIL]", 1),
    PIICase("mailto:someone@example.com?subject=hi", "mailto:[EMAIL]?subject=hi", 1),
    PIICase("someone@example.com的邮件", "[EMAIL]的邮件", 1),
    // Phone numbers in the accepted shapes, and near misses such as other national groupings.
    PIICase("+1 415 555 0100", "[PHONE]", 1),
    PIICase("(415) 555-0199", "[PHONE]", 1),
    PIICase("415.555.0199", "[PHONE]", 1),
    PIICase("4155550199", "[PHONE]", 1),
    PIICase("+44 20 7946 0958", "+44 20 7946 0958", 0),
    PIICase("12345678901234", "[PHONE]1234", 1),
    PIICase("1-800-555-0199", "1-[PHONE]", 1),
    PIICase("+1 (415) 555-0100", "[PHONE]", 1),
    PIICase("+1-415-555-0100", "[PHONE]", 1),
    PIICase("+1.415.555.0100", "[PHONE]", 1),
    PIICase("+14155550100", "[PHONE]", 1),
    PIICase("+1234567890123", "[PHONE]", 1),
    PIICase("+123 415 555 0100", "[PHONE]", 1),
    PIICase("+1234 415 555 0100", "+1234 [PHONE]", 1),
    PIICase("+ 415 555 0100", "+ [PHONE]", 1),
    PIICase("tel+14155550100", "tel[PHONE]", 1),
    PIICase("(415)555-0100", "[PHONE]", 1),
    PIICase("(415 555-0100", "([PHONE]", 1),
    PIICase("415) 555-0100", "415) 555-0100", 0),
    PIICase("415 555 0100 and 415-555-0101", "[PHONE] and [PHONE]", 2),
    PIICase("call 415--555-0100", "call 415--555-0100", 0),
    PIICase("415  555 0100", "415  555 0100", 0),
    PIICase("phone:4155550100x", "phone:[PHONE]x", 1),
    PIICase("電話4155550100です", "電話[PHONE]です", 1),
    PIICase("é415.555.0100é", "é[PHONE]é", 1),
    PIICase("+33 1 23 45 67 89", "+33 1 23 45 67 89", 0),
    PIICase("+49 (030) 123-4567", "[PHONE]", 1),
    PIICase("(+1) 415 555 0100", "(+1) [PHONE]", 1),
    // Look-alikes that must stay untouched.
    PIICase("2026-11-26", "2026-11-26", 0),
    PIICase("Version 2.10.3", "Version 2.10.3", 0),
    PIICase("order 12345", "order 12345", 0),
    PIICase("192.168.1.1", "192.168.1.1", 0),
    PIICase("10.0.0.1", "10.0.0.1", 0),
    PIICase("555-0100", "555-0100", 0),
    PIICase("415 555 01", "415 555 01", 0),
    PIICase("04/15/2026", "04/15/2026", 0),
    PIICase("$1,234,567.89", "$1,234,567.89", 0),
    PIICase("2026-11-26T10:15:30Z", "2026-11-26T10:15:30Z", 0),
    PIICase("v1.2.3-beta.4", "v1.2.3-beta.4", 0),
    PIICase("user@host", "user@host", 0),
    PIICase("user at example dot com", "user at example dot com", 0),
    PIICase("foo@bar.c", "foo@bar.c", 0),
    PIICase("@@@", "@@@", 0),
    PIICase("", "", 0),
    PIICase("plain text with no pii", "plain text with no pii", 0),
    // Number runs with separators: only the IP-like one holds a 3-3-4 grouping, so it matches.
    PIICase("ISBN 978-3-16-148410-0", "ISBN 978-3-16-148410-0", 0),
    PIICase("IP 123.456.789.0123", "IP 123.[PHONE]", 1),
    PIICase("card 4111 1111 1111 1111", "card 4111 1111 1111 1111", 0),
    PIICase("2026-11-26 1234", "2026-11-26 1234", 0),
    // Both kinds; e-mails are replaced first.
    PIICase("john@x.com 415-555-0100", "[EMAIL] [PHONE]", 2),
    PIICase("415-555-0100@example.com", "[EMAIL]", 1),
    PIICase("tel:4155550100@ex", "tel:[PHONE]@ex", 1),
    PIICase("user4155550100@ex.com", "[EMAIL]", 1),
    PIICase("a@b.co415-555-0100", "[EMAIL][PHONE]", 2),
    PIICase("a@b.coa@b.co", "[EMAIL]@b.co", 1),
    PIICase("a@b.co,c@d.io4155550100415.555.0100", "[EMAIL],[EMAIL][PHONE][PHONE]", 4),
    PIICase(
        "Reach me: jane@corp.example.org or +1 (212) 555-0123, fax 212.555.0124.",
        "Reach me: [EMAIL] or [PHONE], fax [PHONE].",
        3
    ),
]

// MARK: - Differential test against Python

/// Constants shared with Fixtures/make_pii_cases.py; changing one here requires regenerating the fixture.
private enum Differential {
    static let seed: UInt64 = 0x5EED_F1A7_2026
    static let count = 20_000
    static let maxLength: UInt64 = 60
    static let alphabets: [[Unicode.Scalar]] = [
        "aaabcxyzAZ0123456789012345678901234567..._%+-@@()  -\u{E9}",
        "0123456789012345678901234567890123456789  ..--()++a\u{E9}@",
        "aaaabbbcczzAAZZ019......---__%+@@@ \u{E9}(",
    ].map { Array($0.unicodeScalars) }

    /// The same strings, in the same order, as `generate()` in make_pii_cases.py.
    static func strings() -> [String] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let alphabet = alphabets[Int(random.next() % UInt64(alphabets.count))]
            let length = random.next() % (maxLength + 1)
            var text = String.UnicodeScalarView()
            for _ in 0..<length {
                text.append(alphabet[Int(random.next() % UInt64(alphabet.count))])
            }
            return String(text)
        }
    }
}

/// One line of pii_cases.jsonl.
private struct FixtureLine: Decodable {
    let input: String
    let output: String
    let found: Int

    enum CodingKeys: String, CodingKey {
        case input = "in"
        case output = "out"
        case found = "n"
    }
}

/// Python's results for the generated strings that it changes, keyed by input.
private func loadFixture() throws -> [String: FixtureLine] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/pii_cases.jsonl")
    let decoder = JSONDecoder()
    var lines: [String: FixtureLine] = [:]
    for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
        let decoded = try decoder.decode(FixtureLine.self, from: Data(line.utf8))
        lines[decoded.input] = decoded
    }
    return lines
}

// MARK: - Linear time

/// 1 MiB, so that a quadratic scan would not finish within the test run.
private let mebibyte = 1 << 20

/// `unit` repeated to exactly `length` bytes (`unit` must be ASCII).
private func repeated(_ unit: String, length: Int = mebibyte) -> String {
    String(String(repeating: unit, count: length / unit.utf8.count + 1).utf8.prefix(length)) ?? ""
}
