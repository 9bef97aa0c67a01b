#ifndef FLYWHEEL_CPREFETCH_H
#define FLYWHEEL_CPREFETCH_H

/// Asks the CPU to bring the cache line at `address` into this core's cache, to be written (`for_write`
/// nonzero) or read. A hint: it never faults and does nothing where the CPU has no such instruction.
/// Static inline, so that Swift code inlines it as one instruction.
static inline __attribute__((always_inline)) void flywheel_prefetch(const void *address, int for_write) {
    if (for_write) {
        __builtin_prefetch(address, 1, 3);
    } else {
        __builtin_prefetch(address, 0, 3);
    }
}

#endif
