/* Unit tests for the screen: the real drawing code into a terminal in memory. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "jelou/editbuf.h"
#include "jelou/session.h"
#include "jelou/text.h"
#include "jelou/xalloc.h"
#include "term.h"
#include "ui.h"

/* 2026-11-26 10:00:00 UTC */
#define T0 1795687200000LL
#define MIN 60000LL

struct fixture {
    struct ui u;
    struct catalog cat;
    struct term *t;
};

static struct chat_msg *
text_msg(enum chat_dir dir, const char *id, const char *text, long long at)
{
    struct chat_msg *m = chat_msg_new(dir, MSG_TEXT);
    m->id = xstrdup(id);
    m->text = xstrdup(text);
    m->time_ms = at;
    return m;
}

static void
setup_ui(struct fixture *f, int rows, int cols)
{
    memset(f, 0, sizeof *f);
    f->u.s = session_new();
    f->u.nodraft = editbuf_new();
    f->u.hist_filter = editbuf_new();
    f->u.pick_filter = editbuf_new();
    f->u.user_pane = -1;
    f->u.cat = &f->cat;
    f->u.now_ms = T0 + 30 * MIN;
    f->u.where = xstrdup("demo sandbox");
    f->t = term_mem_new(rows, cols);

    struct room *ana = session_open(f->u.s, "room-ana", "user-ana", "Ana Pérez");
    ana->state = ROOM_ACTIVE;
    room_add(ana, text_msg(CHAT_IN, "i1", "Hola, mi router se reinicia", T0));
    struct chat_msg *out = text_msg(CHAT_OUT, "o1", "Hola Ana, ¿qué luces ves?", T0 + 2 * MIN);
    out->state = SEND_ACCEPTED;
    out->http_status = 200;
    out->attempt = 1;
    room_add(ana, out);
    room_add(ana, text_msg(CHAT_IN, "i2", "La de internet parpadea 🙂", T0 + 20 * MIN));
    ana->unread = 1;

    struct room *kenji = session_open(f->u.s, "room-kenji", "user-kenji", "Kenji 健二");
    room_add(kenji, text_msg(CHAT_IN, "k1", "¿Puedo cambiar mi cita?", T0 + 25 * MIN));
    struct chat_msg *img = chat_msg_new(CHAT_OUT, MSG_IMAGE);
    img->id = xstrdup("o2");
    img->url = xstrdup("https://cdn.example.com/a.jpg");
    img->mime = xstrdup("image/jpeg");
    img->caption = xstrdup("Mira");
    img->time_ms = T0 + 26 * MIN;
    img->state = SEND_FAILED;
    img->http_status = 500;
    img->attempt = 3;
    img->max_attempts = 3;
    img->error = xstrdup("HTTP 500: {\"error\":\"boom\"}");
    room_add(kenji, img);
    room_update_wait(kenji); /* the failed reply answered nothing */
    f->u.sel = ana;
}

static void
teardown_ui(struct fixture *f)
{
    session_free(f->u.s);
    editbuf_free(f->u.nodraft);
    editbuf_free(f->u.hist_filter);
    editbuf_free(f->u.pick_filter);
    free(f->u.where);
    free(f->u.status);
    catalog_clear(&f->cat);
    term_mem_free(f->t);
}

/* Compares the whole screen with the expected lines (trailing spaces ignored). */
static void
assert_screen(struct term *t, const char *const *want, int rows)
{
    int bad = 0;
    for (int r = 0; r < rows; r++) {
        char *got = term_mem_line(t, r);
        if (strcmp(got, want[r]) != 0) {
            fprintf(stderr, "row %2d: want [%s]\n        got  [%s]\n", r, want[r], got);
            bad = 1;
        }
        free(got);
    }
    assert_false(bad);
}

static void
dump(struct term *t, int rows)
{
    if (getenv("DUMP") == NULL)
        return;
    for (int r = 0; r < rows; r++) {
        char *l = term_mem_line(t, r);
        fprintf(stderr, "        \"%s\",\n", l);
        free(l);
    }
}

