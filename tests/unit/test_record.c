/* Unit tests for records written without cJSON: the same bytes as the cJSON path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jelou/record.h"
#include "jelou/xalloc.h"

/* One string value both ways: the journal and result lines must read as they did. */
static void
same_string(const char *value, size_t n)
{
    struct record *r = record_new();
    record_strn(r, "k", value, n);
    record_int(r, "n", -9007199254740993LL);
    record_str(r, "z", NULL);
    char *want = record_finish(r);

    struct buf b = {0};
    record_line_begin(&b);
    record_line_strn(&b, "k", value, n);
    record_line_int(&b, "n", -9007199254740993LL);
    record_line_str(&b, "z", NULL);
    record_line_end(&b);
    assert_string_equal(b.data, want);
    free(want);
    buf_free(&b);
}

static void
test_plain_and_escapes(void **state)
{
    (void)state;
    same_string("", 0);
    same_string("hola", 4);
    static const char ctl[] = "a\"b\\c/d\b\f\n\r\t\x01\x1f\x7f end";
    same_string(ctl, sizeof ctl - 1);
    same_string("{\"value\":{\"text\":\"l\xc3\xadnea\"}}", 26);
}

/* Bad UTF-8 and a NUL become U+FFFD on both paths: the line stays valid JSON. */
static void
test_bad_bytes(void **state)
{
    (void)state;
    same_string("caf\xe9", 4);
    same_string("a\0b", 3);
    same_string("\xf0\x9f\x98", 3); /* a cut emoji */
    same_string("\xf0\x9f\x98\x80 ok", 7);
}

/* Records follow each other in one buffer (the journal's held turn): each is its own. */
static void
test_two_records_in_one_buffer(void **state)
{
    (void)state;
    struct buf b = {0};
    record_line_begin(&b);
    record_line_str(&b, "op", "queued");
    record_line_end(&b);
    buf_append(&b, "\n", 1);
    record_line_begin(&b);
    record_line_int(&b, "attempt", 1);
    record_line_str(&b, "id", "x");
    record_line_end(&b);
    assert_string_equal(b.data, "{\"op\":\"queued\"}\n{\"attempt\":1,\"id\":\"x\"}");
    buf_free(&b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_escapes),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_two_records_in_one_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
