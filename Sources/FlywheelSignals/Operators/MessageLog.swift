import FlywheelEngine

/// The prompts and responses a session keeps for its SFT example, as bytes in one array.
///
/// A message is a header (its `MessageStamp`, 8 bytes, then the byte counts of its
/// event id, link and text as LEB128 varints: 1 byte each below 128, so 11-12 bytes for most) followed by those
/// bytes. Appending copies an event's bytes and keeps no String:
/// the event's strings are let go where they were made (the decoding thread, see `ChatEventPool`), with no
/// reference count shared between cores, and a message costs its bytes and about 12 more, not three Strings and
/// their heap headers. Read in place by the SFT rule; `messages` rebuilds the values (checkpoints, tests).
public struct MessageLog: Sendable {
    /// The most bytes a message's header takes: its time and flags, and three varints of up to 5 bytes.
    static let maximumHeaderSize = 8 + 3 * 5

    private var storage: [UInt8] = []
    public private(set) var count = 0

    public init() {}

    public init(_ messages: some Sequence<ConversationMessage>) {
        for message in messages {
            var (eventId, link, text) = (message.eventId, message.link, message.text)
            eventId.withUTF8 { eventId in
                link.withUTF8 { link in
                    text.withUTF8 { append(stamp: message.stamp, eventId: eventId, link: link, text: $0) }
                }
            }
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// Forgets every message and lets its memory go.
    public mutating func removeAll() {
        storage = []
        count = 0
    }

    /// Appends a message from the UTF-8 of its event id, link and text (see `ConversationMessage.init` for
    /// `link`), unless the log can no longer pair up (`cannotPairUp`): then nothing is kept. A response whose
    /// link an earlier response of the log has makes it so for good (CONTRACT 3.4 wants exactly one response to
    /// every prompt, and a session's messages are never taken back): the log is then cut down to those two
    /// responses, without their texts, which is all the SFT rule needs to say no (`SFTExample.answersPairUp`),
    /// in a checkpoint too, and what it kept is let go. Looked for in logs of up to `pairUpScanLimit` messages, so
    /// that a long session's responses do not each read the whole log; a longer one keeps its texts (the rule
    /// still says no).
    public mutating func append(
        time: EventTime, eventId: UnsafeBufferPointer<UInt8>, isPrompt: Bool, link: UnsafeBufferPointer<UInt8>,
        text: UnsafeBufferPointer<UInt8>, hasPII: Bool
    ) {
        guard !cannotPairUp else { return }
        let stamp = MessageStamp(time: time, isPrompt: isPrompt, hasPII: hasPII)
        if !isPrompt && count <= Self.pairUpScanLimit, let earlier = response(linkedTo: link) {
            let none = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
            var settled = MessageLog()
            storage.withUnsafeBufferPointer { bytes in
                settled.append(
                    stamp: earlier.stamp, eventId: UnsafeBufferPointer(rebasing: bytes[earlier.eventId]), link: link,
                    text: none)
            }
            settled.append(stamp: stamp, eventId: eventId, link: link, text: none)
            self = settled
            return
        }
        append(stamp: stamp, eventId: eventId, link: link, text: text)
    }

    /// The longest log `append(time:...)` reads for a response with the same link.
    static let pairUpScanLimit = 64

    /// Whether the SFT rule can never pair this log's messages up, whatever is appended: its first two messages
    /// are responses with the same link (what `append(time:...)` cuts such a log down to). Reads two headers.
    public var cannotPairUp: Bool {
        guard count >= 2 else { return false }
        return storage.withUnsafeBufferPointer { bytes in
            var offset = 0
            let first = Self.header(in: bytes, at: &offset)
            guard !first.stamp.isPrompt else { return false }
            let second = Self.header(in: bytes, at: &offset)
            return !second.stamp.isPrompt
                && UnsafeBufferPointer(rebasing: bytes[first.link]).hasSameBytes(
                    as: UnsafeBufferPointer(rebasing: bytes[second.link]))
        }
    }

    /// The first response of the log whose link is `link`'s bytes, nil when none.
    private func response(linkedTo link: UnsafeBufferPointer<UInt8>) -> Header? {
        storage.withUnsafeBufferPointer { bytes in
            var offset = 0
            for _ in 0..<count {
                let header = Self.header(in: bytes, at: &offset)
                if !header.stamp.isPrompt && UnsafeBufferPointer(rebasing: bytes[header.link]).hasSameBytes(as: link) {
                    return header
                }
            }
            return nil
        }
    }

    /// Appends `other`'s messages; when either log can no longer pair up, the result is that one alone.
    public mutating func append(contentsOf other: MessageLog) {
        guard !other.isEmpty, !cannotPairUp else { return }
        if other.cannotPairUp {
            self = other
            return
        }
        reserve(other.storage.count)
        storage.append(contentsOf: other.storage)
        count += other.count
    }

    private mutating func append(
        stamp: MessageStamp, eventId: UnsafeBufferPointer<UInt8>, link: UnsafeBufferPointer<UInt8>,
        text: UnsafeBufferPointer<UInt8>
    ) {
        reserve(Self.maximumHeaderSize + eventId.count + link.count + text.count)
        // The header and the two ids are put together first (on the stack) and appended in one go, then the text:
        // each append checks the array's uniqueness and room (a runtime call), seven of them a message before.
        let headed = Self.maximumHeaderSize + eventId.count + link.count
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: headed) { buffer in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).storeBytes(of: stamp.raw.littleEndian, as: Int64.self)
            var written = 8
            written = Self.writeVarint(eventId.count, to: base, at: written)
            written = Self.writeVarint(link.count, to: base, at: written)
            written = Self.writeVarint(text.count, to: base, at: written)
            written = Self.write(eventId, to: base, at: written)
            written = Self.write(link, to: base, at: written)
            storage.append(contentsOf: UnsafeBufferPointer(start: base, count: written))
        }
        storage.append(contentsOf: text)
        count += 1
    }

