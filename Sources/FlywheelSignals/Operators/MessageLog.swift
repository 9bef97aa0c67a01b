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
    /// `link`).
    public mutating func append(
        time: EventTime, eventId: UnsafeBufferPointer<UInt8>, isPrompt: Bool, link: UnsafeBufferPointer<UInt8>,
        text: UnsafeBufferPointer<UInt8>, hasPII: Bool
    ) {
        append(
            stamp: MessageStamp(time: time, isPrompt: isPrompt, hasPII: hasPII), eventId: eventId, link: link,
            text: text)
    }

    public mutating func append(contentsOf other: MessageLog) {
        guard !other.isEmpty else { return }
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
                guard let base = bytes.baseAddress, let first = messages.baseAddress else {
                    return try body(UnsafeBufferPointer(start: nil, count: 0))
                }
                var offset = 0
                var index = 0
                while offset < bytes.count && index < count {
                    let stamp = MessageStamp(
                        raw: Int64(
                            littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: Int64.self)))
                    offset += 8
                    let idCount = Self.varint(in: bytes, at: &offset)
                    let linkCount = Self.varint(in: bytes, at: &offset)
                    let textCount = Self.varint(in: bytes, at: &offset)
                    let eventId = UnsafeBufferPointer(start: base + offset, count: idCount)
                    offset += idCount
                    let link = UnsafeBufferPointer(start: base + offset, count: linkCount)
                    offset += linkCount
                    let text = UnsafeBufferPointer(start: base + offset, count: textCount)
                    offset += textCount
                    (first + index).initialize(
                        to: Message(stamp: stamp, eventId: eventId, link: link, text: text))
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
