/* What each slash command does, the compose box's Enter and Tab, and $EDITOR. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/editbuf.h"
#include "jelou/editor.h"
#include "jelou/i18n.h"
#include "jelou/inbox.h"
#include "jelou/loop.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"
#include "app_impl.h"
#include "backend.h"

/* ---- commands ---- */

/* The screen and the keys go to the editor, a child; the loop keeps serving events, sends
 * and retries meanwhile, and on_child takes the text back when the editor ends. */
void
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
        set_status(a, 1, _("%s; the draft is unchanged"), cause);
        free(cause);
        return;
    }
    /* The draft is the room's: an event that selects another room meanwhile keeps it. */
    a->edit_draft = b;
    loop_remove(a->loop, a->input_id);
    a->input_id = -1;
}

void
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
        set_status(a, 1, _("%s; the draft is unchanged"), cause);
    }
    free(text);
    free(cause);
    a->dirty = 1;
}

/* A command's effect. Returns 1 when the command is done with the draft, which then goes;
 * 0 keeps it (an attachment card waits for Enter, a reply or the editor fills the box, a
 * refusal leaves the line to correct). */
typedef int command_fn(struct app *a, const struct slash *sl);

static int
run_image(struct app *a, const struct slash *sl)
{
    attach_start(a, MSG_IMAGE, sl->arg, sl->rest);
    return 0;
}

static int
run_video(struct app *a, const struct slash *sl)
{
    attach_start(a, MSG_VIDEO, sl->arg, sl->rest);
    return 0;
}

static int
run_audio(struct app *a, const struct slash *sl)
{
    attach_start(a, MSG_AUDIO, sl->arg, NULL);
    return 0;
}

static int
run_doc(struct app *a, const struct slash *sl)
{
    attach_start(a, MSG_DOCUMENT, sl->arg, sl->rest);
    return 0;
}

static int
run_attach(struct app *a, const struct slash *sl)
{
    attach_start(a, MSG_NONE, sl->arg, sl->rest);
    return 0;
}

static int
run_media(struct app *a, const struct slash *sl)
{
    (void)sl;
    a->u.mode = MODE_PICKER;
    return 1;
}

static int
run_history(struct app *a, const struct slash *sl)
{
    (void)sl;
    a->u.mode = MODE_HISTORY;
    a->u.hist_sel = 0;
    return 1;
}

static int
run_retry(struct app *a, const struct slash *sl)
{
    if (a->u.sel == NULL) {
        set_status(a, 1, _("no conversation open"));
        return 0;
    }
    retry_message(a, nth_failed(a->u.sel, sl->n));
    return 1;
}

static int
run_open(struct app *a, const struct slash *sl)
{
    struct room *o = session_open(a->u.s, sl->arg, sl->arg2, sl->rest);
    if (o->user == NULL)
        xstrset(&o->user, sl->arg2);
    select_room(a, o);
    set_status(a, 0, _("opened room %s for user %s"), o->id, o->user);
    return 1;
}

static int
run_reply(struct app *a, const struct slash *sl)
{
    struct room *r = a->u.sel;
    const struct reply *rep = replies_find(&a->replies, sl->arg);
    if (rep == NULL) {
        set_status(a, 1, _("no canned reply named '%s' (Tab completes names)"), sl->arg);
        return 0;
    }
    char *text = replies_expand(rep, r ? r->name : NULL, a->agent);
    editbuf_set(ui_draft(&a->u), text);
    free(text);
    clear_status(a);
    return 0; /* the reply is now the draft, to read and send */
}

static int
run_edit(struct app *a, const struct slash *sl)
{
    (void)sl;
    edit_in_editor(a);
    return 0;
}

static int
run_sort(struct app *a, const struct slash *sl)
{
    if (sl->arg == NULL)
        a->u.s->sort = a->u.s->sort == SORT_WAITING ? SORT_RECENT : SORT_WAITING;
    else
        a->u.s->sort = strcmp(sl->arg, "recent") == 0 ? SORT_RECENT : SORT_WAITING;
    set_status(a, 0, "%s", a->u.s->sort == SORT_WAITING ? _("rooms sorted by longest wait")
                                                         : _("rooms sorted by latest activity"));
    return 1;
}

