/* Unit tests for the shared inbox: each team event kind, the snapshot, mentions, views. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jelou/inbox.h"
#include "jelou/session.h"
#include "jelou/teamlink.h"
#include "jelou/xalloc.h"

/* 2026-11-26 10:00:00 UTC, and the stream id of an event then. */
#define T0 1795687200000LL
#define T0_ID "1795687200000-0"

#define BODY(id, text)                                                                    \
    "{\"field\":\"messages\",\"object\":\"message_event\",\"event_type\":"               \
    "\"incoming_message\",\"project_id\":\"p\",\"room_id\":\"r1\",\"bot_id\":\"b\","      \
    "\"user_id\":\"u1\",\"value\":{\"id\":\"" id "\",\"type\":\"text\",\"content\":"      \
    "{\"body\":\"" text "\"}}}"

static int
ev(struct session *s, const char *me, const char *id, const char *kind, const char *data,
   long long now, struct inbox_effect *fx)
{
    struct team_event e = {.id = id, .kind = kind, .room = "r1", .data = data,
                           .data_len = strlen(data)};
    return inbox_apply(s, me, &e, now, fx);
}

static void
test_assigned_rings_and_took_from(void **state)
{
    (void)state;
    struct session *s = session_new();
    struct inbox_effect fx;

    /* laura gives the room to ana: ana hears it. */
    assert_int_equal(ev(s, "ana", T0_ID, "room.assigned",
                        "{\"room\":\"r1\",\"to\":\"ana\",\"by\":\"laura\"}", T0, &fx), 0);
    struct room *r = session_room(s, "r1");
    assert_non_null(r);
    assert_ptr_equal(fx.room, r);
    assert_int_equal(fx.ring, 1);
    assert_null(fx.took_from);
    assert_string_equal(r->assignee, "ana");

    /* ana claims her own: no bell. */
    assert_int_equal(ev(s, "ana", T0_ID, "room.assigned",
                        "{\"room\":\"r1\",\"to\":\"ana\",\"by\":\"ana\"}", T0, &fx), 0);
    assert_int_equal(fx.ring, 0);

    /* laura takes it from ana: the status line will say so. */
    assert_int_equal(ev(s, "ana", "1795687260000-0", "room.assigned",
                        "{\"room\":\"r1\",\"to\":\"laura\",\"by\":\"laura\",\"from\":\"ana\"}",
                        T0, &fx), 0);
    assert_string_equal(fx.took_from, "laura");
    assert_int_equal(fx.ring, 0);
    assert_string_equal(r->assignee, "laura");
    assert_int_equal(r->naudit, 3);
    const struct room_audit *a = &r->audit[2];
    assert_int_equal(a->kind, AUDIT_ASSIGN);
    assert_string_equal(a->by, "laura");
    assert_string_equal(a->to, "laura");
    assert_string_equal(a->from, "ana");
    assert_true(a->time_ms == T0 + 60000); /* the stream id's time, not the clock's */

    /* Released: nobody has it. */
    assert_int_equal(ev(s, "ana", T0_ID, "room.assigned",
                        "{\"room\":\"r1\",\"to\":\"\",\"by\":\"laura\"}", T0, &fx), 0);
    assert_null(r->assignee);
    assert_null(fx.took_from);
    assert_string_equal(r->audit[3].from, "laura");
    session_free(s);
}

static void
test_audit_ring_keeps_the_last(void **state)
{
    (void)state;
    struct session *s = session_new();
    char data[128];
    for (int i = 0; i < INBOX_AUDIT_MAX + 3; i++) {
        snprintf(data, sizeof data, "{\"room\":\"r1\",\"to\":\"a%d\",\"by\":\"x\"}", i);
        assert_int_equal(ev(s, "me", T0_ID, "room.assigned", data, T0, NULL), 0);
    }
    struct room *r = session_room(s, "r1");
    assert_int_equal(r->naudit, INBOX_AUDIT_MAX);
    /* The oldest is where the next goes: a3 (a0..a2 went). */
    assert_string_equal(r->audit[r->audit_next].to, "a3");
    assert_string_equal(r->assignee, "a10");
    session_free(s);
}

