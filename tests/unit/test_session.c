/* Unit tests for session (rooms, counters, waiting, sorting, status and preview text) and
 * for the record reader (record_parse and its getters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "jelou/record.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"

#define MIN 60000LL

static struct chat_msg *
msg(enum chat_dir dir, const char *id, const char *text, long long t)
{
    struct chat_msg *m = chat_msg_new(dir, MSG_TEXT);
    m->id = id ? strdup(id) : NULL;
    m->text = text ? strdup(text) : NULL;
    m->time_ms = t;
    return m;
}

static struct chat_msg *
media(enum msg_type type, const char *url, const char *caption, const char *filename)
{
    struct chat_msg *m = chat_msg_new(CHAT_OUT, type);
    m->url = url ? strdup(url) : NULL;
    m->caption = caption ? strdup(caption) : NULL;
    m->filename = filename ? strdup(filename) : NULL;
    return m;
}

static void
test_open_find(void **state)
{
    (void)state;
    struct session *s = session_new();
    assert_int_equal(s->sort, SORT_WAITING);
    assert_null(session_room(s, "R1"));

    struct room *a = session_open(s, "R1", "U1", NULL);
    assert_non_null(a);
    assert_string_equal(a->id, "R1");
    assert_string_equal(a->user, "U1");
    assert_null(a->name);
    assert_non_null(a->draft);
    assert_int_equal(a->state, ROOM_UNKNOWN);
    assert_int_equal(s->nrooms, 1);

    /* Opening again finds the same room; the name is filled in now that it is known, the
     * user is not replaced. */
    struct room *again = session_open(s, "R1", "U-other", "Ana");
    assert_ptr_equal(again, a);
    assert_int_equal(s->nrooms, 1);
    assert_string_equal(a->user, "U1");
    assert_string_equal(a->name, "Ana");
    assert_ptr_equal(session_open(s, "R1", NULL, "Bea"), a);
    assert_string_equal(a->name, "Ana");

    /* A room learnt without a user (a conversation event) gets it later. */
    struct room *b = session_open(s, "R2", NULL, "");
    assert_null(b->user);
    assert_null(b->name);
    session_open(s, "R2", "U2", "Luis");
    assert_string_equal(b->user, "U2");
    assert_string_equal(b->name, "Luis");

    assert_ptr_equal(session_room(s, "R2"), b);
    assert_ptr_equal(s->rooms[0], a);
    assert_ptr_equal(s->rooms[1], b);
    assert_null(session_open(s, NULL, "U", NULL));
    assert_null(session_open(s, "", "U", NULL));
    assert_int_equal(s->nrooms, 2);
    session_free(s);
    session_free(NULL);
}

static void
test_find_msg_and_dedup(void **state)
{
    (void)state;
    struct session *s = session_new();
    struct room *a = session_open(s, "R1", "U1", NULL);
    struct room *b = session_open(s, "R2", "U2", NULL);
    room_add(a, msg(CHAT_IN, "in-1", "hola", 1000));
    room_add(b, msg(CHAT_OUT, "out-1", "buenas", 2000));

    struct room *where = NULL;
    struct chat_msg *m = session_find_msg(s, "out-1", &where);
    assert_non_null(m);
    assert_string_equal(m->text, "buenas");
    assert_ptr_equal(where, b);
    m = session_find_msg(s, "in-1", &where);
    assert_ptr_equal(where, a);
    assert_string_equal(m->text, "hola");
    where = a;
    assert_null(session_find_msg(s, "nope", &where));
    assert_null(where);
    assert_non_null(session_find_msg(s, "in-1", NULL));

    assert_int_equal(room_has_msg(a, "in-1", CHAT_IN), 1);
    assert_int_equal(room_has_msg(a, "in-1", CHAT_OUT), 0);
    assert_int_equal(room_has_msg(b, "in-1", CHAT_IN), 0);
    assert_int_equal(room_has_msg(a, "other", CHAT_IN), 0);
    session_free(s);
}

