/* The keys of each mode: the compose box, the help, the send history, the media picker. */
#include <stdlib.h>
#include <string.h>

#include "jelou/editbuf.h"
#include "jelou/i18n.h"
#include "jelou/outbox.h"
#include "jelou/session.h"
#include "jelou/xalloc.h"
#include "app_impl.h"
#include "backend.h"
#include "keymap.h"

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

/* Whether a binding's alt wish fits the key. */
static int
alt_fits(int want, const struct key *k)
{
    return want == ALT_ANY || (want == ALT_YES) == (k->alt != 0);
}

static int
edit_key(struct editbuf *b, const struct key *k)
{
#define EDIT_BINDING(code, alt, row, label, text, op) {code, alt, op},
    static const struct {
        int code, alt;
        enum edit_op op;
    } map[] = {EDIT_KEYS(EDIT_BINDING)};
#undef EDIT_BINDING
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].code == k->code && alt_fits(map[i].alt, k)) {
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
    int busy = a->be->ops->busy(a->be->ctx);
    if (busy == 0 || a->quit_asked) {
        a->quit = 1;
        return;
    }
    a->quit_asked = 1;
    set_status(a, 1, P_("%d still sending: Ctrl-C again quits, /resume sends it next time",
                        "%d still sending: Ctrl-C again quits, /resume sends them next time",
                        busy), busy);
}

/* ---- the compose box's keys (MAIN_KEYS in keymap.h) ---- */

static int
key_enter(struct app *a, const struct key *k)
{
    struct editbuf *b = ui_draft(&a->u);
    (void)k;
    if (a->u.paste_guard && !a->u.confirm_pending) {
        const char *text = editbuf_text(b);
        size_t lines = 1, chars = 0;
        for (const char *p = text; *p; p++) {
            lines += *p == '\n';
            chars += ((unsigned char)*p & 0xc0) != 0x80;
        }
        a->u.confirm_pending = 1;
        /* TRANSLATORS: the line count comes first, then the character count */
        set_status(a, 1, P_("pasted text of %zu line, %zu characters: Enter again sends it, "
                            "Esc keeps editing",
                            "pasted text of %zu lines, %zu characters: Enter again sends it, "
                            "Esc keeps editing", lines), lines, chars);
        return 0;
    }
    submit_draft(a);
    return 0;
}

static int
key_esc(struct app *a, const struct key *k)
{
    (void)k;
    a->u.confirm_pending = 0;
    a->u.window_confirm = 0;
    clear_status(a);
    return 0;
}

static int
key_newline(struct app *a, const struct key *k)
{
    (void)k;
    editbuf_insert(ui_draft(&a->u), "\n", 1);
    return 1;
}

static int
key_user_pane(struct app *a, const struct key *k)
{
    int rows, cols;
    (void)k;
    a->term.size(a->term.ctx, &rows, &cols);
    int shown = a->u.user_pane < 0 ? cols >= 100 : a->u.user_pane;
    a->u.user_pane = !shown;
    return 1;
}

/* Team mode: All, Mine, Unassigned, Mentions in turn (as /view without a word does). */
static int
key_view(struct app *a, const struct key *k)
{
    (void)k;
    if (team_me(a) == NULL) {
        set_status(a, 1, _("/%s works in team mode only (start with --server)"), "view");
        return 0;
    }
    a->u.view = (a->u.view + 1) % VIEW_COUNT;
    a->dirty = 1;
    return 0;
}

static int
key_tab(struct app *a, const struct key *k)
{
    if (strncmp(editbuf_text(ui_draft(&a->u)), "/reply ", 7) == 0) {
        complete_reply(a);
        return 0; /* keep the list of candidates on screen */
    }
    return key_user_pane(a, k);
}

static int
key_room_number(struct app *a, const struct key *k)
{
    select_nth(a, 0, k->code - '1');
    return 1;
}

static int
key_next_room(struct app *a, const struct key *k)
{
    (void)k;
    select_nth(a, 1, -1);
    return 1;
}

static int
key_previous_room(struct app *a, const struct key *k)
{
    (void)k;
    select_nth(a, -1, -1);
    return 1;
}

static int
key_scroll(struct app *a, const struct key *k)
{
    if (a->u.sel) {
        int rows, cols;
        a->term.size(a->term.ctx, &rows, &cols);
        size_t page = rows > 8 ? (size_t)rows / 2 : 4;
        if (k->code == K_PGUP)
            a->u.sel->scroll += page;
        else
            a->u.sel->scroll = a->u.sel->scroll > page ? a->u.sel->scroll - page : 0;
    }
    return 1;
}