static void
test_status_and_snooze(void **state)
{
    (void)state;
    struct session *s = session_new();
    assert_int_equal(ev(s, "ana", T0_ID, "room.status",
                        "{\"room\":\"r1\",\"status\":\"snoozed\",\"by\":\"ana\",\"until\":"
                        "1795694400000}", T0, NULL), 0);
    struct room *r = session_room(s, "r1");
    assert_int_equal(r->team_status, TEAM_SNOOZED);
    assert_true(r->snooze_until == 1795694400000LL);
    assert_int_equal(r->audit[0].kind, AUDIT_STATUS);
    assert_true(r->audit[0].until_ms == 1795694400000LL);
    assert_int_equal(ev(s, "ana", T0_ID, "room.status",
                        "{\"room\":\"r1\",\"status\":\"resolved\",\"by\":\"laura\"}", T0, NULL),
                     0);
    assert_int_equal(r->team_status, TEAM_RESOLVED);
    assert_true(r->snooze_until == 0);
    /* An unknown status changes nothing. */
    assert_int_equal(ev(s, "ana", T0_ID, "room.status",
                        "{\"room\":\"r1\",\"status\":\"asleep\",\"by\":\"laura\"}", T0, NULL), 0);
    assert_int_equal(r->team_status, TEAM_RESOLVED);
    assert_int_equal(r->naudit, 2);
    session_free(s);
}

static void
test_typing_expires_at_the_boundary(void **state)
{
    (void)state;
    struct session *s = session_new();
    assert_int_equal(ev(s, "ana", T0_ID, "typing", "{\"room\":\"r1\",\"agent\":\"laura\"}",
                        T0, NULL), 0);
    struct room *r = session_room(s, "r1");
    assert_string_equal(inbox_typing(r, T0), "laura");
    assert_string_equal(inbox_typing(r, T0 + INBOX_TYPING_MS - 1), "laura");
    assert_null(inbox_typing(r, T0 + INBOX_TYPING_MS));
    /* This agent's own typing is never shown. */
    assert_int_equal(ev(s, "ana", T0_ID, "typing", "{\"room\":\"r1\",\"agent\":\"ana\"}",
                        T0 + 2 * INBOX_TYPING_MS, NULL), 0);
    assert_null(inbox_typing(r, T0 + 2 * INBOX_TYPING_MS));
    /* A colleague's reply ends their typing. */
    assert_int_equal(ev(s, "ana", T0_ID, "typing", "{\"room\":\"r1\",\"agent\":\"laura\"}",
                        T0, NULL), 0);
    assert_int_equal(ev(s, "ana", T0_ID, "agent.message.queued",
                        "{\"id\":\"m1\",\"room\":\"r1\",\"agent\":\"laura\",\"state\":\"queued\","
                        "\"message\":" BODY("m1", "hola") "}", T0, NULL), 0);
    assert_null(inbox_typing(r, T0 + 1));
    session_free(s);
}

static void
test_mentions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int mention;
    } cases[] = {
        {"@ana can you look?", 1},
        {"ping @ANA.", 1},
        {"(@ana)", 1},
        {"@anabel knows", 0},
        {"write to a@ana.com", 0},
        {"ana, no at sign", 0},
        {"@an", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct session *s = session_new();
        struct inbox_effect fx;
        char data[256];
        snprintf(data, sizeof data,
                 "{\"room\":\"r1\",\"agent\":\"laura\",\"text\":\"%s\",\"time\":%lld}",
                 cases[i].text, T0);
        assert_int_equal(ev(s, "ana", T0_ID, "note", data, T0, &fx), 0);
        struct room *r = session_room(s, "r1");
        assert_int_equal(r->mentioned, cases[i].mention);
        assert_int_equal(fx.ring, cases[i].mention);
        assert_int_equal(inbox_visible(r, VIEW_MENTIONS, "ana"), cases[i].mention);
        session_free(s);
    }
    /* Her own note naming herself is no mention. */
    struct session *s = session_new();
    struct inbox_effect fx;
    assert_int_equal(ev(s, "ana", T0_ID, "note",
                        "{\"room\":\"r1\",\"agent\":\"ana\",\"text\":\"@ana later\"}", T0, &fx),
                     0);
    assert_int_equal(session_room(s, "r1")->mentioned, 0);
    assert_int_equal(fx.ring, 0);
    session_free(s);
}