static void
test_counters_and_waiting(void **state)
{
    (void)state;
    struct session *s = session_new();
    struct room *r = session_open(s, "R1", "U1", "Ana");

    room_add(r, msg(CHAT_IN, "i1", "hola", 10 * MIN));
    assert_int_equal(r->n_in, 1);
    assert_int_equal(r->last_in_ms, 10 * MIN);
    assert_int_equal(r->last_ms, 10 * MIN);
    assert_int_equal(r->waiting_since, 10 * MIN);

    /* A second message does not restart the wait: the user has waited since the first. */
    room_add(r, msg(CHAT_IN, "i2", "¿hay alguien?", 12 * MIN));
    assert_int_equal(r->n_in, 2);
    assert_int_equal(r->last_in_ms, 12 * MIN);
    assert_int_equal(r->waiting_since, 10 * MIN);

    /* A note is neither side of the conversation. */
    room_add(r, msg(CHAT_NOTE, NULL, "conversation closed", 13 * MIN));
    assert_int_equal(r->n_in, 2);
    assert_int_equal(r->n_out, 0);
    assert_int_equal(r->last_ms, 12 * MIN);
    assert_int_equal(r->waiting_since, 10 * MIN);

    /* An earlier session's send counts but does not answer today's wait. */
    struct chat_msg *old = msg(CHAT_OUT, "o0", "old", 1 * MIN);
    old->earlier = 1;
    room_add(r, old);
    assert_int_equal(r->n_out, 1);
    assert_int_equal(r->waiting_since, 10 * MIN);
    assert_int_equal(r->last_ms, 12 * MIN);

    /* An earlier session's reply sent after the question does answer it. */
    struct room *r2 = session_open(s, "R2", "U2", NULL);
    room_add(r2, msg(CHAT_IN, "j1", "hola", 20 * MIN));
    struct chat_msg *later = msg(CHAT_OUT, "p1", "hola", 21 * MIN);
    later->earlier = 1;
    room_add(r2, later);
    assert_int_equal(r2->waiting_since, 0);
    /* ... and a message older than the last reply does not start a wait. */
    room_add(r2, msg(CHAT_IN, "j0", "late history", 19 * MIN));
    assert_int_equal(r2->waiting_since, 0);

    struct chat_msg *img = media(MSG_IMAGE, "https://cdn.example.com/a.png", NULL, NULL);
    img->time_ms = 15 * MIN;
    room_add(r, img);
    assert_int_equal(r->n_out, 2);
    assert_int_equal(r->n_media_out, 1);
    assert_int_equal(r->waiting_since, 0);
    assert_int_equal(r->last_ms, 15 * MIN);
    assert_int_equal(r->last_in_ms, 12 * MIN);

    room_add(r, msg(CHAT_OUT, "o2", "listo", 16 * MIN));
    assert_int_equal(r->n_out, 3);
    assert_int_equal(r->n_media_out, 1);

    /* The user writes again: a new wait starts at that message. */
    room_add(r, msg(CHAT_IN, "i3", "gracias", 20 * MIN));
    assert_int_equal(r->waiting_since, 20 * MIN);
    assert_int_equal(r->n_in, 3);
    assert_int_equal(r->nmsgs, 7);
    assert_string_equal(r->msgs[6]->id, "i3");
    assert_int_equal(r->unread, 0);
    session_free(s);
}

/* Five rooms: two waiting (C since 5 min, A since 8 min), three answered or idle. */
static struct session *
five_rooms(void)
{
    struct session *s = session_new();
    struct room *a = session_open(s, "A", "u", NULL);
    struct room *b = session_open(s, "B", "u", NULL);
    struct room *c = session_open(s, "C", "u", NULL);
    struct room *d = session_open(s, "D", "u", NULL);
    session_open(s, "E", "u", NULL); /* no messages at all */

    room_add(a, msg(CHAT_IN, "a1", "x", 8 * MIN));
    room_add(b, msg(CHAT_IN, "b1", "x", 1 * MIN));
    room_add(b, msg(CHAT_OUT, "b2", "x", 9 * MIN));
    room_add(c, msg(CHAT_IN, "c1", "x", 5 * MIN));
    room_add(d, msg(CHAT_IN, "d1", "x", 2 * MIN));
    room_add(d, msg(CHAT_OUT, "d2", "x", 9 * MIN)); /* same last activity as B */
    return s;
}

