/* Unit tests for team mode in the console: the room commands, the send guard and the inbox's
 * handlers, against a fake backend that records what it was asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jelou/editbuf.h"
#include "jelou/message.h"
#include "jelou/session.h"
#include "jelou/settings.h"
#include "jelou/teamlink.h"
#include "jelou/xalloc.h"
#include "app_impl.h"
#include "backend.h"

#define MAXREQ 8

/* What the backend was asked; the last answer callback is kept to answer it by hand. */
struct fake {
    const char *me;
    int nreq, sends, bells;
    enum room_op op[MAXREQ];
    char *room[MAXREQ], *arg[MAXREQ], *expect[MAXREQ];
    long long until[MAXREQ];
    room_done_fn done;
    void *done_arg;
};

static struct fake F;

static int
fake_room(void *ctx, const struct room_request *q, room_done_fn done, void *arg, char **cause)
{
    (void)ctx;
    (void)cause;
    assert_true(F.nreq < MAXREQ);
    int i = F.nreq++;
    F.op[i] = q->op;
    F.room[i] = xstrdup(q->room);
    F.arg[i] = q->arg ? xstrdup(q->arg) : NULL;
    F.expect[i] = q->expect ? xstrdup(q->expect) : NULL;
    F.until[i] = q->until_ms;
    /* An earlier call nobody answered is answered now, so that nothing leaks. */
    if (F.done != NULL) {
        struct room_answer ok = {.ok = 1, .http_status = 200};
        F.done(F.done_arg, &ok);
    }
    F.done = done;
    F.done_arg = arg;
    return 0;
}

static const char *
fake_me(void *ctx)
{
    (void)ctx;
    return F.me;
}

static int
fake_busy(void *ctx)
{
    (void)ctx;
    return 0;
}

static struct outbox_entry *
fake_send(void *ctx, struct message *m, char **cause)
{
    (void)ctx;
    F.sends++;
    message_free(m);
    *cause = xstrdup("the fake backend sends nothing");
    return NULL;
}

static void
fake_bell(void *ctx)
{
    (void)ctx;
    F.bells++;
}

static struct backend_ops team_ops = {
    .send = fake_send, .busy = fake_busy, .room = fake_room, .me = fake_me,
};

struct fixture {
    struct app a;
    struct backend be;
    struct settings st;
    struct term *t;
};

static void
answer(const struct room_answer *ans)
{
    room_done_fn done = F.done;
    F.done = NULL;
    done(F.done_arg, ans);
}

static void
setup(struct fixture *f, const struct backend_ops *ops)
{
    memset(f, 0, sizeof *f);
    memset(&F, 0, sizeof F);
    F.me = "ana";
    f->be.ops = ops;
    f->a.be = &f->be;
    f->a.st = &f->st;
    f->a.u.s = session_new();
    f->a.u.nodraft = editbuf_new();
    f->t = term_mem_new(24, 80);
    f->a.term = *f->t;
    f->a.term.bell = fake_bell;
    f->a.term_open = 1;
    struct room *r = session_open(f->a.u.s, "R1", "U1", "Pepa");
    r->assignee = xstrdup("laura");
    select_room(&f->a, r);
    session_open(f->a.u.s, "R2", "U2", "Juan");
}

static void
teardown(struct fixture *f)
{
    if (F.done != NULL) {
        struct room_answer ok = {.ok = 1, .http_status = 200};
        answer(&ok);
    }
    for (int i = 0; i < F.nreq; i++) {
        free(F.room[i]);
        free(F.arg[i]);
        free(F.expect[i]);
    }
    session_free(f->a.u.s);
    editbuf_free(f->a.u.nodraft);
    free(f->a.u.status);
    term_mem_free(f->t);
}

/* Types line into the box and presses Enter (what the key handler does). */
static void
enter(struct fixture *f, const char *line)
{
    editbuf_set(ui_draft(&f->a.u), line);
    submit_draft(&f->a);
}