static void
test_note_is_a_team_note(void **state)
{
    (void)state;
    struct session *s = session_new();
    const char *d =
        "{\"room\":\"r1\",\"agent\":\"laura\",\"text\":\"VIP\",\"time\":1795687200000}";
    assert_int_equal(ev(s, "ana", T0_ID, "note", d, T0, NULL), 0);
    assert_int_equal(ev(s, "ana", T0_ID, "note", d, T0, NULL), 0); /* the same note again */
    struct room *r = session_room(s, "r1");
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(r->msgs[0]->dir, CHAT_TEAMNOTE);
    assert_string_equal(r->msgs[0]->agent, "laura");
    assert_string_equal(r->msgs[0]->text, "VIP");
    assert_true(r->msgs[0]->time_ms == T0);
    assert_int_equal(r->n_in + r->n_out, 0); /* a note is nobody's message */
    session_free(s);
}

static void
test_replies_update_or_add(void **state)
{
    (void)state;
    struct session *s = session_new();
    struct room *r = session_open(s, "r1", "u1", NULL);
    /* This console sent m1 itself: the event only moves its state. */
    struct chat_msg *mine = chat_msg_new(CHAT_OUT, MSG_TEXT);
    mine->id = xstrdup("m1");
    mine->text = xstrdup("hola");
    mine->time_ms = T0;
    room_add(r, mine);
    assert_int_equal(ev(s, "ana", T0_ID, "agent.message.queued",
                        "{\"id\":\"m1\",\"room\":\"r1\",\"agent\":\"ana\",\"state\":\"queued\","
                        "\"message\":" BODY("m1", "hola") "}", T0, NULL), 0);
    assert_int_equal(r->nmsgs, 1);
    assert_int_equal(ev(s, "ana", T0_ID, "agent.message.accepted",
                        "{\"id\":\"m1\",\"room\":\"r1\",\"state\":\"accepted\",\"http_status\":"
                        "200,\"attempts\":1,\"error\":\"\"}", T0, NULL), 0);
    assert_int_equal(mine->state, SEND_ACCEPTED);
    assert_int_equal(mine->http_status, 200);
    char *st = chat_msg_status(mine);
    assert_string_equal(st, "accepted 200");
    free(st);

    /* A colleague's reply is added with their name. */
    assert_int_equal(ev(s, "ana", "1795687260000-0", "agent.message.queued",
                        "{\"id\":\"m2\",\"room\":\"r1\",\"agent\":\"laura\",\"state\":\"queued\","
                        "\"message\":" BODY("m2", "buenas") "}", T0, NULL), 0);
    assert_int_equal(r->nmsgs, 2);
    assert_string_equal(r->msgs[1]->agent, "laura");
    assert_string_equal(r->msgs[1]->text, "buenas");
    assert_true(r->msgs[1]->time_ms == T0 + 60000);
    assert_int_equal(ev(s, "ana", T0_ID, "agent.message.failed",
                        "{\"id\":\"m2\",\"room\":\"r1\",\"state\":\"failed\",\"http_status\":"
                        "500,\"attempts\":3,\"error\":\"boom\"}", T0, NULL), 0);
    st = chat_msg_status(r->msgs[1]);
    assert_string_equal(st, "failed 500: boom");
    free(st);

    /* ana's own reply from an earlier session: hers (no name), greyed, not retried. */
    assert_int_equal(ev(s, "ana", T0_ID, "agent.message.queued",
                        "{\"id\":\"m3\",\"room\":\"r1\",\"agent\":\"ana\",\"state\":\"queued\","
                        "\"message\":" BODY("m3", "sigo") "}", T0, NULL), 0);
    assert_int_equal(r->nmsgs, 3);
    assert_null(r->msgs[2]->agent);
    assert_int_equal(r->msgs[2]->earlier, 1);
    assert_null(r->msgs[2]->entry);

    /* A result for a reply nobody saw queued, in a room nobody knows: nothing. */
    struct team_event e = {.id = T0_ID, .kind = "agent.message.accepted", .room = "r9",
                           .data = "{\"id\":\"zz\",\"state\":\"accepted\"}"};
    e.data_len = strlen(e.data);
    struct inbox_effect fx;
    assert_int_equal(inbox_apply(s, "ana", &e, T0, &fx), 0);
    assert_null(fx.room);
    assert_null(session_room(s, "r9"));
    session_free(s);
}

