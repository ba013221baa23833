/* Unit tests for restore: rooms and transcripts rebuilt from the event journal and the send
 * history, merged by time, repeats and damaged lines, the bound per room and reading older
 * messages back on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jelou/event.h"
#include "jelou/record.h"
#include "jelou/restore.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"

struct fixture {
    char dir[64];
    char events[128];
    char history[128];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    strcpy(fx->dir, "/tmp/jelou-restore-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->events, sizeof fx->events, "%s/events.jsonl", fx->dir);
    snprintf(fx->history, sizeof fx->history, "%s/history.jsonl", fx->dir);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    unlink(fx->events);
    unlink(fx->history);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void
raw_line(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A journal line the way the listener writes it: the raw body inside a record. */
static void
journal_body(const char *path, long long time, const char *body)
{
    struct record *r = record_new();
    record_int(r, "time", time);
    record_str(r, "body", body);
    char *line = record_finish(r);
    assert_int_equal(record_append_file(path, line, 0, NULL), 0);
    free(line);
}

static void
journal_event(const char *path, const struct event *ev, long long time)
{
    char *body = event_serialize(ev, NULL);
    journal_body(path, time, body);
    free(body);
}

static void
user_says(const char *path, const char *room, const char *name, const char *id,
          const char *text, long long ts)
{
    struct message m = {.id = (char *)id, .type = MSG_TEXT, .body = (char *)text};
    char user[32];
    snprintf(user, sizeof user, "u-%s", room);
    struct event ev = {
        .kind = EV_MESSAGE, .timestamp_ms = ts, .project = "proj-1", .room = (char *)room,
        .bot = "bot-1", .user = user, .user_name = (char *)name, .msg = &m,
    };
    journal_event(path, &ev, ts + 5);
}

static void
conversation(const char *path, enum event_kind kind, const char *room, long long ts,
             const char *reason, const char *message)
{
    char conv[32];
    snprintf(conv, sizeof conv, "conv-%s", room);
    struct event ev = {
        .kind = kind, .timestamp_ms = ts, .project = "proj-1", .room = (char *)room,
        .conversation = conv, .close_reason = (char *)reason, .close_message = (char *)message,
    };
    journal_event(path, &ev, ts + 5);
}

static void
agent_sent(const char *path, const char *room, const char *id, const char *text,
           long long time, const char *status)
{
    struct record *r = record_new();
    record_int(r, "time", time);
    record_str(r, "room", room);
    record_str(r, "user", "u-x");
    record_str(r, "id", id);
    record_str(r, "type", "text");
    record_str(r, "preview", text);
    record_str(r, "status", status);
    record_int(r, "attempts", 1);
    char *line = record_finish(r);
    assert_int_equal(record_append_file(path, line, 0, NULL), 0);
    free(line);
}

/* "I:m-1", "O:s-1", "N:conversation started": a transcript in one string. */
static char *
transcript(const struct room *r)
{
    struct buf b = {0};
    for (size_t i = 0; i < r->nmsgs; i++) {
        const struct chat_msg *m = r->msgs[i];
        const char *tag = m->dir == CHAT_IN ? "I" : m->dir == CHAT_OUT ? "O" : "N";
        char *one = xasprintf("%s%s:%s", i ? " " : "", tag, m->dir == CHAT_NOTE ? m->text
                                                                                  : m->id);
        buf_appends(&b, one);
        free(one);
    }
    buf_append(&b, "", 0);
    return buf_take(&b);
}

static void
assert_transcript(const struct room *r, const char *want)
{
    char *got = transcript(r);
    assert_string_equal(got, want);
    free(got);
}

