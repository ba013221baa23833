/* The console: wires the screen, the keys and the send pipeline on the single loop. */
#include "app.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "jelou/catalog.h"
#include "jelou/cli.h"
#include "jelou/demo.h"
#include "jelou/event.h"
#include "jelou/inbound.h"
#include "jelou/journal.h"
#include "jelou/editbuf.h"
#include "jelou/editor.h"
#include "jelou/history.h"
#include "jelou/loop.h"
#include "jelou/mock.h"
#include "jelou/outbox.h"
#include "jelou/probe.h"
#include "jelou/record.h"
#include "jelou/replies.h"
#include "jelou/rest.h"
#include "jelou/restore.h"
#include "jelou/session.h"
#include "jelou/settings.h"
#include "jelou/sign.h"
#include "jelou/slash.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "term.h"
#include "ui.h"

#define PASTE_GUARD_CHARS 1000
#define RECALL_MAX 100

struct app {
    struct ui u;
    struct term term;
    int term_open;
    struct settings *st;
    struct transport *t;
    struct loop *loop;
    struct outbox *ob;
    struct inbound *in;
    struct journal *journal;
    struct journal_pending *pending; /* unsent messages of a stopped console, for /resume */
    size_t npending;
    char *history_path;
    char *events_path;
    struct restore_opts restore; /* where earlier sessions are read back from */
    char *unread_path;      /* signed events that could not be read, kept as they came */
    struct replies replies;
    struct catalog cat;
    char *agent;
    int quit;
    int quit_asked;
    int dirty;
    char *recall[RECALL_MAX];
    size_t nrecall;
    size_t recall_pos;        /* nrecall when not recalling */
    int ctrl_x;
    int in_paste;
    struct buf paste;
    unsigned probe_gen;       /* a probe's answer is for the card only if gens match */
    unsigned long keyno;      /* keys handled so far */
    unsigned long status_keyno; /* the key during which the status message was set */
    int input_fd;
    int input_id;             /* the terminal's loop source; -1 while the editor has it */
    struct editor *editor;    /* Ctrl-X Ctrl-E's child, or NULL */
    struct editbuf *edit_draft; /* the draft the editor's text goes back to */
};