static void
test_take_a_colleagues_room_asks_twice(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, &team_ops);
    enter(&f, "/take");
    assert_int_equal(F.nreq, 0);
    assert_string_equal(f.a.u.status, "this room is laura's: /take again to take it from laura");
    /* Another room in between withdraws the question. */
    select_room(&f.a, session_room(f.a.u.s, "R2"));
    select_room(&f.a, session_room(f.a.u.s, "R1"));
    enter(&f, "/take");
    assert_int_equal(F.nreq, 0);
    enter(&f, "/take");
    assert_int_equal(F.nreq, 1);
    assert_int_equal(F.op[0], ROOM_OP_ASSIGN);
    assert_string_equal(F.room[0], "R1");
    assert_string_equal(F.arg[0], "ana");
    assert_string_equal(F.expect[0], "laura");
    assert_string_equal(f.a.u.status, "asking the team server…");
    /* Someone was quicker: the 409 names who has it now. */
    struct room_answer no = {.http_status = 409, .error = "conflict", .assignee = "bob"};
    answer(&no);
    assert_string_equal(f.a.u.status, "nothing changed: room R1 is bob's");
    assert_int_equal(f.a.u.status_error, 1);
    teardown(&f);
}

static void
test_take_unassigned_claims(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, &team_ops);
    select_room(&f.a, session_room(f.a.u.s, "R2"));
    enter(&f, "/take");
    assert_int_equal(F.nreq, 1);
    assert_int_equal(F.op[0], ROOM_OP_CLAIM);
    assert_string_equal(F.room[0], "R2");
    struct room_answer ok = {.ok = 1, .http_status = 200};
    answer(&ok);
    assert_string_equal(f.a.u.status, "room R2 is yours");
    assert_string_equal(editbuf_text(ui_draft(&f.a.u)), ""); /* the command went */
    teardown(&f);
}

static void
test_other_room_commands(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, &team_ops);
    enter(&f, "/assign bob");
    enter(&f, "/release");
    enter(&f, "/note @laura VIP");
    long long before = clock_wall_ms();
    enter(&f, "/status snoozed 2h");
    enter(&f, "/status resolved");
    assert_int_equal(F.nreq, 5);
    assert_int_equal(F.op[0], ROOM_OP_ASSIGN);
    assert_string_equal(F.arg[0], "bob");
    assert_string_equal(F.expect[0], "laura");
    assert_int_equal(F.op[1], ROOM_OP_RELEASE);
    assert_int_equal(F.op[2], ROOM_OP_NOTE);
    assert_string_equal(F.arg[2], "@laura VIP");
    assert_int_equal(F.op[3], ROOM_OP_STATUS);
    assert_string_equal(F.arg[3], "snoozed");
    assert_true(F.until[3] >= before + 7200000 && F.until[3] <= clock_wall_ms() + 7200000);
    assert_string_equal(F.arg[4], "resolved");
    assert_true(F.until[4] == 0);
    struct room_answer refused = {.http_status = 422, .error = "status is one of ..."};
    answer(&refused);
    assert_string_equal(f.a.u.status, "the team server refused: status is one of ...");
    /* /view changes the pane, with or without a word. */
    enter(&f, "/view mine");
    assert_int_equal(f.a.u.view, VIEW_MINE);
    enter(&f, "/view");
    assert_int_equal(f.a.u.view, VIEW_UNASSIGNED);
    teardown(&f);
}

static void
test_send_to_a_colleagues_room_is_refused(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, &team_ops);
    enter(&f, "Hola Pepa");
    assert_int_equal(F.sends, 0);
    assert_string_equal(f.a.u.status, "this room is laura's: /take to take it");
    assert_string_equal(editbuf_text(ui_draft(&f.a.u)), "Hola Pepa"); /* the draft is kept */
    enter(&f, "/image https://cdn.example.com/a.png");
    assert_int_equal(F.sends, 0);
    assert_false(f.a.u.attach.active);
    assert_string_equal(f.a.u.status, "this room is laura's: /take to take it");
    /* Nobody's room: the send goes to the backend (the server assigns it). */
    select_room(&f.a, session_room(f.a.u.s, "R2"));
    enter(&f, "Hola Juan");
    assert_int_equal(F.sends, 1);
    teardown(&f);
}