static void
test_rooms_names_states_in_time_order(void **state)
{
    struct fixture *fx = *state;
    conversation(fx->events, EV_CONV_START, "r-1", 1000, NULL, NULL);
    user_says(fx->events, "r-1", "Ana", "m-1", "Hola", 2000);
    user_says(fx->events, "r-2", "Pablo", "m-2", "Buenas", 2500);
    conversation(fx->events, EV_CONV_CLOSE, "r-2", 4000, "expired", "La conversación expiró");
    /* The history is in the order sends finished, not sent: s-0 went first, and failed
     * before its retry was accepted. */
    agent_sent(fx->history, "r-1", "s-1", "Sí, dime", 3000, "accepted");
    agent_sent(fx->history, "r-1", "s-0", "Un momento", 1500, "failed");
    agent_sent(fx->history, "r-1", "s-0", "Un momento", 1500, "accepted");

    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .history = fx->history};
    struct restore_stats st;
    char *cause = NULL;
    assert_int_equal(restore_session(s, &o, &st, &cause), 0);
    assert_null(cause);
    assert_int_equal(st.events, 4);
    assert_int_equal(st.sends, 3);
    assert_int_equal(st.events_skipped + st.sends_skipped + st.repeats, 0);

    assert_int_equal(s->nrooms, 2);
    struct room *r1 = session_room(s, "r-1"), *r2 = session_room(s, "r-2");
    assert_string_equal(r1->name, "Ana");
    assert_string_equal(r1->user, "u-r-1");
    assert_string_equal(r1->project, "proj-1");
    assert_string_equal(r1->bot, "bot-1");
    assert_string_equal(r1->conversation, "conv-r-1");
    assert_int_equal(r1->state, ROOM_ACTIVE);
    assert_transcript(r1, "N:conversation started O:s-0 I:m-1 O:s-1");
    assert_int_equal(r1->msgs[1]->state, SEND_ACCEPTED);
    assert_string_equal(r1->msgs[2]->text, "Hola");
    assert_true(r1->msgs[1]->earlier && r1->msgs[2]->earlier);
    assert_int_equal(r1->n_in, 1);
    assert_int_equal(r1->n_out, 2);
    assert_int_equal(r1->unread, 0);
    assert_true(r1->waiting_since == 0); /* s-1 answered m-1 */
    assert_false(r1->older);

    assert_string_equal(r2->name, "Pablo");
    assert_int_equal(r2->state, ROOM_CLOSED);
    assert_string_equal(r2->close_reason, "expired");
    assert_transcript(r2, "I:m-2 N:conversation closed (expired): La conversación expiró");
    assert_true(r2->waiting_since == 2500);
    session_free(s);
}

struct seen_log {
    char *keys[16];
    size_t n;
};

/* Stands in for the listener's seen-set: a message id seen twice is a repeat. */
static int
seen(void *arg, const struct event *ev)
{
    struct seen_log *sl = arg;
    const char *key = ev->msg ? ev->msg->id : ev->name;
    for (size_t i = 0; i < sl->n; i++) {
        if (strcmp(sl->keys[i], key) == 0)
            return ev->msg != NULL;
    }
    sl->keys[sl->n++] = xstrdup(key);
    return 0;
}

static void
test_repeats_and_damaged_lines(void **state)
{
    struct fixture *fx = *state;
    user_says(fx->events, "r-1", "Ana", "m-1", "Hola", 2000);
    raw_line(fx->events, "garbage that is not JSON\n\n");
    journal_body(fx->events, 2100, "{\"event\":\"message\",\"value\":{}}");
    journal_body(fx->events, 2150, "{\"event\":\"something.else\",\"room_id\":\"r-9\"}");
    user_says(fx->events, "r-1", "Ana", "m-1", "Hola", 2000); /* journaled twice, once */
    user_says(fx->events, "r-1", "Ana", "m-2", "¿Sigues ahí?", 2200);
    raw_line(fx->events, "{\"time\":3000,\"body\":\"{\\\"event\\\":\\\"mess");

    struct seen_log sl = {0};
    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .seen = seen, .arg = &sl};
    struct restore_stats st;
    char *cause = NULL;
    assert_int_equal(restore_session(s, &o, &st, &cause), 0);
    assert_int_equal(st.events_skipped, 3);
    assert_int_equal(st.repeats, 1);
    assert_int_equal(st.events, 2);
    /* The seen-set heard of every readable event, the unknown kind included. */
    assert_int_equal(sl.n, 3);
    assert_int_equal(s->nrooms, 1);
    assert_transcript(session_room(s, "r-1"), "I:m-1 I:m-2");
    session_free(s);

    /* Without a seen-set the room still shows the repeat once. */
    s = session_new();
    o.seen = NULL;
    assert_int_equal(restore_session(s, &o, &st, &cause), 0);
    assert_transcript(session_room(s, "r-1"), "I:m-1 I:m-2");
    session_free(s);
    for (size_t i = 0; i < sl.n; i++)
        free(sl.keys[i]);
}

