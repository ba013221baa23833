/* fsync failing on demand (EIO) for unit tests: defined here, it takes the place of libc's
 * inside the test binary that includes this header (once). */
#ifndef JELOU_TEST_FSYNC_FAULT_H
#define JELOU_TEST_FSYNC_FAULT_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A disk that fails on write-back cannot be had without root and a device mapper. */
static int fail_fsync;

int fsync(int fd);

int
fsync(int fd)
{
    if (fail_fsync) {
        errno = EIO;
        return -1;
    }
    return (int)syscall(SYS_fsync, fd);
}

#endif