static void
test_main_screen_80x24(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 24, 80);
    editbuf_set(f.u.sel->draft, "Reinicia el router");
    ui_draw(&f.u, f.t);
    dump(f.t, 24);
    static const char *const want[] = {
        "Rooms (2) · waiting │ Ana Pérez · room room-ana",
        "▸1 Ana Pérez  +1 10m│",
        " 2 Kenji 健二     5m│",
        "                    │", "                    │", "                    │",
        "                    │", "                    │", "                    │",
        "                    │", "                    │", "                    │",
        "                    │", "                    │", "                    │",
        "                    │ 10:00 Ana Pérez",
        "                    │   Hola, mi router se reinicia",
        "                    │ 10:02 You  accepted 200",
        "                    │   Hola Ana, ¿qué luces ves?",
        "                    │ 10:20 Ana Pérez",
        "                    │   La de internet parpadea 🙂",
        " To Ana Pérez · user user-ana · room room-ana",
        "> Reinicia el router",
        " demo sandbox · outbox 0                                   F1 help · F2 history",
    };
    assert_screen(f.t, want, 24);
    assert_int_equal(term_mem_style(f.t, 1, 3), ST_SELECTED);
    assert_int_equal(term_mem_style(f.t, 2, 3), ST_NORMAL);
    teardown_ui(&f);
}

static void
test_wide_screen_shows_user_pane_and_failure(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 16, 120);
    f.u.sel = session_room(f.u.s, "room-kenji");
    ui_draw(&f.u, f.t);
    dump(f.t, 16);
    static const char *const want[] = {
        "Rooms (2) · waiting           │ Kenji 健二 · room room-kenji                             │ User",
        " 1 Ana Pérez            +1 10m│                                                          │",
        "▸2 Kenji 健二               5m│                                                          │ Kenji 健二",
        "                              │                                                          │ user   user-kenji",
        "                              │                                                          │ room   room-kenji",
        "                              │                                                          │ bot    ?",
        "                              │                                                          │ proj   ?",
        "                              │                                                          │ state  unknown",
        "                              │ 10:25 Kenji 健二                                         │ last in 10:25 (5m)",
        "                              │   ¿Puedo cambiar mi cita?                                │ msgs   1 in · 1 out",
        "                              │ 10:26 You  failed 500: {\"error\":\"boom\"}                  │ media  1 sent",
        "                              │   [image] image/jpeg https://cdn.example.com/a.jpg       │",
        "                              │   Mira                                                   │",
        " To Kenji 健二 · user user-kenji · room room-kenji",
        ">",
        " demo sandbox · outbox 0                                                                           F1 help · F2 history",
    };
    assert_screen(f.t, want, 16);
    /* The failure is drawn as an error, the user's name as the user's. */
    assert_int_equal(term_mem_style(f.t, 10, 43), ST_ERROR);
    assert_int_equal(term_mem_style(f.t, 8, 38), ST_IN);
    teardown_ui(&f);
}

/* Team mode: the view in the rooms pane, who has each room, a colleague's reply and note,
 * their typing, and the user pane's assignment, status and audit lines. */