static void
assert_order(struct session *s, const char *want)
{
    struct room *out[8];
    char got[9] = {0};
    size_t n = session_sorted(s, out, 8);
    assert_int_equal(n, strlen(want));
    for (size_t i = 0; i < n; i++)
        got[i] = out[i]->id[0];
    assert_string_equal(got, want);
}

static void
test_sort_waiting(void **state)
{
    (void)state;
    struct session *s = five_rooms();
    /* Waiting, longest first: C (since 5) before A (since 8). Then by last activity:
     * B and D tie at 9 and keep creation order; E never spoke. */
    assert_order(s, "CABDE");

    /* Fewer slots than rooms: the head of the same order. */
    struct room *out[2];
    assert_int_equal(session_sorted(s, out, 2), 2);
    assert_string_equal(out[0]->id, "C");
    assert_string_equal(out[1]->id, "A");
    assert_int_equal(session_sorted(s, out, 0), 0);

    /* Answering C moves it among the rest, by its new last activity (10). */
    room_add(session_room(s, "C"), msg(CHAT_OUT, "c2", "x", 10 * MIN));
    assert_order(s, "ACBDE");
    session_free(s);
}

static void
test_sort_recent(void **state)
{
    (void)state;
    struct session *s = five_rooms();
    s->sort = SORT_RECENT;
    /* Last activity: B 9, D 9 (creation order), A 8, C 5, E 0. */
    assert_order(s, "BDACE");
    room_add(session_room(s, "E"), msg(CHAT_IN, "e1", "x", 11 * MIN));
    assert_order(s, "EBDAC");
    session_free(s);

    struct session *empty = session_new();
    struct room *out[1];
    assert_int_equal(session_sorted(empty, out, 1), 0);
    session_free(empty);
}

static void
status_is(struct chat_msg *m, const char *want)
{
    char *got = chat_msg_status(m);
    assert_string_equal(got, want);
    free(got);
}

static void
test_status(void **state)
{
    (void)state;
    struct chat_msg *m = msg(CHAT_OUT, "o1", "hola", 0);
    m->max_attempts = 3;

    m->state = SEND_QUEUED;
    status_is(m, "queued");
    m->state = SEND_SENDING;
    status_is(m, "sending");
    m->attempt = 2;
    status_is(m, "sending (attempt 2/3)");
    m->state = SEND_ACCEPTED;
    m->http_status = 200;
    status_is(m, "accepted 200");
    m->http_status = 202;
    status_is(m, "accepted 202");

    m->state = SEND_FAILED;
    m->http_status = 500;
    m->error = strdup("HTTP 500: {\"error\":\"boom\"}");
    status_is(m, "failed 500: {\"error\":\"boom\"}");
    free(m->error);
    m->error = strdup("HTTP 500");
    status_is(m, "failed 500");
    free(m->error);
    /* Only the prefix for this status is redundant. */
    m->error = strdup("HTTP 502: bad gateway");
    status_is(m, "failed 500: HTTP 502: bad gateway");
    free(m->error);
    m->error = NULL;
    status_is(m, "failed 500");

    m->http_status = 0;
    m->error = strdup("Could not resolve host: chatbot.jelou.ai");
    status_is(m, "failed: Could not resolve host: chatbot.jelou.ai");
    free(m->error);
    m->error = NULL;
    status_is(m, "failed");

    m->dir = CHAT_IN;
    status_is(m, "");
    m->dir = CHAT_NOTE;
    status_is(m, "");
    chat_msg_free(m);
    chat_msg_free(NULL);
}

static void
preview_is(struct chat_msg *m, const char *want)
{
    char *got = chat_msg_preview(m);
    assert_string_equal(got, want);
    free(got);
    chat_msg_free(m);
}

