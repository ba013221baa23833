/* Unit tests for WhatsApp's 24-hour window: the boundaries, the wording, the second Enter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "jelou/window.h"

/* A fixed clock: 2025-11-25 12:00:00 UTC. */
#define NOW 1764072000000LL
#define MIN (60LL * 1000)
#define HOUR (60 * MIN)

static void
check_format(long long last_in, long long now, const char *want)
{
    char out[64];
    window_format(last_in, now, out, sizeof out);
    assert_string_equal(out, want);
}

static void
test_open_window_shows_hours_and_minutes(void **state)
{
    (void)state;
    /* The user wrote 20 h 48 m ago: 3 h 12 m left. */
    check_format(NOW - 20 * HOUR - 48 * MIN, NOW, "window 3h 12m");
    check_format(NOW, NOW, "window 24h 00m");
    check_format(NOW - 23 * HOUR, NOW, "window 1h 00m");
    long long left = -1;
    assert_int_equal(window_state(NOW - HOUR, NOW, &left), WINDOW_OPEN);
    assert_int_equal(left, 23 * HOUR);
}

static void
test_last_hour_counts_down_rounded_up(void **state)
{
    (void)state;
    check_format(NOW - 23 * HOUR - 51 * MIN, NOW, "closes in 9m");
    /* 30 seconds left is still open: never "closes in 0m". */
    check_format(NOW - 24 * HOUR + 30000, NOW, "closes in 1m");
    check_format(NOW - 24 * HOUR + 1, NOW, "closes in 1m");
    assert_int_equal(window_state(NOW - 24 * HOUR + 1, NOW, NULL), WINDOW_CLOSING);
    assert_int_equal(window_state(NOW - 23 * HOUR, NOW, NULL), WINDOW_OPEN);
    assert_int_equal(window_state(NOW - 23 * HOUR - 1, NOW, NULL), WINDOW_CLOSING);
}

static void
test_closes_at_24_hours_exactly(void **state)
{
    (void)state;
    long long left = -1;
    assert_int_equal(window_state(NOW - 24 * HOUR, NOW, &left), WINDOW_CLOSED);
    assert_int_equal(left, 0);
    check_format(NOW - 24 * HOUR, NOW, "window closed");
    check_format(NOW - 30 * 24 * HOUR, NOW, "window closed");
    assert_true(window_needs_confirm(NOW - 24 * HOUR, NOW));
    /* One millisecond earlier the message still goes without asking. */
    assert_false(window_needs_confirm(NOW - 24 * HOUR + 1, NOW));
}

static void
test_unknown_without_a_user_message(void **state)
{
    (void)state;
    long long left = -1;
    assert_int_equal(window_state(0, NOW, &left), WINDOW_UNKNOWN);
    assert_int_equal(left, 0);
    check_format(0, NOW, "");
    /* A room the agent opened by hand: nothing known, nothing to confirm. */
    assert_false(window_needs_confirm(0, NOW));
}

static void
test_user_message_during_the_warning_reopens(void **state)
{
    (void)state;
    long long last_in = NOW - 25 * HOUR;
    /* The first Enter warns... */
    assert_true(window_needs_confirm(last_in, NOW));
    /* ...then the user writes while the warning is up: the second Enter finds the window
     * open again and needs no confirmation, and the screen shows the full day. */
    last_in = NOW + 5000;
    assert_false(window_needs_confirm(last_in, NOW + 6000));
    check_format(last_in, NOW + 6000, "window 23h 59m");
    /* The business's own messages do not move last_in: it is still closed a day later. */
    assert_true(window_needs_confirm(last_in, last_in + WINDOW_MS));
}

static void
test_small_buffer_is_cut_not_overrun(void **state)
{
    (void)state;
    char out[8];
    window_format(NOW - 30 * HOUR, NOW, out, sizeof out);
    assert_string_equal(out, "window ");
    window_format(NOW, NOW, NULL, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_window_shows_hours_and_minutes),
        cmocka_unit_test(test_last_hour_counts_down_rounded_up),
        cmocka_unit_test(test_closes_at_24_hours_exactly),
        cmocka_unit_test(test_unknown_without_a_user_message),
        cmocka_unit_test(test_user_message_during_the_warning_reopens),
        cmocka_unit_test(test_small_buffer_is_cut_not_overrun),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
