/// Finds and replaces e-mail addresses and phone numbers (CONTRACT 3.4) in time linear in the text.
///
/// The result equals Python's `re.sub(PHONE, "[PHONE]", re.sub(EMAIL, "[EMAIL]", text))`, both
/// patterns compiled with `re.ASCII`, where
/// `EMAIL = [A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}` and
/// `PHONE = (\+\d{1,3}[ .-]?)?(\(\d{3}\)|\d{3})[ .-]?\d{3}[ .-]?\d{4}`.
/// Matching works on UTF-8 bytes: every pattern character is ASCII, so a byte of a multi-byte
/// scalar never matches and match boundaries always fall between scalars.
public enum PIIRedactor {
    /// The text with e-mails replaced by "[EMAIL]" first, then phone numbers (searched in the
    /// e-mail-redacted text) by "[PHONE]", and how many were replaced in all.
    ///
    /// Returns the original string unchanged (no copy) when nothing matches.
    public static func redact(_ text: String) -> (text: String, found: Int) {
        withUTF8(text) { bytes in
            guard mayHoldMatch(bytes) else { return (text, 0) }
            var output: [UInt8] = []
            var found = 0
            var copied = 0
            forEachMatch(in: bytes) { range, kind in
                if found == 0 {
                    output.reserveCapacity(bytes.count + 16)
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied..<range.lowerBound]))
                output.append(contentsOf: kind.replacement.utf8)
                copied = range.upperBound
                found += 1
            }
            guard found > 0 else { return (text, 0) }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[copied...]))
            return (String(decoding: output, as: UTF8.self), found)
        }
    }

    /// Same count as `redact(_:).found` without building the new string; only scans the text
    /// once, eight bytes at a time, when it has no '@' and fewer than ten digits.
    public static func count(_ text: String) -> Int {
        withUTF8(text) { count(utf8: $0) }
    }

    /// `count(_:)` of the text whose UTF-8 is `bytes`.
    public static func count(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard mayHoldMatch(bytes) else { return 0 }
        var found = 0
        forEachMatch(in: bytes) { _, _ in found += 1 }
        return found
    }
}

extension PIIRedactor {
    /// What a match stands for, and the text that replaces it.
    enum Kind {
        case email
        case phone

        var replacement: String {
            switch self {
            case .email: "[EMAIL]"
            case .phone: "[PHONE]"
            }
        }
    }

    /// Calls `body` with every match of the two-pass substitution, as ranges of `bytes`, in
    /// increasing and non-overlapping order.
    ///
    /// Phone matches are searched only in the gaps between e-mail matches: "[EMAIL]" holds no
    /// character of the phone pattern, so in the e-mail-redacted text no phone match can touch it
    /// and each gap behaves exactly like a separate text.
    static func forEachMatch(in bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>, Kind) -> Void) {
        var gapStart = 0
        forEachEmail(in: bytes) { email in
            forEachPhone(in: bytes, within: gapStart..<email.lowerBound) { body($0, .phone) }
            body(email, .email)
            gapStart = email.upperBound
        }
        forEachPhone(in: bytes, within: gapStart..<bytes.count) { body($0, .phone) }
    }

    /// False when `bytes` holds no match: no '@' (every e-mail match has one) and fewer than ten
    /// digits. Without an e-mail the phone pattern runs on the text itself, and each of its
    /// matches has at least ten digits (`\d{3}`, `\d{3}` and `\d{4}`).
    static func mayHoldMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let minimumPhoneDigits = 10
        var digits = 0
        var index = 0
        while index + 8 <= bytes.count {
            let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
            if Word.hasAt(word) { return true }
            digits += Word.digitCount(word)
            if digits >= minimumPhoneDigits { return true }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] == CharacterClass.at { return true }
            if CharacterClass.isDigit(bytes[index]) { digits += 1 }
            index += 1
        }
        return digits >= minimumPhoneDigits
    }

    /// Byte classes tested on eight bytes at once (SWAR). Each sum stays below 0x100 per byte, so
    /// no carry crosses into the next byte and every test is exact.
    enum Word {
        static let ones: UInt64 = 0x0101_0101_0101_0101
        static let high: UInt64 = 0x8080_8080_8080_8080

        /// Whether a byte of `word` is '@': `(x - 0x01..01) & ~x & 0x80..80` is non-zero exactly
        /// when x has a zero byte.
        @inline(__always)
        static func hasAt(_ word: UInt64) -> Bool {
            let x = word ^ (ones &* UInt64(CharacterClass.at))
            return (x &- ones) & ~x & high != 0
        }

        /// How many bytes of `word` are ASCII digits: for a byte b below 0x80, b + 0x50 has its top
        /// bit set when b >= '0', and b + 0x46 when b > '9'; bytes from 0x80 up are not digits.
        @inline(__always)
        static func digitCount(_ word: UInt64) -> Int {
            let low = word & ~high
            let atLeastZero = low &+ ones &* 0x50
            let aboveNine = low &+ ones &* 0x46
            let digits = atLeastZero & ~aboveNine & ~word & high
            // One bit per digit byte, at bit 7 of it: shifted to bit 0, the multiply sums the bytes
            // into the top byte.
            return Int(truncatingIfNeeded: ((digits >> 7) &* ones) >> 56)
        }
    }

    /// Runs `body` on the UTF-8 bytes of `text`, in place when the storage is contiguous.
    static func withUTF8<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) {
            return result
        }
        return ContiguousArray(text.utf8).withUnsafeBufferPointer(body)
    }

    /// ASCII byte constants and the character classes of the two patterns.
    enum CharacterClass {
        static let at = UInt8(ascii: "@")
        static let dot = UInt8(ascii: ".")
        static let plus = UInt8(ascii: "+")
        static let openParen = UInt8(ascii: "(")
        static let closeParen = UInt8(ascii: ")")

        /// `\d` under `re.ASCII`: `[0-9]`.
        @inline(__always)
        static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        /// `[A-Za-z]`; setting bit 0x20 maps exactly the upper-case letters onto the lower-case ones.
        @inline(__always)
        static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }

        /// `[A-Za-z0-9.-]`, the e-mail domain class.
        @inline(__always)
        static func isDomain(_ byte: UInt8) -> Bool {
            isLetter(byte) || isDigit(byte) || byte == dot || byte == UInt8(ascii: "-")
        }

        /// `[A-Za-z0-9._%+-]`, the e-mail local-part class (a superset of the domain class).
        @inline(__always)
        static func isLocal(_ byte: UInt8) -> Bool {
            isDomain(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "%") || byte == plus
        }

        /// `[ .-]`, the phone separator class.
        @inline(__always)
        static func isSeparator(_ byte: UInt8) -> Bool {
            byte == UInt8(ascii: " ") || byte == dot || byte == UInt8(ascii: "-")
        }
    }
}