static void
test_team_mode_screen(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 18, 120);
    f.u.me = "ana";
    struct room *pepa = session_room(f.u.s, "room-ana");
    struct room *kenji = session_room(f.u.s, "room-kenji");
    struct room *mine = session_open(f.u.s, "room-mine", "user-m", "Marta");
    room_add(mine, text_msg(CHAT_IN, "m1", "hola", T0 + 5 * MIN));
    mine->assignee = xstrdup("ana");
    pepa->assignee = xstrdup("laurabelle");
    pepa->team_status = TEAM_SNOOZED;
    pepa->snooze_until = T0 + 2 * 60 * MIN;
    struct chat_msg *theirs = text_msg(CHAT_OUT, "o9", "Ya lo reviso", T0 + 21 * MIN);
    theirs->agent = xstrdup("laura");
    theirs->state = SEND_ACCEPTED;
    theirs->http_status = 200;
    room_add(pepa, theirs);
    struct chat_msg *note = text_msg(CHAT_TEAMNOTE, "", "cliente VIP", T0 + 22 * MIN);
    note->agent = xstrdup("laura");
    room_add(pepa, note);
    pepa->typing = xstrdup("laura");
    pepa->typing_until = f.u.now_ms + 1;
    pepa->audit[0] = (struct room_audit){.kind = AUDIT_ASSIGN, .time_ms = T0 + MIN,
                                         .by = xstrdup("ana"), .to = xstrdup("ana")};
    pepa->audit[1] = (struct room_audit){.kind = AUDIT_ASSIGN, .time_ms = T0 + 3 * MIN,
                                         .by = xstrdup("laura"), .to = xstrdup("laura"),
                                         .from = xstrdup("ana")};
    pepa->audit[2] = (struct room_audit){.kind = AUDIT_STATUS, .status = TEAM_SNOOZED,
                                         .time_ms = T0 + 4 * MIN, .until_ms = T0 + 120 * MIN,
                                         .by = xstrdup("laura")};
    pepa->naudit = 3;
    pepa->audit_next = 3;
    ui_draw(&f.u, f.t);
    dump(f.t, 18);
    static const char *const want[] = {
        "All 3 · waiting               │ Ana Pérez · room room-ana · laura is typing…             │ User",
        " 1 Marta               ana 25m│                                                          │",
        " 2 Kenji 健二             · 5m│                                                          │ Ana Pérez",
        "▸3 Ana Pérez   laurab +1 10:21│                                                          │ user   user-ana",
        "                              │                                                          │ room   room-ana",
        "                              │ 10:00 Ana Pérez                                          │ bot    ?",
        "                              │   Hola, mi router se reinicia                            │ proj   ?",
        "                              │ 10:02 You  accepted 200                                  │ state  active",
        "                              │   Hola Ana, ¿qué luces ves?                              │ last in 10:20 (10m)",
        "                              │ 10:20 Ana Pérez                                          │ msgs   2 in · 2 out",
        "                              │   La de internet parpadea 🙂                             │ media  0 sent",
        "                              │ 10:21 laura  accepted 200                                │ assigned to laurabelle",
        "                              │   Ya lo reviso                                           │ status snoozed until 12:00",
        "                              │ 10:22 note laura                                         │ 10:01 ana took it",
        "                              │   cliente VIP                                            │ 10:03 laura took it from ana",
        " To Ana Pérez · user user-ana · room room-ana",
        ">",
        " demo sandbox · outbox 0                                                                           F1 help · F2 history",
    };
    assert_screen(f.t, want, 18);
    /* The note is drawn as a note, head and body; the colleague's name as a reply's. */
    assert_int_equal(term_mem_style(f.t, 13, 40), ST_NOTE);
    assert_int_equal(term_mem_style(f.t, 14, 36), ST_NOTE);
    assert_int_equal(term_mem_style(f.t, 11, 38), ST_OUT);

    /* Typing ends at typing_until; Mine lists only this agent's room. */
    f.u.now_ms = pepa->typing_until;
    f.u.view = VIEW_MINE;
    ui_draw(&f.u, f.t);
    char *l = term_mem_line(f.t, 0);
    assert_string_equal(l, "Mine 1 · waiting              │ Ana Pérez · room room-ana"
                           "                                │ User");
    free(l);
    l = term_mem_line(f.t, 1);
    assert_string_equal(l, " 1 Marta               ana 25m│                               "
                           "                           │");
    free(l);
    l = term_mem_line(f.t, 2);
    assert_string_equal(l, "                              │                               "
                           "                           │ Ana Pérez");
    free(l);
    /* Unassigned: Kenji's, with "·" for nobody. */
    f.u.view = VIEW_UNASSIGNED;
    ui_draw(&f.u, f.t);
    l = term_mem_line(f.t, 1);
    assert_non_null(strstr(l, " 1 Kenji 健二             · 5m│"));
    free(l);
    (void)kenji;
    teardown_ui(&f);
}

static void
test_remote_escapes_are_neutralised(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 12, 80);
    struct room *evil = session_open(f.u.s, "room-x", "user-x", "Eve\x1b[2J\x1b]52;c;aGk=\x07");
    room_add(evil, text_msg(CHAT_IN, "e1", "a\x1b[31mred\xe2\x80\xae" "evil\xc2\x9b" "X", T0 + 29 * MIN));
    f.u.sel = evil;
    ui_draw(&f.u, f.t);
    dump(f.t, 12);
    for (int r = 0; r < 12; r++) {
        char *line = term_mem_line(f.t, r);
        assert_null(strchr(line, 0x1b));
        assert_null(strstr(line, "\xe2\x80\xae"));
        assert_null(strstr(line, "\xc2\x9b"));
        free(line);
    }
    static const char *const want[] = {
        "Rooms (3) · waiting │ Eve�[2J�]52;c;aGk=� · room room-x",
        " 1 Ana Pérez  +1 10m│",
        " 2 Kenji 健二     5m│",
        "▸3 Eve�[2J�]52;c; 1m│",
        "                    │",
        "                    │",
        "                    │",
        "                    │ 10:29 Eve�[2J�]52;c;aGk=�",
        "                    │   a�[31mred�evil�X",
        " To Eve�[2J�]52;c;aGk=� · user user-x · room room-x",
        ">",
        " demo sandbox · outbox 0                                   F1 help · F2 history",
    };
    assert_screen(f.t, want, 12);
    teardown_ui(&f);
}

