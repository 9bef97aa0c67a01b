import FlywheelEngine

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// The prompts and responses a session keeps for its SFT example, as bytes in one array.
///
/// A message is a header (its time and flags as in `ConversationMessage`, 8 bytes, then the byte counts of its
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
            var text = message.text
            text.withUTF8 {
                append(timeAndFlags: message.timeAndFlags, eventId: message.eventId, link: message.link, text: $0)
            }
        }
    }

    public var isEmpty: Bool { count == 0 }

    /// Forgets every message and lets its memory go.
    public mutating func removeAll() {
        storage = []
        count = 0
    }

    /// Appends a message whose text is the UTF-8 `text` (see `ConversationMessage.init` for `link`).
    public mutating func append(
        time: EventTime, eventId: String, isPrompt: Bool, link: String, text: UnsafeBufferPointer<UInt8>,
        hasPII: Bool
    ) {
        append(
            timeAndFlags: ConversationMessage.pack(time, isPrompt: isPrompt, hasPII: hasPII), eventId: eventId,
            link: link, text: text)
    }

    public mutating func append(contentsOf other: MessageLog) {
        guard !other.isEmpty else { return }
        reserve(other.storage.count)
        storage.append(contentsOf: other.storage)
        count += other.count
    }

    private mutating func append(
        timeAndFlags: Int64, eventId: String, link: String, text: UnsafeBufferPointer<UInt8>
    ) {
        let (idCount, linkCount) = (eventId.utf8.count, link.utf8.count)
        reserve(Self.maximumHeaderSize + idCount + linkCount + text.count)
        withUnsafeBytes(of: timeAndFlags.littleEndian) { storage.append(contentsOf: $0) }
        Self.appendVarint(idCount, to: &storage)
        Self.appendVarint(linkCount, to: &storage)
        Self.appendVarint(text.count, to: &storage)
        Self.appendUTF8(eventId, to: &storage)
        Self.appendUTF8(link, to: &storage)
        storage.append(contentsOf: text)
        count += 1
    }

    /// `value` (at most 2^35 - 1: a text is at most `max_event_bytes`, 64 MiB) in LEB128: seven bits a byte, low
    /// bits first, the high bit set on every byte but the last.
    private static func appendVarint(_ value: Int, to storage: inout [UInt8]) {
        var rest = UInt64(truncatingIfNeeded: value)
        while rest >= 0x80 {
            storage.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        storage.append(UInt8(truncatingIfNeeded: rest))
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

    private static func appendUTF8(_ string: String, to storage: inout [UInt8]) {
        if string.utf8.withContiguousStorageIfAvailable({ storage.append(contentsOf: $0) }) == nil {
            storage.append(contentsOf: string.utf8)
        }
    }

    /// Room for `extra` more bytes (see `capacity(growing:toHold:)`).
    private mutating func reserve(_ extra: Int) {
        let needed = storage.count + extra
        guard needed > storage.capacity else { return }
        storage.reserveCapacity(Self.capacity(growing: storage.capacity, toHold: needed))
    }

    /// The room a per-conversation byte buffer (a session's log, a pair state's arena) of `capacity` bytes grows
    /// to when it must hold `needed`: twice that at first (room for about one more message), then half as much
    /// again each time, so that a long conversation's appends cost amortized constant time. Measured against
    /// exact fits below 1 KiB (`flywheel bench state`, the operators' micro-benchmarks): those took 7 % less
    /// memory per open conversation (2,020 B against 2,169 B) but 26 % more allocations in the operators
    /// (2,815 against 2,231 per 1,000 events) and 4 % more time; room for four messages at first took 25 B more
    /// for 7 % fewer allocations.
    static func capacity(growing capacity: Int, toHold needed: Int) -> Int {
        Swift.max(needed, capacity == 0 ? needed * 2 : capacity + capacity / 2)
    }

    /// One message, read in place: its byte views are valid only inside `withMessages`.
    public struct Message {
        let timeAndFlags: Int64
        public let eventId: UnsafeBufferPointer<UInt8>
        public let link: UnsafeBufferPointer<UInt8>
        public let text: UnsafeBufferPointer<UInt8>

        public var time: EventTime { EventTime(millis: timeAndFlags >> 2) }
        public var isPrompt: Bool { timeAndFlags & 1 != 0 }
        public var hasPII: Bool { timeAndFlags & 2 != 0 }
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
                    let timeAndFlags = Int64(
                        littleEndian: UnsafeRawPointer(base).loadUnaligned(fromByteOffset: offset, as: Int64.self))
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
                        to: Message(timeAndFlags: timeAndFlags, eventId: eventId, link: link, text: text))
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
                    timeAndFlags: view.timeAndFlags, eventId: String(decoding: view.eventId, as: UTF8.self),
                    link: String(decoding: view.link, as: UTF8.self), text: String(decoding: view.text, as: UTF8.self))
            }
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// Code-point order of two UTF-8 byte strings (byte order is code-point order in UTF-8).
    func utf8Precedes(_ other: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = Swift.min(count, other.count)
        if common > 0, let mine = baseAddress, let theirs = other.baseAddress {
            let order = memcmp(mine, theirs, common)
            if order != 0 { return order < 0 }
        }
        return count < other.count
    }

    /// Whether the two hold the same bytes.
    func hasSameBytes(as other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard count == other.count else { return false }
        guard count > 0, let mine = baseAddress, let theirs = other.baseAddress else { return true }
        return memcmp(mine, theirs, count) == 0
    }
}
