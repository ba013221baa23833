/* Unit tests for the Server-Sent Events parser: line ends, split chunks, fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jelou/sse.h"
#include "jelou/xalloc.h"

/* What the callbacks saw, one line each: "TYPE|ID|DATA", "retry N", "comment TEXT". */
struct seen {
    struct buf log;
};

static void
on_event(void *arg, const struct sse_event *ev)
{
    struct seen *s = arg;
    assert_int_equal(strlen(ev->data), ev->data_len);
    buf_printf(&s->log, "%s|%s|%s\n", ev->type, ev->id, ev->data);
}

static void
on_retry(void *arg, long ms)
{
    struct seen *s = arg;
    buf_printf(&s->log, "retry %ld\n", ms);
}

static void
on_comment(void *arg, const char *text)
{
    struct seen *s = arg;
    buf_printf(&s->log, "comment %s\n", text);
}

static struct sse *
parser(struct seen *s)
{
    memset(s, 0, sizeof *s);
    struct sse_callbacks cb = {on_event, on_retry, on_comment, s};
    return sse_new(&cb);
}

static const char *
logged(struct seen *s)
{
    return s->log.len > 0 ? s->log.data : "";
}

/* Feeds the stream whole, then one byte at a time, then in chunks of 2 and 3; each must
 * give the same events. */
static void
check_stream(const char *stream, size_t n, const char *want)
{
    for (size_t step = 0; step <= 3; step++) {
        struct seen s;
        struct sse *p = parser(&s);
        size_t chunk = step == 0 ? n : step;
        for (size_t off = 0; off < n; off += chunk) {
            size_t len = n - off < chunk ? n - off : chunk;
            assert_int_equal(sse_feed(p, stream + off, len, NULL), 0);
        }
        if (strcmp(logged(&s), want) != 0)
            fail_msg("chunks of %zu: got\n%s\nwant\n%s", chunk, logged(&s), want);
        sse_free(p);
        buf_free(&s.log);
    }
}

#define CHECK(stream, want) check_stream(stream, sizeof(stream) - 1, want)

static void
test_line_ends(void **state)
{
    (void)state;
    CHECK("data: a\n\n", "message||a\n");
    CHECK("data: a\r\n\r\n", "message||a\n");
    CHECK("data: a\r\rdata: b\r\n\ndata: c\n\r\n", "message||a\nmessage||b\nmessage||c\n");
    /* A CR then a LF is one line end, even when the LF comes in the next chunk. */
    CHECK("data: x\r\ndata: y\r\n\r\n", "message||x\ny\n");
}

static void
test_multi_line_data_and_fields(void **state)
{
    (void)state;
    CHECK("event: note\nid: 17-0\ndata: {\"a\":\ndata:1}\n\n",
          "note|17-0|{\"a\":\n1}\n");
    /* One space after the colon is dropped, no more; a field without a colon is empty. */
    CHECK("data:  two\ndata\n\n", "message|| two\n\n");
    /* An event with no data is not dispatched, but its id is kept. */
    CHECK("id: 5\nevent: typing\n\ndata: z\n\n", "message|5|z\n");
    /* The event type does not carry over to the next event; the id does. */
    CHECK("event: a\nid: 1\ndata: 1\n\ndata: 2\n\n", "a|1|1\nmessage|1|2\n");
    /* An empty id clears it. */
    CHECK("id: 1\ndata: 1\n\nid\ndata: 2\n\n", "message|1|1\nmessage||2\n");
    /* Unknown fields are ignored; a stream that ends mid-event dispatches nothing. */
    CHECK("foo: bar\ndata: q\n\ndata: lost", "message||q\n");
}

static void
test_comments_and_retry(void **state)
{
    (void)state;
    CHECK(": ping\n\n", "comment  ping\n");
    CHECK("retry: 2500\nretry: 1x\nretry:\nretry: -4\n", "retry 2500\n");
    CHECK(":\ndata: a\n: mid\n\n", "comment \ncomment  mid\nmessage||a\n");
}

static void
test_bom_and_last_id(void **state)
{
    (void)state;
    CHECK("\xEF\xBB\xBF" "data: b\n\n", "message||b\n");
    /* A BOM only counts first; a second one is part of the field name. */
    CHECK("\xEF\xBB\xBF\xEF\xBB\xBF" "data: b\n\n", "");

    struct seen s;
    struct sse *p = parser(&s);
    assert_string_equal(sse_last_id(p), "");
    assert_int_equal(sse_feed(p, "id: 9-1\ndata: x\n\ndata: half", 27, NULL), 0);
    assert_string_equal(sse_last_id(p), "9-1");
    /* A new connection drops the half event and keeps the id to resume from. */
    sse_reset(p);
    assert_int_equal(sse_feed(p, "\ndata: y\n\n", 10, NULL), 0);
    assert_string_equal(logged(&s), "message|9-1|x\nmessage|9-1|y\n");
    sse_free(p);
    buf_free(&s.log);
    sse_free(NULL);
}

static void
test_long_line_refused(void **state)
{
    (void)state;
    struct seen s;
    struct sse *p = parser(&s);
    size_t n = SSE_MAX_LINE / 4;
    char *chunk = xmalloc(n);
    memset(chunk, 'a', n);
    memcpy(chunk, "data: ", 6);
    char *cause = NULL;
    int rc = 0;
    for (int i = 0; i < 5 && rc == 0; i++)
        rc = sse_feed(p, chunk, n, &cause);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(cause, "too long"));
    free(cause);
    cause = NULL;
    /* And it stays refused. */
    assert_int_equal(sse_feed(p, "\n\n", 2, &cause), -1);
    free(cause);
    assert_string_equal(logged(&s), "");
    free(chunk);
    sse_free(p);
    buf_free(&s.log);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_multi_line_data_and_fields),
        cmocka_unit_test(test_comments_and_retry),
        cmocka_unit_test(test_bom_and_last_id),
        cmocka_unit_test(test_long_line_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