static void
test_missing_files_are_empty(void **state)
{
    struct fixture *fx = *state;
    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .history = fx->history};
    char *cause = NULL;
    assert_int_equal(restore_session(s, &o, NULL, &cause), 0);
    assert_int_equal(s->nrooms, 0);
    /* A directory cannot be read as a journal: said, and the history is still read. */
    agent_sent(fx->history, "r-1", "s-1", "hola", 10, "accepted");
    o.events = fx->dir;
    assert_int_equal(restore_session(s, &o, NULL, &cause), -1);
    assert_non_null(cause);
    assert_non_null(strstr(cause, fx->dir));
    free(cause);
    assert_transcript(session_room(s, "r-1"), "O:s-1");
    session_free(s);
}

/* Ten messages, the user's at odd times and the agent's at even ones, three kept: the
 * newest three in memory, and each scroll past the top brings the next three. */
static void
test_bound_and_older_on_demand(void **state)
{
    struct fixture *fx = *state;
    for (int t = 1; t <= 10; t++) {
        char id[16];
        snprintf(id, sizeof id, "%c%d", t % 2 ? 'm' : 's', t);
        if (t % 2)
            user_says(fx->events, "r-1", "Ana", id, "texto", t * 1000LL);
        else
            agent_sent(fx->history, "r-1", id, "respuesta", t * 1000LL, "accepted");
    }
    user_says(fx->events, "r-2", "Pablo", "p1", "otra sala", 500);

    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .history = fx->history, .keep = 3};
    char *cause = NULL;
    size_t n = 0;
    assert_int_equal(restore_session(s, &o, NULL, &cause), 0);
    struct room *r = session_room(s, "r-1");
    assert_transcript(r, "O:s8 I:m9 O:s10");
    assert_true(r->older);
    assert_true(r->older_before == 8000);
    /* Counters are about the whole conversation, not what is in memory. */
    assert_int_equal(r->n_in, 5);
    assert_int_equal(r->n_out, 5);
    assert_false(session_room(s, "r-2")->older);

    assert_int_equal(restore_older(r, &o, &n, &cause), 0);
    assert_int_equal(n, 3);
    assert_transcript(r, "I:m5 O:s6 I:m7 O:s8 I:m9 O:s10");
    assert_true(r->older && r->older_before == 5000);
    assert_true(r->msgs[0]->earlier);
    assert_int_equal(restore_older(r, &o, &n, &cause), 0);
    assert_transcript(r, "O:s2 I:m3 O:s4 I:m5 O:s6 I:m7 O:s8 I:m9 O:s10");
    assert_true(r->older_before == 2000);
    assert_true(r->older);
    assert_int_equal(restore_older(r, &o, &n, &cause), 0);
    assert_int_equal(n, 1);
    assert_transcript(r, "I:m1 O:s2 I:m3 O:s4 I:m5 O:s6 I:m7 O:s8 I:m9 O:s10");
    assert_false(r->older);
    assert_int_equal(restore_older(r, &o, &n, &cause), 0);
    assert_int_equal(n, 0);
    assert_int_equal(r->n_in, 5);
    session_free(s);
}

/* Messages of the same millisecond at the cut stay together, so that "older than" names
 * exactly what is on disk and nothing is shown twice or lost. */
