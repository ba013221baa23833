/* Unit tests for the screen geometry from 80x24 to 300x100. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jelou/layout.h"

static void
assert_rect(struct rect r, int row, int col, int rows, int cols)
{
    assert_int_equal(r.row, row);
    assert_int_equal(r.col, col);
    assert_int_equal(r.rows, rows);
    assert_int_equal(r.cols, cols);
}

static void
test_80x24_hides_user_pane(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(24, 80, -1, 1, &l);
    assert_false(l.too_small);
    assert_false(l.user_visible);
    assert_rect(l.status, 23, 0, 1, 80);
    assert_rect(l.compose, 22, 0, 1, 80);
    assert_rect(l.recipient, 21, 0, 1, 80);
    assert_rect(l.rooms, 0, 0, 21, 20);
    assert_rect(l.transcript, 0, 21, 21, 59);
    assert_rect(l.user, 0, 0, 0, 0);
}

static void
test_120x40_shows_user_pane(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(40, 120, -1, 3, &l);
    assert_true(l.user_visible);
    assert_rect(l.compose, 36, 0, 3, 120);
    assert_rect(l.recipient, 35, 0, 1, 120);
    assert_rect(l.rooms, 0, 0, 35, 30);
    assert_rect(l.user, 0, 90, 35, 30);
    /* rooms | transcript | user with one separator column each */
    assert_rect(l.transcript, 0, 31, 35, 58);
    assert_int_equal(l.rooms.cols + 1 + l.transcript.cols + 1 + l.user.cols, 120);
}

static void
test_toggle_overrides_width(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(24, 80, 1, 1, &l);
    assert_true(l.user_visible);
    assert_int_equal(l.user.cols, 24);
    assert_int_equal(l.rooms.cols + 1 + l.transcript.cols + 1 + l.user.cols, 80);
    layout_compute(40, 200, 0, 1, &l);
    assert_false(l.user_visible);
    assert_int_equal(l.rooms.cols + 1 + l.transcript.cols, 200);
}

static void
test_compose_grows_to_five_rows(void **state)
{
    (void)state;
    struct layout l;
    for (int want = 1; want <= 9; want++) {
        layout_compute(30, 100, -1, want, &l);
        assert_int_equal(l.compose.rows, want < 5 ? want : 5);
        assert_int_equal(l.compose.row + l.compose.rows, 29);
    }
    /* Never more than a third of a short screen. */
    layout_compute(12, 80, -1, 5, &l);
    assert_int_equal(l.compose.rows, 4);
}

static void
test_every_size_tiles_the_screen(void **state)
{
    (void)state;
    for (int rows = 24; rows <= 100; rows += 7) {
        for (int cols = 80; cols <= 300; cols += 13) {
            struct layout l;
            layout_compute(rows, cols, -1, 2, &l);
            int sum = l.rooms.cols + 1 + l.transcript.cols + (l.user_visible ? 1 + l.user.cols : 0);
            assert_int_equal(sum, cols);
            assert_int_equal(l.user_visible, cols >= 100);
            assert_true(l.transcript.cols >= 20);
            assert_int_equal(l.rooms.rows, l.recipient.row);
            assert_int_equal(l.status.row, rows - 1);
        }
    }
}

static void
test_too_small(void **state)
{
    (void)state;
    struct layout l;
    layout_compute(9, 80, -1, 1, &l);
    assert_true(l.too_small);
    layout_compute(24, 39, -1, 1, &l);
    assert_true(l.too_small);
    layout_compute(10, 40, -1, 1, &l);
    assert_false(l.too_small);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_80x24_hides_user_pane),
        cmocka_unit_test(test_120x40_shows_user_pane),
        cmocka_unit_test(test_toggle_overrides_width),
        cmocka_unit_test(test_compose_grows_to_five_rows),
        cmocka_unit_test(test_every_size_tiles_the_screen),
        cmocka_unit_test(test_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
