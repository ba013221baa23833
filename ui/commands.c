/* What each slash command does, the compose box's Enter and Tab, and $EDITOR. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/editbuf.h"
#include "jelou/editor.h"
#include "jelou/i18n.h"
#include "jelou/loop.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"
#include "app_impl.h"

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