static void
test_help_and_history(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 24, 80);
    f.u.mode = MODE_HELP;
    ui_draw(&f.u, f.t);
    char *l0 = term_mem_line(f.t, 0), *l2 = term_mem_line(f.t, 2), *l3 = term_mem_line(f.t, 3);
    assert_string_equal(l0, " Help · Esc closes");
    assert_string_equal(l2, " Keys");
    assert_string_equal(l3, "   Enter            send the draft (or the confirmed attachment)");
    free(l0);
    free(l2);
    free(l3);

    f.u.mode = MODE_HISTORY;
    editbuf_set(f.u.hist_filter, "status:failed");
    ui_draw(&f.u, f.t);
    dump(f.t, 5);
    static const char *const want[] = {
        " Send history · 1 message · filter: status:failed",
        " time  room         user         type     status            tries  message",
        " 10:26 room-kenji   user-kenji   image    failed 500: {\"err 3      [image] Mira",
        "",
    };
    assert_screen(f.t, want, 4);
    editbuf_set(f.u.hist_filter, "");
    ui_draw(&f.u, f.t);
    char *first = term_mem_line(f.t, 0);
    assert_string_equal(first, " Send history · 2 messages · / filters (words, status:failed, "
                               "room:ID, type:imag");
    free(first);
    teardown_ui(&f);
}

/* The whole help overlay, line by line: it is generated from the key and command tables,
 * and must read exactly as the agent knows it. */
static void
test_help_overlay_whole(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 40, 100);
    f.u.mode = MODE_HELP;
    ui_draw(&f.u, f.t);
    dump(f.t, 34);
    static const char *const want[] = {
        " Help · Esc closes",
        "",
        " Keys",
        "   Enter            send the draft (or the confirmed attachment)",
        "   Alt-Enter, C-j   new line in the draft",
        "   C-a C-e C-b C-f  start/end of line, back/forward one character",
        "   Alt-b Alt-f      back/forward one word",
        "   C-w C-u C-k C-y  delete word / to start / to end, paste what was deleted",
        "   C-_              undo",
        "   Up Down          earlier sent texts (empty draft), or move between lines",
        "   C-n C-p, Alt-1-9 next/previous room, room by number",
        "   PgUp PgDn        scroll the conversation (past the top: older ones from disk)",
        "   Tab, Alt-u       show/hide the user pane (Tab completes /reply names)",
        "   C-x C-e          edit the draft in $EDITOR",
        "   F1               this help        F2  send history        C-l  redraw",
        "   C-c              quit (asks while messages are still sending)",
        "   Alt-v            team mode: the rooms pane's next view",
        " Commands",
        "   /image URL [caption]   /video URL [caption]   /audio URL   /doc URL [filename]",
        "   /attach URL            type from the detected MIME type",
        "   /media                 pick from the media catalog and this session's URLs",
        "   /history               every message sent this session (F2)",
        "   /retry [n]             resend the n-th last failed message, same id",
        "   /open ROOM USER [name] open a conversation by hand",
        "   /reply NAME            insert a canned reply ({name}, {agent} filled in)",
        "   /sort waiting|recent   order of the rooms pane",
        "   /close [msg] /start USER [msg] /info   close, start, look up the conversation",
        "   /resume                send what a stopped console left unsent (same ids)",
        "   /mute                  bell on/off for new user messages",
        "   /edit  /help  /quit    start a line with // to send a literal /",
        "   /view VIEW             team: list Mine, Unassigned, All or Mentions (Alt-v)",
        "   /take /release /assign NAME   team: take, give back, hand over",
        "   /note TEXT             team: a note only agents see (@name)",
        "   /status STATUS         team: pending, snoozed 30m|2h|1d, resolved",
        "",
    };
    assert_screen(f.t, want, (int)(sizeof want / sizeof want[0]));
    teardown_ui(&f);
}