static void
test_equal_times_stay_together(void **state)
{
    struct fixture *fx = *state;
    user_says(fx->events, "r-1", "Ana", "m1", "a", 1000);
    user_says(fx->events, "r-1", "Ana", "m2", "b", 5000);
    user_says(fx->events, "r-1", "Ana", "m3", "c", 5000);
    user_says(fx->events, "r-1", "Ana", "m4", "d", 5000);

    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .keep = 2};
    char *cause = NULL;
    size_t n = 0;
    assert_int_equal(restore_session(s, &o, NULL, &cause), 0);
    struct room *r = session_room(s, "r-1");
    assert_transcript(r, "I:m2 I:m3 I:m4");
    assert_true(r->older && r->older_before == 5000);
    assert_int_equal(restore_older(r, &o, &n, &cause), 0);
    assert_transcript(r, "I:m1 I:m2 I:m3 I:m4");
    assert_false(r->older);
    session_free(s);
}

/* A user who wrote more than memory holds without an answer has waited since the first
 * unanswered message, also when that one stayed on disk. */
static void
test_wait_begins_on_disk(void **state)
{
    struct fixture *fx = *state;
    user_says(fx->events, "r-1", "Ana", "m1", "a", 1000);
    agent_sent(fx->history, "r-1", "s2", "b", 2000, "accepted");
    agent_sent(fx->history, "r-1", "s4", "c", 4000, "failed");
    for (int t = 3; t <= 10; t += 2) {
        char id[16];
        snprintf(id, sizeof id, "m%d", t);
        user_says(fx->events, "r-1", "Ana", id, "otra vez", t * 1000LL);
    }
    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .history = fx->history, .keep = 2};
    char *cause = NULL;
    size_t n = 0;
    assert_int_equal(restore_session(s, &o, NULL, &cause), 0);
    struct room *r = session_room(s, "r-1");
    assert_transcript(r, "I:m7 I:m9");
    assert_true(r->waiting_since == 3000); /* s2 answered m1; s4 failed */
    assert_int_equal(restore_older(r, &o, &n, &cause), 0);
    assert_transcript(r, "O:s4 I:m5 I:m7 I:m9");
    assert_true(r->waiting_since == 3000);
    session_free(s);
}

/* A long journal of one room: memory holds keep of it (never more than 4 x keep while
 * reading), a send retried after its first line fell out of memory is still read once,
 * and the newest messages are the ones on screen. */
static void
test_long_journal_is_bounded(void **state)
{
    struct fixture *fx = *state;
    FILE *ev = fopen(fx->events, "w");
    assert_non_null(ev);
    for (int i = 0; i < 20000; i++) {
        fprintf(ev, "{\"time\":%d,\"body\":\"{\\\"event_type\\\":\\\"message\\\","
                    "\\\"timestamp\\\":%d,\\\"room_id\\\":\\\"r-1\\\",\\\"value\\\":"
                    "{\\\"id\\\":\\\"m%d\\\",\\\"type\\\":\\\"text\\\",\\\"content\\\":"
                    "{\\\"body\\\":\\\"hola %d\\\"}}}\"}\n", i, i * 10, i, i);
    }
    fclose(ev);
    agent_sent(fx->history, "r-1", "s-old", "primera", 5, "failed");
    agent_sent(fx->history, "r-1", "s-new", "última", 300000, "accepted");
    agent_sent(fx->history, "r-1", "s-old", "primera", 5, "accepted");

    struct session *s = session_new();
    struct restore_opts o = {.events = fx->events, .history = fx->history};
    struct restore_stats st;
    char *cause = NULL;
    assert_int_equal(restore_session(s, &o, &st, &cause), 0);
    assert_int_equal(st.events, 20000);
    struct room *r = session_room(s, "r-1");
    assert_int_equal(r->nmsgs, RESTORE_KEEP);
    assert_string_equal(r->msgs[RESTORE_KEEP - 1]->id, "s-new");
    assert_string_equal(r->msgs[RESTORE_KEEP - 2]->text, "hola 19999");
    assert_true(r->older);
    session_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rooms_names_states_in_time_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_repeats_and_damaged_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_files_are_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bound_and_older_on_demand, setup, teardown),
        cmocka_unit_test_setup_teardown(test_equal_times_stay_together, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_begins_on_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_journal_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
