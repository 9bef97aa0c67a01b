#define _GNU_SOURCE
#include "CFileIO.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int flywheel_write_back(int fd, int64_t offset, int64_t length) {
#if defined(__linux__)
    unsigned int flags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (sync_file_range(fd, (off_t)offset, (off_t)length, flags) == 0) return 0;
    // A file system or file that does not support it: an fdatasync does the job, with a journal commit.
    if (errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP || errno == ESPIPE) {
        return fdatasync(fd) == 0 ? 0 : errno;
    }
    return errno;
#else
    (void)offset;
    (void)length;
    return fdatasync(fd) == 0 ? 0 : errno;
#endif
}

int flywheel_start_write_back(int fd) {
#if defined(__linux__)
    return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE) == 0 ? 0 : errno;
#else
    (void)fd;
    return 0;
#endif
}