static void
test_bad_json_changes_nothing(void **state)
{
    (void)state;
    struct session *s = session_new();
    struct inbox_effect fx;
    const char *bad[][2] = {
        {"room.assigned", "{\"room\":\"r1\",\"to\":"},
        {"note", "[1,2]"},
        {"agent.message.queued", "{\"id\":\"m1\",\"room\":\"r1\",\"message\":{\"x\":1}}"},
        {"agent.message.queued", "{\"room\":\"r1\"}"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(ev(s, "ana", T0_ID, bad[i][0], bad[i][1], T0, &fx), -1);
        assert_null(fx.room);
        assert_int_equal(s->nrooms, 0);
    }
    char *as_of = NULL, *cause = NULL;
    assert_int_equal(inbox_apply_rooms(s, "ana", "{\"rooms\":", 9, &as_of, &cause), -1);
    assert_non_null(cause);
    free(cause);
    cause = NULL;
    assert_int_equal(inbox_apply_rooms(s, "ana", "{\"as_of\":\"1-0\"}", 15, &as_of, &cause), -1);
    assert_non_null(cause);
    free(cause);
    assert_null(as_of);
    assert_int_equal(s->nrooms, 0);
    session_free(s);
}

static const char snapshot[] =
    "{\"as_of\":\"1795687300000-0\",\"rooms\":["
    "{\"room\":\"r1\",\"status\":\"open\",\"assignee\":\"laura\",\"user\":\"u1\","
    "\"user_name\":\"Pepa\",\"bot\":\"b\",\"waiting_since\":\"1795687200000\",\"last\":["
    "{\"kind\":\"message\",\"data\":{\"event_type\":\"message\",\"room_id\":\"r1\","
    "\"timestamp\":1795687100000,\"contact\":{\"id\":\"u1\",\"name\":\"Pepa\"},"
    "\"value\":{\"id\":\"in1\",\"type\":\"text\",\"content\":{\"body\":\"hola\"}}}},"
    "{\"kind\":\"agent.message.queued\",\"data\":{\"id\":\"m1\",\"room\":\"r1\","
    "\"agent\":\"laura\",\"state\":\"queued\",\"message\":" BODY("m1", "buenas") "}},"
    "{\"kind\":\"note\",\"data\":{\"room\":\"r1\",\"agent\":\"laura\",\"text\":\"@ana mira\","
    "\"time\":1795687150000}},"
    "{\"kind\":\"message\",\"data\":{\"event_type\":\"message\",\"room_id\":\"r1\","
    "\"timestamp\":1795687200000,\"contact\":{\"id\":\"u1\",\"name\":\"Pepa\"},"
    "\"value\":{\"id\":\"in2\",\"type\":\"text\",\"content\":{\"body\":\"¿sigues?\"}}}}]},"
    "{\"room\":\"r2\",\"status\":\"snoozed\",\"snooze_until\":\"1795690000000\","
    "\"assignee\":\"\",\"user\":\"u2\",\"last\":[]},"
    "{\"room\":\"r3\",\"status\":\"resolved\",\"assignee\":null,\"user\":\"u3\",\"last\":[]},"
    "{\"room\":\"r4\",\"status\":\"open\",\"assignee\":\"ana\",\"user\":\"u4\",\"last\":[]}"
    "]}";

static void
test_snapshot_twice_no_duplicates(void **state)
{
    (void)state;
    struct session *s = session_new();
    for (int pass = 0; pass < 2; pass++) {
        char *as_of = NULL, *cause = NULL;
        assert_int_equal(inbox_apply_rooms(s, "ana", snapshot, strlen(snapshot), &as_of,
                                           &cause), 0);
        assert_null(cause);
        assert_string_equal(as_of, "1795687300000-0");
        free(as_of);
        assert_int_equal(s->nrooms, 4);
        struct room *r = session_room(s, "r1");
        assert_int_equal(r->nmsgs, 4);
        assert_int_equal(r->n_in, 2);
        assert_int_equal(r->n_out, 1);
        assert_string_equal(r->name, "Pepa");
        assert_string_equal(r->bot, "b");
        assert_string_equal(r->assignee, "laura");
        assert_int_equal(r->team_status, TEAM_OPEN);
        assert_true(r->waiting_since == 1795687200000LL);
        assert_int_equal(r->mentioned, 1);
        /* The reply keeps its place: after the message it answered, before the note. */
        assert_string_equal(r->msgs[1]->id, "m1");
        assert_string_equal(r->msgs[1]->agent, "laura");
        assert_true(r->msgs[1]->time_ms == 1795687100000LL);
        assert_int_equal(r->msgs[2]->dir, CHAT_TEAMNOTE);
        struct room *r2 = session_room(s, "r2");
        assert_null(r2->assignee);
        assert_int_equal(r2->team_status, TEAM_SNOOZED);
        assert_true(r2->snooze_until == 1795690000000LL);
    }
    /* The views. */
    struct room *r1 = session_room(s, "r1"), *r2 = session_room(s, "r2");
    struct room *r3 = session_room(s, "r3"), *r4 = session_room(s, "r4");
    assert_int_equal(inbox_visible(r4, VIEW_MINE, "ana"), 1);
    assert_int_equal(inbox_visible(r1, VIEW_MINE, "ana"), 0);
    assert_int_equal(inbox_visible(r2, VIEW_UNASSIGNED, "ana"), 1);
    assert_int_equal(inbox_visible(r3, VIEW_UNASSIGNED, "ana"), 0); /* resolved */
    assert_int_equal(inbox_visible(r1, VIEW_UNASSIGNED, "ana"), 0);
    assert_int_equal(inbox_visible(r3, VIEW_ALL, "ana"), 1);
    assert_int_equal(inbox_visible(r1, VIEW_MENTIONS, "ana"), 1);
    assert_int_equal(inbox_visible(r4, VIEW_MENTIONS, "ana"), 0);
    session_free(s);
}

static void
test_view_names(void **state)
{
    (void)state;
    assert_int_equal(inbox_view_parse("mine"), VIEW_MINE);
    assert_int_equal(inbox_view_parse("Unassigned"), VIEW_UNASSIGNED);
    assert_int_equal(inbox_view_parse("all"), VIEW_ALL);
    assert_int_equal(inbox_view_parse("mentions"), VIEW_MENTIONS);
    assert_int_equal(inbox_view_parse("nope"), VIEW_COUNT);
    assert_int_equal(inbox_view_parse(NULL), VIEW_COUNT);
    assert_string_equal(inbox_view_name(VIEW_MINE), "Mine");
    assert_null(inbox_view_name(VIEW_COUNT));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_assigned_rings_and_took_from),
        cmocka_unit_test(test_audit_ring_keeps_the_last),
        cmocka_unit_test(test_status_and_snooze),
        cmocka_unit_test(test_typing_expires_at_the_boundary),
        cmocka_unit_test(test_mentions),
        cmocka_unit_test(test_note_is_a_team_note),
        cmocka_unit_test(test_replies_update_or_add),
        cmocka_unit_test(test_bad_json_changes_nothing),
        cmocka_unit_test(test_snapshot_twice_no_duplicates),
        cmocka_unit_test(test_view_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