static void
test_typing_at_most_every_3s(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, &team_ops);
    editbuf_set(ui_draft(&f.a.u), "/ta");
    team_typing(&f.a);
    assert_int_equal(F.nreq, 0); /* a command is nobody's business */
    editbuf_set(ui_draft(&f.a.u), "Ho");
    team_typing(&f.a);
    team_typing(&f.a);
    assert_int_equal(F.nreq, 1);
    assert_int_equal(F.op[0], ROOM_OP_TYPING);
    f.a.typing_sent_ms -= 3000; /* as if 3 s went by */
    team_typing(&f.a);
    assert_int_equal(F.nreq, 2);
    /* Another room says so at once. */
    select_room(&f.a, session_room(f.a.u.s, "R2"));
    editbuf_set(ui_draft(&f.a.u), "x");
    team_typing(&f.a);
    assert_int_equal(F.nreq, 3);
    assert_string_equal(F.room[2], "R2");
    teardown(&f);
}

static void
test_team_events_ring_and_say_who_took_it(void **state)
{
    (void)state;
    struct fixture f;
    setup(&f, &team_ops);
    struct room *r = session_room(f.a.u.s, "R1");
    xstrset(&r->assignee, "ana");
    const char *took = "{\"room\":\"R1\",\"to\":\"laura\",\"by\":\"laura\",\"from\":\"ana\"}";
    struct team_event ev = {.id = "1795687200000-0", .kind = "room.assigned", .room = "R1",
                            .data = took, .data_len = strlen(took)};
    on_team_event(&f.a, &ev);
    assert_string_equal(f.a.u.status, "laura took this room");
    assert_int_equal(F.bells, 0);
    const char *note = "{\"room\":\"R2\",\"agent\":\"laura\",\"text\":\"@ana mira\"}";
    ev = (struct team_event){.id = "1795687200001-0", .kind = "note", .room = "R2",
                             .data = note, .data_len = strlen(note)};
    on_team_event(&f.a, &ev);
    assert_int_equal(F.bells, 1);
    /* Listed under Mentions until the agent has been in the room and left it. */
    struct room *r2 = session_room(f.a.u.s, "R2");
    assert_true(inbox_visible(r2, VIEW_MENTIONS, "ana"));
    select_room(&f.a, r2);
    assert_true(inbox_visible(r2, VIEW_MENTIONS, "ana"));
    select_room(&f.a, r);
    assert_false(inbox_visible(r2, VIEW_MENTIONS, "ana"));
    f.a.u.muted = 1;
    on_team_event(&f.a, &ev); /* the same note again adds nothing, and muted rings not */
    assert_int_equal(F.bells, 1);
    ev.data = "{";
    ev.data_len = 1;
    on_team_event(&f.a, &ev);
    assert_string_equal(f.a.u.status, "the team server sent a note event that cannot be read");
    const char *snap = "{\"as_of\":\"1-0\",\"rooms\":[{\"room\":\"R3\",\"status\":\"open\","
                       "\"assignee\":\"ana\",\"user\":\"U3\",\"last\":[]}]}";
    on_team_rooms(&f.a, snap, strlen(snap));
    assert_string_equal(session_room(f.a.u.s, "R3")->assignee, "ana");
    teardown(&f);
}

static void
test_direct_mode_says_team_mode_only(void **state)
{
    (void)state;
    struct fixture f;
    static struct backend_ops direct = {.send = fake_send, .busy = fake_busy};
    setup(&f, &direct);
    enter(&f, "/take");
    assert_string_equal(f.a.u.status, "/take works in team mode only (start with --server)");
    assert_string_equal(editbuf_text(ui_draft(&f.a.u)), "/take");
    enter(&f, "/note hola");
    assert_string_equal(f.a.u.status, "/note works in team mode only (start with --server)");
    enter(&f, "/view mine");
    assert_string_equal(f.a.u.status, "/view works in team mode only (start with --server)");
    assert_int_equal(f.a.u.view, VIEW_ALL);
    /* No guard without a team: laura's name means nothing to Jelou itself. */
    enter(&f, "Hola Pepa");
    assert_int_equal(F.sends, 1);
    team_typing(&f.a);
    assert_int_equal(F.nreq, 0);
    teardown(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_take_a_colleagues_room_asks_twice),
        cmocka_unit_test(test_take_unassigned_claims),
        cmocka_unit_test(test_other_room_commands),
        cmocka_unit_test(test_send_to_a_colleagues_room_is_refused),
        cmocka_unit_test(test_typing_at_most_every_3s),
        cmocka_unit_test(test_team_events_ring_and_say_who_took_it),
        cmocka_unit_test(test_direct_mode_says_team_mode_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