static int
run_mute(struct app *a, const struct slash *sl)
{
    (void)sl;
    a->u.muted = !a->u.muted;
    set_status(a, 0, "%s", a->u.muted ? _("bell muted") : _("bell on"));
    return 1;
}

static int
run_close(struct app *a, const struct slash *sl)
{
    conversation_command(a, sl);
    return 1;
}

static int
run_start(struct app *a, const struct slash *sl)
{
    conversation_command(a, sl);
    return 1;
}

static int
run_info(struct app *a, const struct slash *sl)
{
    conversation_command(a, sl);
    return 1;
}

static int
run_resume(struct app *a, const struct slash *sl)
{
    (void)sl;
    resume_pending(a);
    return 1;
}

static int
run_help(struct app *a, const struct slash *sl)
{
    (void)sl;
    a->u.mode = MODE_HELP;
    return 1;
}

static int
run_quit(struct app *a, const struct slash *sl)
{
    (void)sl;
    a->quit = 1;
    return 1;
}

/* ---- team mode: the room operations ---- */

const char *
team_me(struct app *a)
{
    const struct backend_ops *be = a->be ? a->be->ops : NULL;
    return be && be->room && be->me ? be->me(a->be->ctx) : NULL;
}

/* What a room operation was, for its answer. */
struct room_call {
    struct app *a;
    enum room_op op;
    char *room;
    char *arg;
};

static void
on_room_done(void *arg, const struct room_answer *ans)
{
    struct room_call *c = arg;
    struct app *a = c->a;
    const char *arg1 = c->arg ? c->arg : "";
    a->dirty = 1;
    if (c->op == ROOM_OP_TYPING) {
        /* Nobody asked for it: a lost typing event is not worth the status line. */
    } else if (ans->ok) {
        switch (c->op) {
        case ROOM_OP_CLAIM:
            set_status(a, 0, _("room %s is yours"), c->room);
            break;
        case ROOM_OP_ASSIGN:
            if (strcmp(arg1, team_me(a) ? team_me(a) : "") == 0)
                set_status(a, 0, _("room %s is yours"), c->room);
            else
                set_status(a, 0, _("room %s is %s's now"), c->room, arg1);
            break;
        case ROOM_OP_RELEASE:
            set_status(a, 0, _("room %s released: anyone can take it"), c->room);
            break;
        case ROOM_OP_STATUS:
            set_status(a, 0, _("room %s marked %s"), c->room, arg1);
            break;
        case ROOM_OP_NOTE:
            set_status(a, 0, _("note added to room %s"), c->room);
            break;
        case ROOM_OP_TYPING:
            break;
        }
    } else if (ans->http_status == 409 && ans->assignee != NULL && ans->assignee[0]) {
        set_status(a, 1, _("nothing changed: room %s is %s's"), c->room, ans->assignee);
    } else if (ans->http_status == 409) {
        set_status(a, 1, _("nothing changed: room %s has nobody now"), c->room);
    } else {
        set_status(a, 1, _("the team server refused: %s"),
                   ans->error ? ans->error : _("unknown error"));
    }
    free(c->room);
    free(c->arg);
    free(c);
}

/* Asks the team server for op on the room on screen. 0, or -1 with the status line set. */
static int
room_op(struct app *a, const char *name, struct room_request *q)
{
    const struct backend_ops *be = a->be->ops;
    char *cause = NULL;
    if (be->room == NULL) {
        set_status(a, 1, _("/%s works in team mode only (start with --server)"), name);
        return -1;
    }
    if (a->u.sel == NULL) {
        set_status(a, 1, _("no conversation open"));
        return -1;
    }
    struct room_call *c = xcalloc(1, sizeof *c);
    c->a = a;
    c->op = q->op;
    c->room = xstrdup(a->u.sel->id);
    c->arg = q->arg ? xstrdup(q->arg) : NULL;
    q->room = c->room;
    /* Before the call: an answer that comes at once must not be overwritten by this. */
    set_status(a, 0, _("asking the team server…"));
    if (be->room(a->be->ctx, q, on_room_done, c, &cause) != 0) {
        set_status(a, 1, "%s", cause ? cause : _("unknown error"));
        free(cause);
        free(c->room);
        free(c->arg);
        free(c);
        return -1;
    }
    return 0;
}

