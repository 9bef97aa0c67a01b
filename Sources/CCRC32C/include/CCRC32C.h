#ifndef FLYWHEEL_CCRC32C_H
#define FLYWHEEL_CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU computes CRC-32C in hardware (x86-64 SSE 4.2, AArch64 CRC32), else 0.
int flywheel_crc32c_hardware(void);

/// Continues the raw (not inverted) CRC-32C register `crc` over `length` bytes at `bytes` with the CPU's CRC-32C
/// instructions. Call only when `flywheel_crc32c_hardware()` is 1.
uint32_t flywheel_crc32c_update(uint32_t crc, const void *bytes, size_t length);

#endif
