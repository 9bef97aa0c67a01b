extension JSONFieldScanner {
    /// An open-addressing hash table from the UTF-8 bytes of the wanted keys to their slots in `values`.
    ///
    /// Lookups allocate nothing: a key is identified by its length and its first 16 bytes packed in two
    /// words, and only keys longer than 16 bytes compare the rest byte by byte.
    struct KeyTable: Sendable {
        private struct Entry: Sendable {
            var slot = -1
            var length = 0
            var head: UInt64 = 0
            var tail: UInt64 = 0
            var offset = 0
        }

        /// Invariant: at most a quarter of the entries are used, so every probe sequence meets an empty one.
        private var entries: [Entry]
        private let shift: UInt64
        private var keyBytes: [UInt8] = []

        init(keys: [String]) {
            var capacity = 16
            while capacity < keys.count * 4 {
                capacity *= 2
            }
            entries = Array(repeating: Entry(), count: capacity)
            shift = UInt64(64 - capacity.trailingZeroBitCount)
            for (slot, key) in keys.enumerated() {
                insert(Array(key.utf8), slot: slot)
            }
        }

        private mutating func insert(_ key: [UInt8], slot: Int) {
            let padded = key + [0]  // never empty, so it always has a base address
            let prefix: (UInt64, UInt64)? = padded.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress, index(of: base, count: key.count) == nil else { return nil }
                return Self.packedPrefix(base, count: key.count)
            }
            guard let (head, tail) = prefix else { return }
            var position = Int(truncatingIfNeeded: Self.hash(head, tail, key.count) >> shift)
            while entries[position].slot >= 0 {
                position = (position + 1) & (entries.count - 1)
            }
            entries[position] = Entry(slot: slot, length: key.count, head: head, tail: tail, offset: keyBytes.count)
            keyBytes.append(contentsOf: key)
        }

        /// The slot of the key whose UTF-8 bytes are `key[0..<count]`, or nil when it is not wanted.
        func index(of key: UnsafePointer<UInt8>, count: Int) -> Int? {
            let (head, tail) = Self.packedPrefix(key, count: count)
            return index(head: head, tail: tail, count: count, key: key)
        }

        /// Looks up the member name at `name` when it is plain ASCII of at most 15 bytes, as most are: returns
        /// its length and its slot (nil when not wanted), or nil when the name needs ``index(of:count:)``
        /// after a full scan. `name[0..<16]` must be readable.
        ///
        /// The two words loaded here both find the closing quote and identify the key.
        @inline(__always)
        func lookUpShortName(at name: UnsafePointer<UInt8>) -> (count: Int, slot: Int?)? {
            let raw = UnsafeRawPointer(name)
            let head = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
            let tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            let count: Int
            let inHead = JSONFieldScanner.specialBytes(head)
            if inHead != 0 {
                count = inHead.trailingZeroBitCount &>> 3
            } else {
                let inTail = JSONFieldScanner.specialBytes(tail)
                guard inTail != 0 else { return nil }
                count = 8 &+ inTail.trailingZeroBitCount &>> 3
            }
            guard name[count] == JSONFieldScanner.ASCII.quote else { return nil }
            let slot = index(
                head: head & Self.lowBytesMask(count), tail: tail & Self.lowBytesMask(count &- 8), count: count,
                key: name)
            return (count, slot)
        }

        @inline(__always)
        private func index(head: UInt64, tail: UInt64, count: Int, key: UnsafePointer<UInt8>) -> Int? {
            var position = Int(truncatingIfNeeded: Self.hash(head, tail, count) >> shift)
            while true {
                let entry = entries[position]
                if entry.slot < 0 { return nil }
                if entry.length == count && entry.head == head && entry.tail == tail
                    && (count <= 16 || restMatches(entry, key))
                {
                    return entry.slot
                }
                position = (position &+ 1) & (entries.count &- 1)
            }
        }

        private func restMatches(_ entry: Entry, _ key: UnsafePointer<UInt8>) -> Bool {
            for offset in 16..<entry.length where keyBytes[entry.offset &+ offset] != key[offset] {
                return false
            }
            return true
        }

        @inline(__always)
        private static func hash(_ head: UInt64, _ tail: UInt64, _ count: Int) -> UInt64 {
            (head ^ (tail &* 31) ^ UInt64(truncatingIfNeeded: count)) &* 0x9E37_79B9_7F4A_7C15
        }

        /// Bytes 0..<8 and 8..<16 of the key, little-endian, zero-padded past `count`.
        @inline(__always)
        private static func packedPrefix(_ key: UnsafePointer<UInt8>, count: Int) -> (UInt64, UInt64) {
            if count >= 16 {
                let raw = UnsafeRawPointer(key)
                return (
                    UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)),
                    UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                )
            }
            if count >= 8 {
                let head = UInt64(littleEndian: UnsafeRawPointer(key).loadUnaligned(as: UInt64.self))
                return (head, packed(key + 8, count: count &- 8))
            }
            return (packed(key, count: count), 0)
        }

        /// A mask of the low `count` bytes of a word: none for `count <= 0`, all for `count >= 8`.
        @inline(__always)
        private static func lowBytesMask(_ count: Int) -> UInt64 {
            if count <= 0 { return 0 }
            if count >= 8 { return ~0 }
            return (1 &<< UInt64(count &* 8)) &- 1
        }

        @inline(__always)
        private static func packed(_ bytes: UnsafePointer<UInt8>, count: Int) -> UInt64 {
            var word: UInt64 = 0
            var offset = count
            while offset > 0 {
                offset &-= 1
                word = word << 8 | UInt64(bytes[offset])
            }
            return word
        }
    }
}