static void
test_preview(void **state)
{
    (void)state;
    preview_is(msg(CHAT_OUT, "1", "Hola Ana\nsegunda línea", 0), "Hola Ana");
    preview_is(msg(CHAT_IN, "2", "una sola", 0), "una sola");
    preview_is(msg(CHAT_IN, "3", "\nafter a blank", 0), "");
    preview_is(msg(CHAT_NOTE, NULL, "conversation closed", 0), "conversation closed");

    preview_is(media(MSG_IMAGE, "https://cdn.example.com/a.png", "Así pagas", NULL),
               "[image] Así pagas");
    preview_is(media(MSG_IMAGE, "https://cdn.example.com/a.png", NULL, NULL), "[image]");
    preview_is(media(MSG_IMAGE, "https://cdn.example.com/a.png", "one\ntwo", NULL),
               "[image] one");
    preview_is(media(MSG_VIDEO, "https://cdn.example.com/v.mp4", NULL, NULL), "[video]");
    preview_is(media(MSG_VIDEO, "https://cdn.example.com/v.mp4", "Mira", NULL), "[video] Mira");
    preview_is(media(MSG_AUDIO, "https://cdn.example.com/a.mp3", NULL, NULL), "[audio]");
    preview_is(media(MSG_DOCUMENT, "https://cdn.example.com/x/y.pdf", NULL, "name.pdf"),
               "[document] name.pdf");
    preview_is(media(MSG_DOCUMENT, "https://cdn.example.com/files/guide.pdf", NULL, NULL),
               "[document] guide.pdf");
    preview_is(media(MSG_DOCUMENT, "https://cdn.example.com/files/guide.pdf?sig=a/b#p2", NULL,
                     NULL),
               "[document] guide.pdf");
    preview_is(media(MSG_DOCUMENT, "https://cdn.example.com/files/", NULL, NULL), "[document]");
    preview_is(media(MSG_DOCUMENT, "https://cdn.example.com", NULL, NULL), "[document]");
}

static void
duration_is(long long ms, const char *want)
{
    char out[16];
    session_format_duration(ms, out, sizeof out);
    assert_string_equal(out, want);
}

static void
test_duration(void **state)
{
    (void)state;
    duration_is(0, "<1m");
    duration_is(59999, "<1m");
    duration_is(-5000, "<1m");
    duration_is(60000, "1m");
    duration_is(4 * MIN + 59000, "4m");
    duration_is(59 * MIN, "59m");
    duration_is(60 * MIN, "1h00m");
    duration_is(125 * MIN, "2h05m");
    duration_is(23 * 60 * MIN + 59 * MIN, "23h59m");
    duration_is(24 * 60 * MIN, "1d");
    duration_is(3 * 24 * 60 * MIN + 23 * 60 * MIN, "3d");

    char tiny[3];
    session_format_duration(125 * MIN, tiny, sizeof tiny);
    assert_string_equal(tiny, "2h");
}

static struct record_view *
parse(const char *line)
{
    char *cause = NULL;
    struct record_view *v = record_parse(line, strlen(line), &cause);
    assert_non_null(v);
    assert_null(cause);
    return v;
}