static int
key_help(struct app *a, const struct key *k)
{
    (void)k;
    a->u.mode = MODE_HELP;
    return 1;
}

static int
key_history(struct app *a, const struct key *k)
{
    (void)k;
    a->u.mode = MODE_HISTORY;
    a->u.hist_sel = 0;
    return 1;
}

static int
key_redraw(struct app *a, const struct key *k)
{
    (void)k;
    /* Whatever else wrote on the terminal, or whatever it made of a cell, goes. */
    if (a->term.repaint)
        a->term.repaint(a->term.ctx);
    a->dirty = 1;
    return 1;
}

static int
key_quit(struct app *a, const struct key *k)
{
    (void)k;
    request_quit(a);
    return 0;
}

static int
key_ctrl_x(struct app *a, const struct key *k)
{
    (void)k;
    a->ctrl_x = 1;
    return 1;
}

static int
key_up_down(struct app *a, const struct key *k)
{
    struct editbuf *b = ui_draft(&a->u);
    int empty = editbuf_len(b) == 0 || a->recall_pos < a->nrecall;
    if (empty)
        recall(a, k->code == K_UP ? -1 : 1);
    else
        editbuf_apply(b, k->code == K_UP ? EDIT_LINE_UP : EDIT_LINE_DOWN);
    return 1;
}

struct key_binding {
    int first, last, alt;
    int (*fn)(struct app *a, const struct key *k);
};

#define MAIN_BINDING(first, last, alt, row, label, text, fn) {first, last, alt, fn},
static const struct key_binding main_keys[] = {MAIN_KEYS(MAIN_BINDING)};
#undef MAIN_BINDING

static const struct key_binding *
main_binding(const struct key *k)
{
    for (size_t i = 0; i < sizeof main_keys / sizeof main_keys[0]; i++) {
        const struct key_binding *kb = &main_keys[i];
        if (k->code >= kb->first && k->code <= kb->last && alt_fits(kb->alt, k))
            return kb;
    }
    return NULL;
}

/* The attachment card owns the keys until it is sent or dismissed. */
static void
card_key(struct app *a, const struct key *k)
{
    struct attach_card *card = &a->u.attach;
    /* Only Enter confirms a send past WhatsApp's window; any other key withdraws it. */
    if (k->code != K_ENTER)
        a->u.window_confirm = 0;
    if (k->code == K_ESC) {
        card_clear(a);
        set_status(a, 0, _("attachment not sent; the command is back in the box to edit"));
    } else if (k->code == K_ENTER && !k->alt && !card->checking) {
        attach_send(a);
    } else if (k->code == K_TAB && !card->checking) {
        attach_cycle_type(a);
    } else if (k->code == KEY_CTRL('c')) {
        request_quit(a);
    }
}

static void
main_key(struct app *a, const struct key *k)
{
    struct editbuf *b = ui_draft(&a->u);

    if (a->ctrl_x) {
        a->ctrl_x = 0;
        if (k->code == KEY_CTRL('e') && !k->alt) {
            edit_in_editor(a);
            return;
        }
    }
    if (k->code != KEY_CTRL('c'))
        a->quit_asked = 0;
    if (a->u.attach.active) {
        card_key(a, k);
        return;
    }
    const struct key_binding *kb = main_binding(k);
    /* Enter is the confirmation a pasted draft waits for; any other key withdraws it. */
    if (kb == NULL || kb->fn != key_enter) {
        a->u.confirm_pending = 0;
        a->u.window_confirm = 0;
    }
    if (kb != NULL) {
        if (!kb->fn(a, k))
            return;
    } else if (edit_key(b, k)) {
        team_typing(a);
    } else if (printable(k->code) && !k->alt) {
        insert_codepoint(b, k->code);
        team_typing(a);
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
            set_status(a, 1, _("only a failed message can be retried"));
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
        set_status(a, 0, _("Enter checks the media and asks before sending"));
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
        !a->u.window_confirm && !a->quit_asked)
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

void
on_input(void *arg, short revents)
{
    struct app *a = arg;
    struct key k;
    (void)revents;
    while (!a->quit && a->term.read_key(a->term.ctx, &k))
        handle_key(a, &k);
}