static long long
wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
set_status(struct app *a, int error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
set_status(struct app *a, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    free(a->u.status);
    a->u.status = s;
    a->u.status_error = error;
    a->status_keyno = a->keyno;
    a->dirty = 1;
}

static void
clear_status(struct app *a)
{
    free(a->u.status);
    a->u.status = NULL;
    a->u.status_error = 0;
    a->dirty = 1;
}

/* ---- sending ---- */

static void
on_outbox_change(void *arg, struct outbox_entry *e)
{
    struct app *a = arg;
    struct chat_msg *m = e->user;
    a->u.outbox_busy = outbox_busy(a->ob);
    a->dirty = 1;
    if (m == NULL)
        return; /* still inside outbox_add: the caller copies the state */
    m->state = e->state;
    m->attempt = e->attempt;
    m->tries = e->tries;
    m->max_attempts = e->max_attempts;
    m->http_status = e->http_status;
    /* Rounded up so that a wait never reads "0s"; the field holds up to 18 hours. */
    long retry_s = (e->retry_in_ms + 999) / 1000;
    m->retry_in_s = e->state == SEND_SENDING ? (unsigned)(retry_s > 65535 ? 65535 : retry_s) : 0;
    xstrset(&m->error, e->error);
    if (e->state != SEND_ACCEPTED && e->state != SEND_FAILED)
        return;
    /* The connection state the status line shows is what the last answer said. */
    free(a->u.link);
    a->u.link = e->state == SEND_ACCEPTED ? xstrdup("link ok")
                : e->network_error ? xstrdup("unreachable")
                : xasprintf("last send refused (%ld)", e->http_status);
    struct room *r = NULL;
    if (session_find_msg(a->u.s, m->id, &r) && r)
        room_update_wait(r);
    if (a->history_path) {
        char *preview = chat_msg_preview(m);
        struct history_entry h = {
            .time_ms = m->time_ms, .room = e->msg->room, .user = e->msg->user, .id = m->id,
            .type = m->type, .preview = preview, .url = m->url, .state = m->state,
            .attempts = m->tries, .http_status = m->http_status, .error = m->error,
        };
        char *cause = NULL;
        if (history_append(a->history_path, &h, &cause) != 0) {
            set_status(a, 1, "history not saved: %s", cause);
            free(cause);
        }
        free(preview);
    }
    if (e->state == SEND_FAILED && !a->u.status)
        set_status(a, 1, "a message failed: %s (/retry sends it again with the same id)",
                   e->error ? e->error : "unknown error");
}

/* Sends m to room r and shows it in the transcript. Takes m. Returns 0 or -1 (status set). */
static int
send_message(struct app *a, struct room *r, struct message *m)
{
    char *cause = NULL;
    xstrset(&m->room, r->id);
    xstrset(&m->user, r->user);
    xstrset(&m->project, r->project ? r->project : a->st->project);
    xstrset(&m->bot, r->bot ? r->bot : a->st->bot);
    if (m->id == NULL)
        m->id = sign_uuid4();
    struct chat_msg *c = chat_msg_new(CHAT_OUT, m->type);
    xstrset(&c->id, m->id);
    xstrset(&c->text, m->body);
    xstrset(&c->url, m->url);
    xstrset(&c->mime, m->mime);
    xstrset(&c->caption, m->caption);
    xstrset(&c->filename, m->filename);
    c->time_ms = wall_ms();
    struct outbox_entry *e = outbox_add(a->ob, m, &cause);
    if (e == NULL) {
        set_status(a, 1, "not sent: %s", cause);
        free(cause);
        chat_msg_free(c);
        return -1;
    }
    c->entry = e;
    c->state = e->state;
    c->attempt = e->attempt;
    c->max_attempts = e->max_attempts;
    e->user = c;
    room_add(r, c);
    r->scroll = 0;
    if (c->url)
        catalog_add(&a->cat, c->url, c->type, c->mime, NULL, c->caption, 1);
    a->u.outbox_busy = outbox_busy(a->ob);
    a->dirty = 1;
    return 0;
}

static int
room_can_send(struct app *a, struct room *r)
{
    if (r == NULL) {
        set_status(a, 1, "no conversation open: /open ROOM USER first");
        return 0;
    }
    if (r->state == ROOM_CLOSED) {
        set_status(a, 1, "this conversation is closed; nothing was sent");
        return 0;
    }
    if (r->user == NULL) {
        set_status(a, 1, "this room has no user id; /open ROOM USER sets it");
        return 0;
    }
    return 1;
}

static void
recall_push(struct app *a, const char *text)
{
    if (a->nrecall == RECALL_MAX) {
        free(a->recall[0]);
        memmove(a->recall, a->recall + 1, (RECALL_MAX - 1) * sizeof *a->recall);
        a->nrecall--;
    }
    a->recall[a->nrecall++] = xstrdup(text);
    a->recall_pos = a->nrecall;
}

static void
draft_sent(struct app *a)
{
    editbuf_clear(ui_draft(&a->u));
    a->u.paste_guard = 0;
    a->u.confirm_pending = 0;
    a->recall_pos = a->nrecall;
}

static void
send_text(struct app *a, const char *text)
{
    struct room *r = a->u.sel;
    if (!room_can_send(a, r))
        return;
    struct message *m = message_new();
    m->type = MSG_TEXT;
    xstrset(&m->body, text);
    if (send_message(a, r, m) == 0) {
        recall_push(a, text);
        draft_sent(a);
        clear_status(a);
    }
}

/* ---- attachments ---- */

static void
card_clear(struct app *a)
{
    struct attach_card *c = &a->u.attach;
    free(c->url);
    free(c->caption);
    free(c->filename);
    free(c->mime);
    free(c->server_type);
    memset(c, 0, sizeof *c);
    a->probe_gen++;
    a->dirty = 1;
}

static void
on_probe(void *arg, const struct probe_result *r)
{
    struct app *a = *(struct app **)arg;
    unsigned gen = *(unsigned *)((struct app **)arg + 1);
    free(arg);
    struct attach_card *c = &a->u.attach;
    if (gen != a->probe_gen || !c->active)
        return; /* cancelled meanwhile */
    a->dirty = 1;
    if (!r->ok) {
        set_status(a, 1, "cannot attach %s: %s", c->url, r->error);
        card_clear(a);
        return;
    }
    enum msg_type type;
    char *cause = NULL;
    if (probe_pick_type(r->mime, c->want, 0, &type, &cause) != 0) {
        set_status(a, 1, "cannot attach: %s", cause);
        free(cause);
        card_clear(a);
        return;
    }
    c->checking = 0;
    c->type = type;
    xstrset(&c->mime, r->mime);
    xstrset(&c->server_type, r->server_type);
}

static void
attach_start(struct app *a, enum msg_type want, const char *url, const char *rest)
{
    char *cause = NULL;
    if (!room_can_send(a, a->u.sel))
        return;
    if (url_check_media(url, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        return;
    }
    card_clear(a);
    struct attach_card *c = &a->u.attach;
    c->active = 1;
    c->checking = 1;
    c->room = a->u.sel;
    c->want = want;
    c->url = xstrdup(url);
    if (rest && (want == MSG_IMAGE || want == MSG_VIDEO || want == MSG_NONE))
        c->caption = xstrdup(rest);
    else if (rest && want == MSG_DOCUMENT)
        c->filename = xstrdup(rest);
    /* The probe's answer carries the generation it was started for. */
    void *ticket = xmalloc(sizeof(struct app *) + sizeof(unsigned) + 8);
    *(struct app **)ticket = a;
    *(unsigned *)((struct app **)ticket + 1) = a->probe_gen;
    clear_status(a);
    if (probe_start(a->t, url, on_probe, ticket, &cause) != 0) {
        free(ticket);
        set_status(a, 1, "%s", cause);
        free(cause);
        card_clear(a);
    }
}

static void
attach_send(struct app *a)
{
    struct attach_card *c = &a->u.attach;
    struct room *r = c->room;
    if (!room_can_send(a, r))
        return;
    struct message *m = message_new();
    m->type = c->type;
    xstrset(&m->url, c->url);
    xstrset(&m->mime, c->mime);
    m->mime_forced = c->mime_forced;
    if (c->type == MSG_IMAGE || c->type == MSG_VIDEO)
        xstrset(&m->caption, c->caption);
    if (c->type == MSG_DOCUMENT)
        xstrset(&m->filename, c->filename);
    if (send_message(a, r, m) == 0) {
        if (r == a->u.sel)
            draft_sent(a);
        card_clear(a);
        clear_status(a);
    }
}

/* Tab on a ready card: the next type the detected MIME allows. */
static void
attach_cycle_type(struct app *a)
{
    struct attach_card *c = &a->u.attach;
    static const enum msg_type order[] = {MSG_IMAGE, MSG_VIDEO, MSG_AUDIO, MSG_DOCUMENT};
    size_t cur = 0;
    for (size_t i = 0; i < 4; i++)
        if (order[i] == c->type)
            cur = i;
    for (size_t k = 1; k <= 4; k++) {
        enum msg_type cand = order[(cur + k) % 4], got;
        char *cause = NULL;
        int forced = cand == MSG_DOCUMENT && msg_type_for_mime(c->mime) != MSG_DOCUMENT;
        if (probe_pick_type(c->mime, cand, forced, &got, &cause) == 0) {
            c->type = got;
            c->mime_forced = forced;
            a->dirty = 1;
            return;
        }
        free(cause);
    }
}

/* ---- rooms ---- */

static void
select_room(struct app *a, struct room *r)
{
    if (r == a->u.sel)
        return;
    if (a->u.attach.active)
        card_clear(a);
    a->u.sel = r;
    a->u.paste_guard = 0;
    a->u.confirm_pending = 0;
    if (r)
        r->unread = 0;
    a->recall_pos = a->nrecall;
    a->dirty = 1;
}

static void
select_nth(struct app *a, int delta, int absolute)
{
    size_t n = a->u.s->nrooms;
    if (n == 0)
        return;
    struct room **v = xcalloc(n, sizeof *v);
    session_sorted(a->u.s, v, n);
    size_t cur = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == a->u.sel)
            cur = i;
    size_t next;
    if (absolute >= 0)
        next = (size_t)absolute < n ? (size_t)absolute : cur;
    else
        next = (cur + n + (size_t)(delta + (int)n)) % n;
    select_room(a, v[next]);
    free(v);
}

/* ---- Jelou's events ---- */

static void
on_event(void *arg, const struct event *ev, int duplicate)
{
    struct app *a = arg;
    long long when = ev->timestamp_ms ? ev->timestamp_ms : wall_ms();
    if (duplicate)
        return; /* shown the first time */
    a->dirty = 1;
    struct chat_msg *c = NULL;
    struct room *r = session_apply_event(a->u.s, ev, when, &c);
    if (r == NULL) {
        set_status(a, 0, "Jelou sent %s%s; it is in the journal", ev->name ? ev->name : "an event",
                   ev->room && ev->room[0] ? "" : " without a room");
        return;
    }
    if (c != NULL) {
        if (c->url)
            catalog_add(&a->cat, c->url, c->type, c->mime, NULL, c->caption, 1);
        if (a->u.sel == NULL)
            select_room(a, r);
        else if (r != a->u.sel)
            r->unread++;
        /* The bell also sets the terminal's urgent hint where it has one. */
        if (!a->u.muted && a->term_open && a->editor == NULL)
            a->term.bell(a->term.ctx);
    }
}

/* ---- conversation control (REST) ---- */

struct rest_call {
    struct app *a;
    enum slash_cmd cmd;
    char *room;
    char *user;
};

static void
on_rest(void *arg, const struct rest_result *res)
{
    struct rest_call *call = arg;
    struct app *a = call->a;
    struct room *r = call->room ? session_room(a->u.s, call->room) : NULL;
    const struct rest_answer *ans = res->answer;
    const char *what = call->cmd == SLASH_CLOSE ? "close" : call->cmd == SLASH_START ? "start"
                                                                                   : "info";
    a->dirty = 1;
    if (!res->ok) {
        set_status(a, 1, "/%s failed: %s", what, res->error ? res->error : "unknown error");
    } else if (call->cmd == SLASH_CLOSE && r != NULL) {
        r->state = ROOM_CLOSED;
        xstrset(&r->close_reason, "closed_by_operator");
        room_add_note(r, wall_ms(), xstrdup("you closed the conversation"));
        set_status(a, 0, "conversation with %s closed", r->name ? r->name : call->user);
    } else if (call->cmd == SLASH_START) {
        if (ans && ans->room) {
            struct room *o = session_open(a->u.s, ans->room, call->user, ans->user_name);
            o->state = ROOM_ACTIVE;
            xstrset(&o->conversation, ans->conversation);
            select_room(a, o);
        }
        set_status(a, 0, "conversation started with %s%s", call->user,
                   ans && ans->room ? "" : "; its room appears with Jelou's event");
    } else if (call->cmd == SLASH_INFO && r != NULL && ans != NULL) {
        if (ans->state)
            r->state = strcmp(ans->state, "closed") == 0 ? ROOM_CLOSED : ROOM_ACTIVE;
        if (ans->ended_reason)
            xstrset(&r->close_reason, ans->ended_reason);
        set_status(a, 0, "conversation %s: %s%s%s", ans->conversation ? ans->conversation : "?",
                   ans->state ? ans->state : "state unknown", ans->ended_reason ? ", " : "",
                   ans->ended_reason ? ans->ended_reason : "");
    }
    free(call->room);
    free(call->user);
    free(call);
}

/* /resume: the messages a stopped console left unsent, with the bytes it had signed. */
static void
resume_pending(struct app *a)
{
    size_t sent = 0;
    char *cause = NULL;
    if (a->npending == 0) {
        set_status(a, 0, "nothing to resume");
        return;
    }
    for (size_t i = 0; i < a->npending; i++) {
        struct journal_pending *p = &a->pending[i];
        struct message *shown = NULL;
        struct room *r = p->room ? session_open(a->u.s, p->room, p->user, NULL) : NULL;
        if (r == NULL || message_parse_event(p->body, p->body_len, &shown, &cause) != 0) {
            free(cause);
            cause = NULL;
            continue;
        }
        struct chat_msg *c = chat_msg_new(CHAT_OUT, shown->type);
        xstrset(&c->id, shown->id);
        xstrset(&c->text, shown->body);
        xstrset(&c->url, shown->url);
        xstrset(&c->mime, shown->mime);
        xstrset(&c->caption, shown->caption);
        xstrset(&c->filename, shown->filename);
        c->time_ms = p->time_ms;
        struct outbox_entry *e = outbox_add_raw(a->ob, shown, p->body, p->body_len, &cause);
        if (e == NULL) {
            set_status(a, 1, "not resent: %s", cause);
            free(cause);
            chat_msg_free(c);
            break;
        }
        c->entry = e;
        c->state = e->state;
        e->user = c;
        room_add(r, c);
        sent++;
    }
    journal_pending_free(a->pending, a->npending);
    a->pending = NULL;
    a->npending = 0;
    set_status(a, 0, "resending %zu message%s with their ids", sent, sent == 1 ? "" : "s");
}

static void
conversation_command(struct app *a, const struct slash *sl)
{
    struct room *r = a->u.sel;
    char *cause = NULL;
    if (sl->cmd != SLASH_START && r == NULL) {
        set_status(a, 1, "no conversation open");
        return;
    }
    if (sl->cmd == SLASH_INFO && r->conversation == NULL) {
        set_status(a, 1, "no conversation id known for this room yet (Jelou's events bring it)");
        return;
    }
    if (a->st->api_key == NULL && settings_load_api_key(a->st, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        return;
    }
    const char *project = r && r->project ? r->project : a->st->project;
    const char *bot = r && r->bot ? r->bot : a->st->bot;
    char *base = rest_base_url(a->st->rest_base, project);
    struct rest_call *call = xcalloc(1, sizeof *call);
    call->a = a;
    call->cmd = sl->cmd;
    call->room = r && sl->cmd != SLASH_START ? xstrdup(r->id) : NULL;
    call->user = xstrdup(sl->cmd == SLASH_START ? sl->arg : r->user ? r->user : "");
    int rc;
    if (sl->cmd == SLASH_CLOSE)
        rc = rest_close(a->t, base, a->st->api_key, bot, call->user, sl->rest, on_rest, call,
                        &cause);
    else if (sl->cmd == SLASH_START)
        rc = rest_start(a->t, base, a->st->api_key, bot, call->user, sl->rest, on_rest, call,
                        &cause);
    else
        rc = rest_get(a->t, base, a->st->api_key, r->conversation, on_rest, call, &cause);
    free(base);
    if (rc != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        free(call->room);
        free(call->user);
        free(call);
        return;
    }
    set_status(a, 0, "asking Jelou…");
}

/* ---- commands ---- */

/* The screen and the keys go to the editor, a child; the loop keeps serving events, sends
 * and retries meanwhile, and on_child takes the text back when the editor ends. */
static void
edit_in_editor(struct app *a)
{
    char *cause = NULL;
    if (a->editor != NULL)
        return;
    struct editbuf *b = ui_draft(&a->u);
    term_curses_suspend(&a->term);
    a->editor = editor_start(editbuf_text(b), &cause);
    if (a->editor == NULL) {
        term_curses_resume(&a->term);
        set_status(a, 1, "%s; the draft is unchanged", cause);
        free(cause);
        return;
    }
    /* The draft is the room's: an event that selects another room meanwhile keeps it. */
    a->edit_draft = b;
    loop_remove(a->loop, a->input_id);
    a->input_id = -1;
}

static void on_input(void *arg, short revents);

static void
on_child(void *arg, int signo)
{
    struct app *a = arg;
    char *text = NULL, *cause = NULL;
    (void)signo;
    if (a->editor == NULL)
        return;
    int rc = editor_poll(a->editor, &text, &cause);
    if (rc == 0)
        return;
    editor_free(a->editor);
    a->editor = NULL;
    term_curses_resume(&a->term);
    /* The window may have been resized while the editor had it. */
    if (a->term.resize)
        a->term.resize(a->term.ctx);
    a->input_id = loop_add(a->loop, a->input_fd, POLLIN, on_input, NULL, a);
    if (rc > 0) {
        editbuf_set(a->edit_draft, text);
        clear_status(a);
    } else {
        set_status(a, 1, "%s; the draft is unchanged", cause);
    }
    free(text);
    free(cause);
    a->dirty = 1;
}

static struct chat_msg *
nth_failed(struct room *r, int n)
{
    for (size_t i = r->nmsgs; i-- > 0;) {
        struct chat_msg *m = r->msgs[i];
        if (m->dir == CHAT_OUT && m->state == SEND_FAILED && m->entry && --n == 0)
            return m;
    }
    return NULL;
}

static void
retry_message(struct app *a, struct chat_msg *m)
{
    char *cause = NULL;
    if (m == NULL || m->entry == NULL) {
        set_status(a, 1, "nothing to retry: no failed message from this session there");
        return;
    }
    if (outbox_retry(a->ob, m->entry, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        return;
    }
    m->state = m->entry->state;
    m->attempt = m->entry->attempt;
    set_status(a, 0, "retrying %s with the same id", m->id);
}

static void
run_command(struct app *a, struct slash *sl)
{
    struct room *r = a->u.sel;
    switch (sl->cmd) {
    case SLASH_IMAGE:
        attach_start(a, MSG_IMAGE, sl->arg, sl->rest);
        return;
    case SLASH_VIDEO:
        attach_start(a, MSG_VIDEO, sl->arg, sl->rest);
        return;
    case SLASH_AUDIO:
        attach_start(a, MSG_AUDIO, sl->arg, NULL);
        return;
    case SLASH_DOC:
        attach_start(a, MSG_DOCUMENT, sl->arg, sl->rest);
        return;
    case SLASH_ATTACH:
        attach_start(a, MSG_NONE, sl->arg, sl->rest);
        return;
    case SLASH_MEDIA:
        a->u.mode = MODE_PICKER;
        break;
    case SLASH_HISTORY:
        a->u.mode = MODE_HISTORY;
        a->u.hist_sel = 0;
        break;
    case SLASH_RETRY:
        if (r == NULL) {
            set_status(a, 1, "no conversation open");
            return;
        }
        retry_message(a, nth_failed(r, sl->n));
        break;
    case SLASH_OPEN: {
        struct room *o = session_open(a->u.s, sl->arg, sl->arg2, sl->rest);
        if (o->user == NULL)
            xstrset(&o->user, sl->arg2);
        select_room(a, o);
        set_status(a, 0, "opened room %s for user %s", o->id, o->user);
        break;
    }
    case SLASH_REPLY: {
        const struct reply *rep = replies_find(&a->replies, sl->arg);
        if (rep == NULL) {
            set_status(a, 1, "no canned reply named '%s' (Tab completes names)", sl->arg);
            return;
        }
        char *text = replies_expand(rep, r ? r->name : NULL, a->agent);
        editbuf_set(ui_draft(&a->u), text);
        free(text);
        clear_status(a);
        return; /* the reply is now the draft, to read and send */
    }
    case SLASH_EDIT:
        edit_in_editor(a);
        return;
    case SLASH_SORT:
        if (sl->arg == NULL)
            a->u.s->sort = a->u.s->sort == SORT_WAITING ? SORT_RECENT : SORT_WAITING;
        else
            a->u.s->sort = strcmp(sl->arg, "recent") == 0 ? SORT_RECENT : SORT_WAITING;
        set_status(a, 0, "rooms sorted by %s",
                   a->u.s->sort == SORT_WAITING ? "longest wait" : "latest activity");
        break;
    case SLASH_MUTE:
        a->u.muted = !a->u.muted;
        set_status(a, 0, "bell %s", a->u.muted ? "muted" : "on");
        break;
    case SLASH_CLOSE:
    case SLASH_START:
    case SLASH_INFO:
        conversation_command(a, sl);
        break;
    case SLASH_RESUME:
        resume_pending(a);
        break;
    case SLASH_HELP:
        a->u.mode = MODE_HELP;
        break;
    case SLASH_QUIT:
        a->quit = 1;
        break;
    }
    draft_sent(a);
    a->dirty = 1;
}

static void
submit_draft(struct app *a)
{
    struct editbuf *b = ui_draft(&a->u);
    const char *text = editbuf_text(b);
    if (text[strspn(text, " \t\n")] == '\0')
        return;
    struct slash sl;
    char *plain = NULL, *cause = NULL;
    int kind = slash_parse(text, &sl, &plain, &cause);
    if (kind < 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        return;
    }
    if (kind == 1) {
        run_command(a, &sl);
        slash_clear(&sl);
        return;
    }
    char *copy = xstrdup(plain ? plain : text);
    send_text(a, copy);
    free(copy);
    free(plain);
}

static void
complete_reply(struct app *a)
{
    struct editbuf *b = ui_draft(&a->u);
    const char *text = editbuf_text(b);
    const char *prefix = text + strlen("/reply ");
    const char *names[32];
    size_t n = replies_complete(&a->replies, prefix, names, 32);
    if (n == 0) {
        set_status(a, 1, "no canned reply starts with '%s'", prefix);
    } else if (n == 1) {
        char *line = xasprintf("/reply %s", names[0]);
        editbuf_set(b, line);
        free(line);
        clear_status(a);
    } else {
        /* Complete as far as every candidate agrees, like a shell, and list them. */
        size_t common = strlen(names[0]);
        for (size_t i = 1; i < n; i++) {
            size_t k = 0;
            while (k < common && names[i][k] == names[0][k])
                k++;
            common = k;
        }
        char *line = xasprintf("/reply %.*s", (int)common, names[0]);
        editbuf_set(b, line);
        free(line);
        struct buf list = {0};
        for (size_t i = 0; i < n; i++)
            buf_printf(&list, "%s%s", i ? " " : "", names[i]);
        set_status(a, 0, "replies: %s", list.data);
        buf_free(&list);
    }
}

/* ---- keys ---- */

static void
insert_codepoint(struct editbuf *b, int cp)
{
    char s[4];
    size_t n;
    if (cp < 0x80) {
        s[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        s[0] = (char)(0xc0 | (cp >> 6));
        s[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        s[0] = (char)(0xe0 | (cp >> 12));
        s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        s[0] = (char)(0xf0 | (cp >> 18));
        s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        s[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    editbuf_insert(b, s, n);
}

static int
printable(int code)
{
    return code >= 32 && code != 127 && code < 0x110000;
}

static void
paste_key(struct app *a, const struct key *k)
{
    if (k->code == K_PASTE_END) {
        a->in_paste = 0;
        struct editbuf *b = ui_draft(&a->u);
        if (a->paste.len > 0) {
            editbuf_insert(b, a->paste.data, a->paste.len);
            size_t chars = 0;
            for (size_t i = 0; i < a->paste.len; i++)
                chars += ((unsigned char)a->paste.data[i] & 0xc0) != 0x80;
            if (memchr(a->paste.data, '\n', a->paste.len) || chars > PASTE_GUARD_CHARS)
                a->u.paste_guard = 1;
        }
        buf_free(&a->paste);
        a->dirty = 1;
        return;
    }
    if (k->code == K_ENTER || k->code == '\n') {
        buf_append(&a->paste, "\n", 1);
    } else if (k->code == K_TAB) {
        buf_append(&a->paste, "\t", 1);
    } else if (printable(k->code)) {
        struct editbuf *tmp = editbuf_new();
        insert_codepoint(tmp, k->code);
        buf_appends(&a->paste, editbuf_text(tmp));
        editbuf_free(tmp);
    }
}

static int
edit_key(struct editbuf *b, const struct key *k)
{
    static const struct {
        int code, alt;
        enum edit_op op;
    } map[] = {
        {1, 0, EDIT_HOME},           {5, 0, EDIT_END},           {2, 0, EDIT_LEFT},
        {6, 0, EDIT_RIGHT},          {23, 0, EDIT_KILL_WORD_BACK}, {21, 0, EDIT_KILL_TO_START},
        {11, 0, EDIT_KILL_TO_END},   {25, 0, EDIT_YANK},         {31, 0, EDIT_UNDO},
        {4, 0, EDIT_DELETE},         {K_BACKSPACE, 0, EDIT_BACKSPACE},
        {K_DEL, 0, EDIT_DELETE},     {K_LEFT, 0, EDIT_LEFT},     {K_RIGHT, 0, EDIT_RIGHT},
        {K_HOME, 0, EDIT_HOME},      {K_END, 0, EDIT_END},       {'b', 1, EDIT_WORD_LEFT},
        {'f', 1, EDIT_WORD_RIGHT},   {K_LEFT, 1, EDIT_WORD_LEFT}, {K_RIGHT, 1, EDIT_WORD_RIGHT},
        {K_BACKSPACE, 1, EDIT_KILL_WORD_BACK},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].code == k->code && map[i].alt == k->alt) {
            editbuf_apply(b, map[i].op);
            return 1;
        }
    }
    return 0;
}

static void
recall(struct app *a, int dir)
{
    struct editbuf *b = ui_draft(&a->u);
    if (a->nrecall == 0)
        return;
    if (dir < 0 && a->recall_pos > 0)
        a->recall_pos--;
    else if (dir > 0 && a->recall_pos < a->nrecall)
        a->recall_pos++;
    editbuf_set(b, a->recall_pos < a->nrecall ? a->recall[a->recall_pos] : "");
}

static void
request_quit(struct app *a)
{
    int busy = outbox_busy(a->ob);
    if (busy == 0 || a->quit_asked) {
        a->quit = 1;
        return;
    }
    a->quit_asked = 1;
    set_status(a, 1, "%d still sending: Ctrl-C again quits, /resume sends %s next time", busy,
               busy == 1 ? "it" : "them");
}

static void
main_key(struct app *a, const struct key *k)
{
    struct editbuf *b = ui_draft(&a->u);
    struct attach_card *card = &a->u.attach;

    if (a->ctrl_x) {
        a->ctrl_x = 0;
        if (k->code == 5 && !k->alt) {
            edit_in_editor(a);
            return;
        }
    }
    if (k->code != 3)
        a->quit_asked = 0;
    if (card->active) {
        if (k->code == K_ESC) {
            card_clear(a);
            set_status(a, 0, "attachment not sent; the command is back in the box to edit");
        } else if (k->code == K_ENTER && !k->alt && !card->checking) {
            attach_send(a);
        } else if (k->code == K_TAB && !card->checking) {
            attach_cycle_type(a);
        } else if (k->code == 3) {
            request_quit(a);
        }
        return; /* the card owns the keys until it is sent or dismissed */
    }

    if (k->code == K_ENTER && !k->alt) {
        if (a->u.paste_guard && !a->u.confirm_pending) {
            const char *text = editbuf_text(b);
            size_t lines = 1, chars = 0;
            for (const char *p = text; *p; p++) {
                lines += *p == '\n';
                chars += ((unsigned char)*p & 0xc0) != 0x80;
            }
            a->u.confirm_pending = 1;
            set_status(a, 1, "pasted text of %zu line%s, %zu characters: Enter again sends it, "
                       "Esc keeps editing", lines, lines == 1 ? "" : "s", chars);
            return;
        }
        submit_draft(a);
        return;
    }
    if (k->code == K_ESC) {
        a->u.confirm_pending = 0;
        clear_status(a);
        return;
    }
    a->u.confirm_pending = 0;
    if ((k->code == K_ENTER && k->alt) || (k->code == '\n' && !k->alt)) {
        editbuf_insert(b, "\n", 1);
    } else if (k->code == K_TAB || (k->code == 'u' && k->alt)) {
        if (k->code == K_TAB && strncmp(editbuf_text(b), "/reply ", 7) == 0) {
            complete_reply(a);
            return; /* keep the list of candidates on screen */
        } else {
            int cur = a->u.user_pane;
            int rows, cols;
            a->term.size(a->term.ctx, &rows, &cols);
            int shown = cur < 0 ? cols >= 100 : cur;
            a->u.user_pane = !shown;
        }
    } else if (k->alt && k->code >= '1' && k->code <= '9') {
        select_nth(a, 0, k->code - '1');
    } else if (k->code == 14 && !k->alt) {
        select_nth(a, 1, -1);
    } else if (k->code == 16 && !k->alt) {
        select_nth(a, -1, -1);
    } else if (k->code == K_PGUP || k->code == K_PGDN) {
        if (a->u.sel) {
            int rows, cols;
            a->term.size(a->term.ctx, &rows, &cols);
            size_t page = rows > 8 ? (size_t)rows / 2 : 4;
            if (k->code == K_PGUP)
                a->u.sel->scroll += page;
            else
                a->u.sel->scroll = a->u.sel->scroll > page ? a->u.sel->scroll - page : 0;
        }
    } else if (k->code == K_F1) {
        a->u.mode = MODE_HELP;
    } else if (k->code == K_F2) {
        a->u.mode = MODE_HISTORY;
        a->u.hist_sel = 0;
    } else if (k->code == 12 && !k->alt) {
        /* Whatever else wrote on the terminal, or whatever it made of a cell, goes. */
        if (a->term.repaint)
            a->term.repaint(a->term.ctx);
        a->dirty = 1;
    } else if (k->code == 3 && !k->alt) {
        request_quit(a);
        return;
    } else if (k->code == 24 && !k->alt) {
        a->ctrl_x = 1;
    } else if ((k->code == K_UP || k->code == K_DOWN) && !k->alt) {
        int empty = editbuf_len(b) == 0 || a->recall_pos < a->nrecall;
        if (empty)
            recall(a, k->code == K_UP ? -1 : 1);
        else
            editbuf_apply(b, k->code == K_UP ? EDIT_LINE_UP : EDIT_LINE_DOWN);
    } else if (edit_key(b, k)) {
        /* handled */
    } else if (printable(k->code) && !k->alt) {
        insert_codepoint(b, k->code);
    } else {
        return;
    }
    if (editbuf_len(b) == 0)
        a->u.paste_guard = 0;
    a->dirty = 1;
}

/* Keys for a filter line (history, picker): typing edits it. Returns 1 if used. */
static int
filter_key(struct editbuf *f, const struct key *k)
{
    if (edit_key(f, k))
        return 1;
    if (printable(k->code) && !k->alt) {
        insert_codepoint(f, k->code);
        return 1;
    }
    return 0;
}

static void
history_key(struct app *a, const struct key *k)
{
    struct ui *u = &a->u;
    if (a->u.hist_filtering) {
        if (k->code == K_ENTER || k->code == K_ESC)
            a->u.hist_filtering = 0;
        else
            filter_key(u->hist_filter, k);
        u->hist_sel = 0;
        return;
    }
    struct hist_row *rows;
    size_t n = ui_history_rows(u, editbuf_text(u->hist_filter), &rows);
    if (k->code == K_ESC || k->code == 'q' || k->code == K_F2) {
        u->mode = MODE_MAIN;
    } else if (k->code == '/') {
        a->u.hist_filtering = 1;
    } else if ((k->code == K_DOWN || k->code == 'j') && u->hist_sel + 1 < n) {
        u->hist_sel++;
    } else if ((k->code == K_UP || k->code == 'k') && u->hist_sel > 0) {
        u->hist_sel--;
    } else if (k->code == K_ENTER && n > 0) {
        struct hist_row *h = &rows[u->hist_sel];
        select_room(a, h->room);
        size_t after = 0;
        for (size_t i = h->room->nmsgs; i-- > 0 && h->room->msgs[i] != h->msg;)
            after++;
        /* Two rows per later message is close enough to bring it on screen. */
        h->room->scroll = after > 3 ? (after - 3) * 2 : 0;
        u->mode = MODE_MAIN;
    } else if (k->code == 'r' && n > 0) {
        struct chat_msg *m = rows[u->hist_sel].msg;
        if (m->state != SEND_FAILED)
            set_status(a, 1, "only a failed message can be retried");
        else
            retry_message(a, m);
    }
    free(rows);
}

static void
picker_key(struct app *a, const struct key *k)
{
    struct ui *u = &a->u;
    if (k->code == K_ESC) {
        u->mode = MODE_MAIN;
        return;
    }
    size_t *idx = xcalloc(a->cat.n + 1, sizeof *idx);
    size_t n = catalog_filter(&a->cat, editbuf_text(u->pick_filter), idx, a->cat.n + 1);
    if (k->code == K_DOWN && u->pick_sel + 1 < n) {
        u->pick_sel++;
    } else if (k->code == K_UP && u->pick_sel > 0) {
        u->pick_sel--;
    } else if (k->code == K_ENTER && n > 0) {
        const struct media_item *m = &a->cat.items[idx[u->pick_sel]];
        const char *cmd = m->type == MSG_IMAGE ? "/image" : m->type == MSG_VIDEO ? "/video"
                          : m->type == MSG_AUDIO ? "/audio" : m->type == MSG_DOCUMENT ? "/doc"
                          : "/attach";
        const char *extra = m->type == MSG_IMAGE || m->type == MSG_VIDEO ? m->caption : NULL;
        char *line = extra ? xasprintf("%s %s %s", cmd, m->url, extra)
                           : xasprintf("%s %s", cmd, m->url);
        editbuf_set(ui_draft(u), line);
        free(line);
        u->mode = MODE_MAIN;
        set_status(a, 0, "Enter checks the media and asks before sending");
    } else if (filter_key(u->pick_filter, k)) {
        u->pick_sel = 0;
    }
    free(idx);
}

static void
handle_key(struct app *a, const struct key *k)
{
    a->dirty = 1;
    /* A message stays until the agent presses the next key after the one that caused it. */
    a->keyno++;
    if (a->u.status && a->status_keyno < a->keyno && !a->u.confirm_pending &&
        !a->quit_asked)
        clear_status(a);
    if (k->code == K_RESIZE)
        return;
    if (k->code == K_PASTE_BEGIN) {
        a->in_paste = 1;
        return;
    }
    if (a->in_paste) {
        paste_key(a, k);
        return;
    }
    switch (a->u.mode) {
    case MODE_HELP:
        a->u.mode = MODE_MAIN;
        break;
    case MODE_HISTORY:
        history_key(a, k);
        break;
    case MODE_PICKER:
        picker_key(a, k);
        break;
    case MODE_MAIN:
        main_key(a, k);
        break;
    }
}

static void
on_input(void *arg, short revents)
{
    struct app *a = arg;
    struct key k;
    (void)revents;
    while (!a->quit && a->term.read_key(a->term.ctx, &k))
        handle_key(a, &k);
}

static void
on_winch(void *arg, int signo)
{
    struct app *a = arg;
    (void)signo;
    /* Not while the editor has the terminal: on_child resizes when it comes back. */
    if (a->term.resize && a->editor == NULL)
        a->term.resize(a->term.ctx);
    a->dirty = 1;
}

static void
on_quit_signal(void *arg, int signo)
{
    struct app *a = arg;
    (void)signo;
    a->quit = 1;
}

static void
on_tick(void *arg)
{
    struct app *a = arg;
    /* Waiting times and clocks move even when nothing happens. */
    a->dirty = 1;
    loop_after(a->loop, 15000, on_tick, a);
}

/* ---- start-up ---- */

/* The outbox journal, and what a console that stopped left unsent (offered, not sent). */
static void
open_journal(struct app *a, const struct app_opts *o)
{
    char *cause = NULL;
    size_t skipped = 0;
    char *dir = journal_default_dir(&cause);
    if (o->demo && dir != NULL) {
        /* The demo's messages go to a sandbox that is gone with it: its own journal. */
        char *d = xasprintf("%s/demo", dir);
        free(dir);
        dir = d;
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            cause = xasprintf("cannot create %s: %s", dir, strerror(errno));
            free(dir);
            dir = NULL;
        }
    }
    a->journal = dir ? journal_open(dir, &cause) : NULL;
    if (a->journal == NULL) {
        set_status(a, 1, "outbox journal off, a crash could lose messages: %s", cause);
        free(cause);
        free(dir);
        return;
    }
    if (!o->demo && journal_recover(a->journal, dir, &a->pending, &a->npending, &skipped,
                                    &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
    } else if (a->npending > 0) {
        set_status(a, 1, "%zu unsent when the console stopped: /resume sends %s, same ids",
                   a->npending, a->npending == 1 ? "it" : "them");
    } else if (skipped > 0) {
        set_status(a, 1, "outbox journal: %zu damaged line%s skipped", skipped,
                   skipped == 1 ? "" : "s");
    }
    free(dir);
}

/* The listener's journal errors and unreadable events: the status line, never stderr,
 * which is under the screen. */
static void
on_inbound_notice(void *arg, const char *text)
{
    set_status(arg, 1, "%s", text);
}

/* Listens for Jelou's events; a listener that cannot start leaves the console usable for
 * sending, with the reason in the status line. *emit_to gets the listener's URL. */
static void
start_inbound(struct app *a, const struct app_opts *o, char **emit_to)
{
    const char *listen = o->listen ? o->listen : o->demo ? "127.0.0.1:0" : a->st->listen;
    const char *path = a->st->webhook_path && !o->demo ? a->st->webhook_path
                                                       : INBOUND_DEFAULT_PATH;
    char *addr = NULL, *cause = NULL;
    unsigned port = 0;
    *emit_to = NULL;
    if (cli_parse_listen(listen ? listen : INBOUND_DEFAULT_LISTEN, &addr, &port, &cause) != 0 ||
        (!o->demo && a->st->inbound_token_file && a->st->inbound_token == NULL &&
         settings_load_inbound_token(a->st, &cause) != 0)) {
        set_status(a, 1, "not listening for Jelou's events: %s", cause);
        free(cause);
        free(addr);
        return;
    }
    struct inbound_opts io = {
        .addr = addr,
        .port = port,
        .path = path,
        .secret = a->st->secret,
        .token = o->demo ? NULL : a->st->inbound_token,
        .journal = a->events_path,
        .quarantine = a->unread_path,
        .notice = on_inbound_notice,
    };
    a->in = inbound_new(a->loop, &io, on_event, a, &cause);
    if (a->in == NULL) {
        set_status(a, 1, "not listening for Jelou's events: %s", cause);
        free(cause);
    } else {
        int v6 = strchr(addr, ':') != NULL;
        *emit_to = xasprintf("http://%s%s%s:%u%s", v6 ? "[" : "", addr, v6 ? "]" : "",
                             inbound_port(a->in), path);
        a->u.inbound = xasprintf("in %s:%u%s", addr, inbound_port(a->in),
                                 o->public_listen ? " (public)" : "");
    }
    free(addr);
}

/* ---- earlier sessions ---- */

/* The listener learns every event the journal holds, so a redelivery after a restart is
 * answered without being shown or journaled again. */
static int
restore_seen(void *arg, const struct event *ev)
{
    struct app *a = arg;
    return a->in != NULL && inbound_seen(a->in, ev);
}

static void
restore_msg(void *arg, struct room *r, struct chat_msg *m)
{
    struct app *a = arg;
    (void)r;
    if (m->url)
        catalog_add(&a->cat, m->url, m->type, m->mime, NULL, m->caption, 1);
}

/* What earlier sessions acknowledged: the users' messages and conversation events from the
 * event journal and the agent's sends from the history, one pass over each, the newest
 * RESTORE_KEEP per room in memory. */
static void
load_earlier(struct app *a)
{
    struct restore_stats st;
    char *cause = NULL;
    a->restore = (struct restore_opts){
        .events = a->events_path, .history = a->history_path,
        .seen = restore_seen, .on_msg = restore_msg, .arg = a,
    };
    if (restore_session(a->u.s, &a->restore, &st, &cause) != 0) {
        set_status(a, 1, "earlier sessions not fully read: %s", cause);
        free(cause);
    } else if (st.events_skipped || st.sends_skipped) {
        set_status(a, 1, "damaged lines skipped: %zu in the event journal, %zu in the history",
                   st.events_skipped, st.sends_skipped);
    }
}

/* The agent scrolled past the top of a room that has older messages on disk. */
static void
load_older(struct app *a, struct room *r)
{
    size_t n = 0;
    char *cause = NULL;
    a->dirty = 1;
    if (restore_older(r, &a->restore, &n, &cause) != 0) {
        set_status(a, 1, "earlier messages not read: %s", cause);
        free(cause);
    }
}

static char *
config_file(const char *name)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/jelou-console/%s", xdg, name);
    if (home && home[0])
        return xasprintf("%s/.config/jelou-console/%s", home, name);
    return NULL;
}

static void
load_lists(struct app *a)
{
    char *cause = NULL;
    char *path = config_file("replies");
    if (path && replies_load(path, &a->replies, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
    }
    free(path);
    path = config_file("media");
    if (path && catalog_load(path, &a->cat, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
    }
    free(path);
}

/* The demo's sandbox shares the process: its complaints go to the status line, never to
 * stderr, which would scroll the screen. */
static void
on_sandbox_report(void *arg, const char *line)
{
    set_status(arg, 1, "sandbox: %s", line);
}

int
app_run(const struct app_opts *o)
{
    struct app *a = xcalloc(1, sizeof *a);
    struct demo demo = {0};
    char *cause = NULL;
    int code = 0;

    setlocale(LC_ALL, "");
    a->st = o->st;
    a->u.s = session_new();
    a->u.nodraft = editbuf_new();
    a->u.hist_filter = editbuf_new();
    a->u.pick_filter = editbuf_new();
    a->u.user_pane = -1;
    a->u.cat = &a->cat;
    a->recall_pos = 0;
    const char *agent = getenv("JELOU_AGENT_NAME");
    a->agent = xstrdup(agent && agent[0] ? agent : getenv("USER") ? getenv("USER") : "your agent");

    struct transport_opts to = {
        .cacert = o->st->cacert,
        .connect_timeout_ms = o->st->connect_timeout_ms,
        .timeout_ms = o->st->timeout_ms,
        .max_attempts = o->st->attempts,
    };
    a->t = transport_new(&to, &cause);
    if (a->t == NULL)
        goto fail;
    a->loop = loop_new();
    transport_attach(a->t, a->loop);

    /* History and the event journal live in the state directory; the demo keeps its own. */
    char *hist = history_default_path(&cause);
    if (hist == NULL) {
        set_status(a, 1, "history and journal disabled: %s", cause);
        free(cause);
        cause = NULL;
    } else {
        char *slash = strrchr(hist, '/');
        *slash = '\0';
        a->history_path = xasprintf("%s/%shistory.jsonl", hist, o->demo ? "demo-" : "");
        a->events_path = xasprintf("%s/%sevents.jsonl", hist, o->demo ? "demo-" : "");
        a->unread_path = xasprintf("%s/%sunread-events.jsonl", hist, o->demo ? "demo-" : "");
        free(hist);
    }

    char *emit_to = NULL;
    if (o->demo) {
        if (demo_prepare(&demo, &cause) != 0)
            goto fail;
        demo.report = on_sandbox_report;
        demo.report_arg = a;
        xstrset(&a->st->secret, demo.secret);
        xstrset(&a->st->api_key, demo.api_key);
    }
    start_inbound(a, o, &emit_to);
    if (o->demo) {
        int rc = demo_start(&demo, a->loop, a->t, o->demo_dir, emit_to, &cause);
        free(emit_to);
        if (rc != 0)
            goto fail;
        transport_set_ca_pem(a->t, demo.ca_pem);
        xstrset(&a->st->endpoint, demo.endpoint);
        xstrset(&a->st->rest_base, demo.rest_base);
        xstrset(&a->st->project, "demo-project");
        xstrset(&a->st->bot, "demo-bot");
        if (demo_load_rooms(o->demo_dir, a->u.s, wall_ms(), &cause) != 0 ||
            demo_load_catalog(o->demo_dir, demo.media_base, &a->cat, &cause) != 0)
            goto fail;
        load_lists(a);
        if (a->replies.n == 0) {
            /* The demo shows canned replies even before the agent wrote any. */
            char *path = xasprintf("%s/../replies.example", o->demo_dir);
            if (replies_load(path, &a->replies, &cause) != 0) {
                free(cause);
                cause = NULL;
            }
            free(path);
        }
        a->u.where = xstrdup("demo sandbox");
        /* The demo's listener is its own business: the sandbox is what it talks to. */
        free(a->u.inbound);
        a->u.inbound = NULL;
    } else {
        free(emit_to);
        struct url u;
        char *ucause = NULL;
        if (url_parse(o->st->endpoint, &u, &ucause) == 0) {
            a->u.where = xstrdup(u.host);
            url_clear(&u);
        }
        free(ucause);
        load_lists(a);
    }
    load_earlier(a);
    a->u.default_project = a->st->project;
    a->u.default_bot = a->st->bot;
    open_journal(a, o);
    struct outbox_opts oo = {
        .endpoint = a->st->endpoint,
        .secret = a->st->secret,
        .max_attempts = a->st->attempts,
        .parallel = 8,
        .journal = a->journal,
    };
    a->ob = outbox_new(a->t, &oo, on_outbox_change, a);
    if (a->u.s->nrooms > 0)
        select_nth(a, 0, 0);

    if (term_curses_open(&a->term, &a->input_fd, &cause) != 0)
        goto fail;
    a->term_open = 1;
    a->input_id = loop_add(a->loop, a->input_fd, POLLIN, on_input, NULL, a);
    loop_on_signal(a->loop, SIGWINCH, on_winch, a);
    loop_on_signal(a->loop, SIGCHLD, on_child, a);
    loop_on_signal(a->loop, SIGTERM, on_quit_signal, a);
    loop_on_signal(a->loop, SIGHUP, on_quit_signal, a);
    loop_after(a->loop, 15000, on_tick, a);
    a->dirty = 1;
    while (!a->quit) {
        /* Before drawing: a journal failure it reports shows in this turn's status line. */
        char *jcause = NULL;
        if (outbox_flush(a->ob, &jcause) != 0) {
            set_status(a, 1, "%s", jcause);
            free(jcause);
        }
        /* Nothing is drawn while the editor owns the terminal. */
        if (a->dirty && a->editor == NULL) {
            a->u.now_ms = wall_ms();
            a->u.outbox_busy = outbox_busy(a->ob);
            ui_draw(&a->u, &a->term);
            a->dirty = 0;
        }
        if (a->u.older_wanted) {
            /* The frame just drawn asked for them: read, then draw again before waiting. */
            load_older(a, a->u.older_wanted);
            a->u.older_wanted = NULL;
            continue;
        }
        loop_run_once(a->loop, -1);
    }
    goto done;

fail:
    fprintf(stderr, "jelou-console: %s\n", cause ? cause : "cannot start");
    free(cause);
    code = 2;
done:
    editor_free(a->editor);
    if (a->term_open)
        term_curses_close(&a->term);
    card_clear(a);
    outbox_free(a->ob);
    journal_close(a->journal);
    journal_pending_free(a->pending, a->npending);
    inbound_free(a->in);
    demo_stop(&demo);
    loop_free(a->loop);
    transport_free(a->t);
    session_free(a->u.s);
    editbuf_free(a->u.nodraft);
    editbuf_free(a->u.hist_filter);
    editbuf_free(a->u.pick_filter);
    replies_clear(&a->replies);
    catalog_clear(&a->cat);
    for (size_t i = 0; i < a->nrecall; i++)
        free(a->recall[i]);
    buf_free(&a->paste);
    free(a->u.status);
    free(a->u.where);
    free(a->u.link);
    free(a->history_path);
    free(a->events_path);
    free(a->unread_path);
    free(a->u.inbound);
    free(a->agent);
    free(a);
    return code;
}
