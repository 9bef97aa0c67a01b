import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every log record frame.
///
/// With the CPU's CRC-32C instructions where it has them (`hasHardware`), else table-driven "slicing by 8" in
/// plain Swift: the same result on every machine. `checksum("123456789")` is `0xE3069283`.
public enum CRC32C {
    /// Eight 256-entry tables: `tables[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes.
    static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        return tables
    }()

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let array = Array(bytes)
        return array.withUnsafeBytes { update(0, $0) }
    }

    /// The CRC-32C of the bytes at `buffer`.
    public static func checksum(_ buffer: UnsafeRawBufferPointer) -> UInt32 {
        update(0, buffer)
    }

    /// This CPU has CRC-32C instructions (x86-64 SSE 4.2, AArch64 CRC32): `update` uses them.
    public static let hasHardware = flywheel_crc32c_hardware() != 0

    /// Continues `crc` (the checksum of the bytes before) over `buffer`; `update(0, b)` is `checksum(b)`.
    public static func update(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        guard hasHardware, let base = buffer.baseAddress else { return tableUpdate(crc, buffer) }
        return ~flywheel_crc32c_update(~crc, base, buffer.count)
    }

    /// `update` with the tables alone (what a CPU without the instructions runs; tests compare the two).
    static func tableUpdate(_ crc: UInt32, _ buffer: UnsafeRawBufferPointer) -> UInt32 {
        tables.withUnsafeBufferPointer { table in
            var crc = ~crc
            var index = 0
            let count = buffer.count
            while index + 8 <= count {
                let low = crc ^ UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                let high = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                crc =
                    table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = (crc >> 8) ^ table[Int((crc ^ UInt32(buffer[index])) & 0xFF)]
                index += 1
            }
            return ~crc
        }
    }
}