static void
test_too_small_and_resize_keeps_draft(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 8, 30);
    editbuf_set(f.u.sel->draft, "borrador que no se pierde");
    ui_draw(&f.u, f.t);
    char *l = term_mem_line(f.t, 0);
    assert_string_equal(l, "Terminal too small (30x8):");
    free(l);
    l = term_mem_line(f.t, 1);
    assert_string_equal(l, "needs 40x10");
    free(l);
    term_mem_free(f.t);
    f.t = term_mem_new(24, 80);
    ui_draw(&f.u, f.t);
    l = term_mem_line(f.t, 22);
    assert_string_equal(l, "> borrador que no se pierde");
    free(l);
    teardown_ui(&f);
}

/* Rows 0..n-1 of the screen joined with '|', to compare a whole small screen at once. */
static char *
screen_rows(struct term *t, int n)
{
    struct buf b = {0};
    for (int r = 0; r < n; r++) {
        char *l = term_mem_line(t, r);
        buf_printf(&b, "%s%s", r ? "|" : "", l);
        free(l);
    }
    return buf_take(&b);
}

/* However small the screen, the size needed is on it, in the words that fit. */
static void
test_too_small_says_the_size_needed(void **state)
{
    (void)state;
    static const struct {
        int rows, cols;
        const char *want;
    } cases[] = {
        {5, 20, "Terminal too small|(20x5): needs 40x10|||"},
        {2, 20, "Terminal too small|(20x2): needs 40x10"},
        {1, 20, "Too small: 40x10"},
        {1, 12, "40x10"},
        {3, 2, "40|x1|0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture f;
        setup_ui(&f, cases[i].rows, cases[i].cols);
        ui_draw(&f.u, f.t);
        char *got = screen_rows(f.t, cases[i].rows);
        assert_string_equal(got, cases[i].want);
        free(got);
        teardown_ui(&f);
    }
}

/* A draft of more rows than any fixed table stays in the box, scrolled to the cursor, and
 * typing shows up at once. */
static void
test_long_draft_scrolls_to_the_cursor(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 24, 80);
    struct buf d = {0};
    for (int i = 1; i <= 300; i++)
        buf_printf(&d, "%sline %d", i > 1 ? "\n" : "", i);
    editbuf_set(f.u.sel->draft, d.data);
    buf_free(&d);
    ui_draw(&f.u, f.t);
    char *got = screen_rows(f.t, 24);
    char *box = strstr(got, "|  line 296|");
    assert_non_null(box);
    assert_string_equal(box, "|  line 296|  line 297|  line 298|  line 299|  line 300|"
                             " demo sandbox · outbox 0                                   F1 help · "
                             "F2 history");
    free(got);
    editbuf_insert(f.u.sel->draft, "!", 1);
    ui_draw(&f.u, f.t);
    char *l = term_mem_line(f.t, 22);
    assert_string_equal(l, "  line 300!");
    free(l);
    teardown_ui(&f);
}

/* Names with ZWJ sequences and combining marks take their terminal columns: the rooms
 * pane's separator stays in column 20 on every row. */
static void
test_clusters_keep_the_separator(void **state)
{
    (void)state;
    struct fixture f;
    setup_ui(&f, 24, 80);
    session_open(f.u.s, "r-f", "u-f", "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9"
                 "\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6 Familia con nombre largo");
    session_open(f.u.s, "r-z", "u-z", "Zoe\xcc\x81 Ame\xcc\x81lie");
    ui_draw(&f.u, f.t);
    for (int r = 0; r < 5; r++) {
        char *l = term_mem_line(f.t, r);
        char *bar = strstr(l, "\xe2\x94\x82");
        assert_non_null(bar);
        assert_int_equal(text_width(l, (size_t)(bar - l)), 20);
        free(l);
    }
    char *l = term_mem_line(f.t, 3);
    assert_non_null(strstr(l, "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
                              "\xf0\x9f\x91\xa7 Familia con"));
    free(l);
    teardown_ui(&f);
}

int
main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_screen_80x24),
        cmocka_unit_test(test_wide_screen_shows_user_pane_and_failure),
        cmocka_unit_test(test_remote_escapes_are_neutralised),
        cmocka_unit_test(test_help_and_history),
        cmocka_unit_test(test_help_overlay_whole),
        cmocka_unit_test(test_team_mode_screen),
        cmocka_unit_test(test_too_small_and_resize_keeps_draft),
        cmocka_unit_test(test_too_small_says_the_size_needed),
        cmocka_unit_test(test_long_draft_scrolls_to_the_cursor),
        cmocka_unit_test(test_clusters_keep_the_separator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
