/* The monotonic and the wall clock in milliseconds, one definition of each. */
#include "jelou/clock.h"

#include <time.h>

static long long
read_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long
clock_mono_ms(void)
{
    return read_ms(CLOCK_MONOTONIC);
}

long long
clock_wall_ms(void)
{
    return read_ms(CLOCK_REALTIME);
}
