#ifndef FLYWHEEL_CFILEIO_H
#define FLYWHEEL_CFILEIO_H

#include <stdint.h>

/// Writes the dirty pages of `length` bytes at `offset` of `fd` to the disk and waits for them, without
/// committing the file's metadata (Linux `sync_file_range`; `fdatasync` elsewhere, and where the file system
/// does not support it). Returns 0, or an errno.
int flywheel_write_back(int fd, int64_t offset, int64_t length);

/// Starts writing the dirty pages of `fd` to the disk without waiting (Linux `sync_file_range` with
/// `SYNC_FILE_RANGE_WRITE` over the whole file; elsewhere nothing). Returns 0, or an errno.
int flywheel_start_write_back(int fd);

#endif