    /// Copies `bytes` to `offset` of `output`; returns the offset after them.
    private static func write(
        _ bytes: UnsafeBufferPointer<UInt8>, to output: UnsafeMutablePointer<UInt8>, at offset: Int
    ) -> Int {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return offset }
        (output + offset).initialize(from: source, count: bytes.count)
        return offset + bytes.count
    }

    /// Writes `value` (at most 2^35 - 1: a text is at most `max_event_bytes`, 64 MiB) at `offset` of `bytes` in
    /// LEB128 (seven bits a byte, low bits first, the high bit set on every byte but the last); returns the offset
    /// after it.
    private static func writeVarint(_ value: Int, to bytes: UnsafeMutablePointer<UInt8>, at offset: Int) -> Int {
        var rest = UInt64(truncatingIfNeeded: value)
        var offset = offset
        while rest >= 0x80 {
            bytes[offset] = UInt8(truncatingIfNeeded: rest) | 0x80
            offset += 1
            rest >>= 7
        }
        bytes[offset] = UInt8(truncatingIfNeeded: rest)
        return offset + 1
    }

    /// The varint at `offset` of `bytes`; moves `offset` past it.
    private static func varint(in bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> Int {
        var value = 0
        var shift = 0
        while true {
            let byte = bytes[offset]
            offset += 1
            value |= Int(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// Room for `extra` more bytes: twice the first need, then growing by half (`reserveGrowingByHalf`).
    private mutating func reserve(_ extra: Int) {
        storage.reserveGrowingByHalf(toHold: storage.count + extra)
    }

    /// Where a message's parts are in the log's bytes.
    private struct Header {
        let stamp: MessageStamp
        let eventId: Range<Int>
        let link: Range<Int>
        let text: Range<Int>
    }

    /// The header of the message at `offset` of `bytes`; moves `offset` past the message.
    @inline(__always)
    private static func header(in bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> Header {
        let stamp = MessageStamp(
            raw: Int64(
                littleEndian: UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(fromByteOffset: offset, as: Int64.self)
            ))
        offset += 8
        let idCount = varint(in: bytes, at: &offset)
        let linkCount = varint(in: bytes, at: &offset)
        let textCount = varint(in: bytes, at: &offset)
        let eventId = offset..<offset + idCount
        let link = eventId.upperBound..<eventId.upperBound + linkCount
        let text = link.upperBound..<link.upperBound + textCount
        offset = text.upperBound
        return Header(stamp: stamp, eventId: eventId, link: link, text: text)
    }

    /// One message, read in place: its byte views are valid only inside `withMessages`.
    public struct Message {
        public let stamp: MessageStamp
        public let eventId: UnsafeBufferPointer<UInt8>
        public let link: UnsafeBufferPointer<UInt8>
        public let text: UnsafeBufferPointer<UInt8>
    }

    /// The messages in the order they were appended, as views of the bytes valid inside `body` (held in temporary
    /// memory, on the stack for a session's few).
    public func withMessages<R>(_ body: (UnsafeBufferPointer<Message>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer { bytes in
            try withUnsafeTemporaryAllocation(of: Message.self, capacity: count) { messages in
                guard bytes.baseAddress != nil, let first = messages.baseAddress else {
                    return try body(UnsafeBufferPointer(start: nil, count: 0))
                }
                var offset = 0
                var index = 0
                while offset < bytes.count && index < count {
                    let header = Self.header(in: bytes, at: &offset)
                    (first + index).initialize(
                        to: Message(
                            stamp: header.stamp, eventId: UnsafeBufferPointer(rebasing: bytes[header.eventId]),
                            link: UnsafeBufferPointer(rebasing: bytes[header.link]),
                            text: UnsafeBufferPointer(rebasing: bytes[header.text])))
                    index += 1
                }
                defer { first.deinitialize(count: index) }
                return try body(UnsafeBufferPointer(start: first, count: index))
            }
        }
    }

    /// The messages as values (checkpoints and tests).
    public var messages: [ConversationMessage] {
        withMessages { views in
            views.map { view in
                ConversationMessage(
                    stamp: view.stamp, eventId: String(decoding: view.eventId, as: UTF8.self),
                    link: String(decoding: view.link, as: UTF8.self), text: String(decoding: view.text, as: UTF8.self))
            }
        }
    }
}