static int
run_view(struct app *a, const struct slash *sl)
{
    if (a->be->ops->room == NULL) {
        set_status(a, 1, _("/%s works in team mode only (start with --server)"), "view");
        return 0;
    }
    a->u.view = sl->arg ? inbox_view_parse(sl->arg) : (a->u.view + 1) % VIEW_COUNT;
    clear_status(a);
    return 1;
}

static int
run_take(struct app *a, const struct slash *sl)
{
    struct room *r = a->u.sel;
    const char *me = team_me(a);
    struct room_request q = {.op = ROOM_OP_CLAIM};
    (void)sl;
    if (r != NULL && me != NULL && r->assignee != NULL) {
        if (strcmp(r->assignee, me) == 0) {
            set_status(a, 0, _("this room is yours already"));
            return 1;
        }
        /* A colleague's room is taken on the second asking only: it moves their work. */
        if (!a->take_armed) {
            set_status(a, 1, _("this room is %s's: /take again to take it from %s"),
                       r->assignee, r->assignee);
            a->take_armed = 1;
            return 1;
        }
        q.op = ROOM_OP_ASSIGN;
        q.arg = me;
        q.expect = r->assignee; /* the server refuses if someone else took it meanwhile */
    }
    a->take_armed = 0;
    return room_op(a, "take", &q) == 0;
}

static int
run_assign(struct app *a, const struct slash *sl)
{
    struct room *r = a->u.sel;
    struct room_request q = {.op = ROOM_OP_ASSIGN, .arg = sl->arg,
                             .expect = r && r->assignee ? r->assignee : ""};
    return room_op(a, "assign", &q) == 0;
}

static int
run_release(struct app *a, const struct slash *sl)
{
    struct room_request q = {.op = ROOM_OP_RELEASE};
    (void)sl;
    return room_op(a, "release", &q) == 0;
}

static int
run_note(struct app *a, const struct slash *sl)
{
    struct room_request q = {.op = ROOM_OP_NOTE, .arg = sl->rest};
    return room_op(a, "note", &q) == 0; /* refused: the note stays in the box */
}

static int
run_status(struct app *a, const struct slash *sl)
{
    struct room_request q = {.op = ROOM_OP_STATUS, .arg = sl->arg};
    if (strcmp(sl->arg, "snoozed") == 0)
        q.until_ms = clock_wall_ms() + (long long)sl->n * 1000;
    return room_op(a, "status", &q) == 0;
}

#define TYPING_EVERY_MS 3000

void
team_typing(struct app *a)
{
    struct room *r = a->u.sel;
    const char *text = editbuf_text(ui_draft(&a->u));
    long long now = clock_mono_ms();
    /* A command being typed is nothing the colleagues need to know about. */
    if (r == NULL || team_me(a) == NULL || text[0] == '\0' || text[0] == '/')
        return;
    if (a->typing_room == r && now - a->typing_sent_ms < TYPING_EVERY_MS)
        return;
    struct room_request q = {.op = ROOM_OP_TYPING};
    struct room_call *c = xcalloc(1, sizeof *c);
    char *cause = NULL;
    c->a = a;
    c->op = q.op;
    c->room = xstrdup(r->id);
    q.room = c->room;
    if (a->be->ops->room(a->be->ctx, &q, on_room_done, c, &cause) != 0) {
        free(cause);
        free(c->room);
        free(c);
        return;
    }
    a->typing_room = r;
    a->typing_sent_ms = now;
}

/* Each command's handler, bound by the one list in jelou/slash.h. */
#define HANDLER_ITEM(id, name, ...) [SLASH_##id] = run_##name,
static command_fn *const handlers[SLASH_COUNT] = {SLASH_COMMANDS(HANDLER_ITEM)};
#undef HANDLER_ITEM

static void
run_command(struct app *a, const struct slash *sl)
{
    if (handlers[sl->cmd](a, sl)) {
        draft_sent(a);
        a->dirty = 1;
    }
}

void
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

void
complete_reply(struct app *a)
{
    struct editbuf *b = ui_draft(&a->u);
    const char *text = editbuf_text(b);
    const char *prefix = text + strlen("/reply ");
    const char *names[32];
    size_t n = replies_complete(&a->replies, prefix, names, 32);
    if (n == 0) {
        set_status(a, 1, _("no canned reply starts with '%s'"), prefix);
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
        set_status(a, 0, _("replies: %s"), list.data);
        buf_free(&list);
    }
}