static void
parse_fails(const char *line, size_t len, const char *want)
{
    char *cause = NULL;
    assert_null(record_parse(line, len, &cause));
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

static void
test_record_parse(void **state)
{
    (void)state;
    long long n = -1;
    struct record_view *v = parse("{\"s\":\"héllo\",\"i\":1776134278574,\"neg\":-3,"
                                  "\"t\":true,\"f\":false,\"z\":null,\"d\":1.5,"
                                  "\"e\":1e3,\"big\":9007199254740993,"
                                  "\"o\":{\"s\":\"inner\"},\"a\":[1],\"num\":\"12\"}  ");
    assert_string_equal(record_get_str(v, "s"), "héllo");
    assert_null(record_get_str(v, "i"));
    assert_null(record_get_str(v, "z"));
    assert_null(record_get_str(v, "o"));
    assert_null(record_get_str(v, "missing"));

    assert_int_equal(record_get_int(v, "i", &n), 0);
    assert_true(n == 1776134278574LL);
    assert_int_equal(record_get_int(v, "neg", &n), 0);
    assert_true(n == -3);
    assert_int_equal(record_get_int(v, "t", &n), 0);
    assert_true(n == 1);
    assert_int_equal(record_get_int(v, "f", &n), 0);
    assert_true(n == 0);
    assert_int_equal(record_get_int(v, "e", &n), 0);
    assert_true(n == 1000);
    n = 42;
    assert_int_equal(record_get_int(v, "d", &n), -1);
    assert_int_equal(record_get_int(v, "z", &n), -1);
    assert_int_equal(record_get_int(v, "s", &n), -1);
    assert_int_equal(record_get_int(v, "num", &n), -1);
    assert_int_equal(record_get_int(v, "o", &n), -1);
    assert_int_equal(record_get_int(v, "a", &n), -1);
    assert_int_equal(record_get_int(v, "missing", &n), -1);
    /* Past 2^53 the double cJSON holds may not be the number written. */
    assert_int_equal(record_get_int(v, "big", &n), -1);
    assert_true(n == 42);
    record_view_free(v);
    record_view_free(NULL);

    /* Only len bytes count: the rest of a buffer is not part of the line. */
    const char *two = "{\"a\":\"x\"}{\"b\":1}";
    v = record_parse(two, 9, NULL);
    assert_non_null(v);
    assert_string_equal(record_get_str(v, "a"), "x");
    record_view_free(v);

    /* What the writer writes, the reader reads back. */
    struct record *w = record_new();
    record_str(w, "id", "m-1");
    record_int(w, "time", 1776134278574LL);
    record_bool(w, "ok", 1);
    record_str(w, "error", NULL);
    char *line = record_finish(w);
    v = parse(line);
    free(line);
    assert_string_equal(record_get_str(v, "id"), "m-1");
    assert_int_equal(record_get_int(v, "time", &n), 0);
    assert_true(n == 1776134278574LL);
    assert_int_equal(record_get_int(v, "ok", &n), 0);
    assert_true(n == 1);
    assert_null(record_get_str(v, "error"));
    record_view_free(v);

    const char *torn = "{\"id\":\"m-1\",\"room\":\"R";
    parse_fails(torn, strlen(torn), "not valid JSON");
    parse_fails("garbage", 7, "not valid JSON");
    parse_fails("", 0, "not valid JSON");
    parse_fails("{\"a\":1} x", 9, "not valid JSON");
    parse_fails("{\"a\":1}\0{", 9, "not valid JSON");
    parse_fails("[1,2]", 5, "not a JSON object");
    parse_fails("\"text\"", 6, "not a JSON object");
    parse_fails("42", 2, "not a JSON object");
    assert_null(record_parse("{", 1, NULL));
}

/* Earlier messages keep id and text in one block; freeing it must free it once. */
static void
test_pack(void **state)
{
    (void)state;
    struct chat_msg *m = chat_msg_new(CHAT_OUT, MSG_TEXT);
    chat_msg_pack(m, xstrdup("id-1"), xstrdup("hola"));
    assert_true(m->packed);
    assert_string_equal(m->id, "id-1");
    assert_string_equal(m->text, "hola");
    assert_ptr_equal(m->text, m->id + 5);
    chat_msg_free(m);
    m = chat_msg_new(CHAT_OUT, MSG_IMAGE);
    chat_msg_pack(m, xstrdup("id-2"), NULL);
    assert_false(m->packed);
    assert_string_equal(m->id, "id-2");
    assert_null(m->text);
    chat_msg_free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_find),
        cmocka_unit_test(test_find_msg_and_dedup),
        cmocka_unit_test(test_counters_and_waiting),
        cmocka_unit_test(test_sort_waiting),
        cmocka_unit_test(test_sort_recent),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_preview),
        cmocka_unit_test(test_duration),
        cmocka_unit_test(test_record_parse),
        cmocka_unit_test(test_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
