/* Draws the console: rooms, transcript, user pane, compose box, status line and overlays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jelou/editbuf.h"
#include "jelou/i18n.h"
#include "jelou/layout.h"
#include "jelou/text.h"
#include "jelou/window.h"
#include "jelou/xalloc.h"
#include "ui.h"

struct editbuf *
ui_draft(struct ui *u)
{
    return u->sel ? u->sel->draft : u->nodraft;
}

/* Draws text sanitized and cut to cols columns; returns the columns used. */
static int
put_fit(struct term *t, int row, int col, int cols, const char *s, enum style st)
{
    if (cols <= 0 || s == NULL)
        return 0;
    char *clean = text_sanitize(s, strlen(s), 0);
    int used = 0;
    size_t n = text_fit(clean, strlen(clean), cols, &used);
    t->put(t->ctx, row, col, clean, n, st);
    free(clean);
    return used;
}

static void
fill(struct term *t, int row, int col, int cols, enum style st)
{
    char spaces[512];
    while (cols > 0) {
        int n = cols < (int)sizeof spaces ? cols : (int)sizeof spaces;
        memset(spaces, ' ', (size_t)n);
        t->put(t->ctx, row, col, spaces, (size_t)n, st);
        col += n;
        cols -= n;
    }
}

/* "14:05" today, "25 Nov" before: a time alone would lie about yesterday. */
static void
clock_text(const struct ui *u, long long ms, char *out, size_t size)
{
    time_t secs = (time_t)(ms / 1000), now = (time_t)(u->now_ms / 1000);
    struct tm tm, today;
    localtime_r(&secs, &tm);
    localtime_r(&now, &today);
    int same_day = tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday;
    strftime(out, size, same_day ? "%H:%M" : "%d %b", &tm);
}

static const char *
room_label(const struct room *r)
{
    return r->name ? r->name : r->user ? r->user : r->id;
}

size_t
ui_rooms(struct ui *u, struct room **out, size_t max)
{
    size_t n = session_sorted(u->s, out, max), k = 0;
    if (u->me == NULL)
        return n;
    for (size_t i = 0; i < n; i++) {
        if (inbox_visible(out[i], u->view, u->me))
            out[k++] = out[i];
    }
    return k;
}

/* Team mode: who has the room, cut short ("·" for nobody) for the rooms pane. */
static void
who_has(const struct room *r, char *out, size_t size)
{
    if (r->assignee == NULL) {
        snprintf(out, size, "·");
        return;
    }
    char *clean = text_sanitize(r->assignee, strlen(r->assignee), 0);
    int used = 0;
    size_t n = text_fit(clean, strlen(clean), 6, &used);
    snprintf(out, size, "%.*s", (int)n, clean);
    free(clean);
}

static void
draw_rooms(struct ui *u, struct term *t, const struct rect *p)
{
    char title[64];
    struct room **sorted = xcalloc(u->s->nrooms + 1, sizeof *sorted);
    size_t n = ui_rooms(u, sorted, u->s->nrooms);
    const char *order = u->s->sort == SORT_WAITING ? _("waiting") : _("recent");
    if (u->me != NULL)
        /* TRANSLATORS: the view ("Mine"), how many rooms it has, the order */
        snprintf(title, sizeof title, _("%s %zu · %s"), _(inbox_view_name(u->view)), n, order);
    else
        snprintf(title, sizeof title, _("Rooms (%zu) · %s"), u->s->nrooms, order);
    put_fit(t, p->row, p->col, p->cols, title, ST_TITLE);

    for (size_t i = 0; i < n && (int)i < p->rows - 1; i++) {
        struct room *r = sorted[i];
        int row = p->row + 1 + (int)i;
        char right[64] = "", when[16] = "", who[32] = "";
        if (r->waiting_since && r->state != ROOM_CLOSED)
            session_format_duration(u->now_ms - r->waiting_since, when, sizeof when);
        else if (r->last_ms)
            clock_text(u, r->last_ms, when, sizeof when);
        if (u->me != NULL) {
            who_has(r, who, sizeof who - 1);
            strcat(who, " ");
        }
        if (r->unread)
            snprintf(right, sizeof right, "%s+%u %s", who, r->unread, when);
        else
            snprintf(right, sizeof right, "%s%s", who, when);
        enum style st = r == u->sel ? ST_SELECTED
                        : r->state == ROOM_CLOSED ? ST_DIM
                        : r->unread ? ST_UNREAD : ST_NORMAL;
        char num[8];
        snprintf(num, sizeof num, i < 9 ? "%zu " : "  ", i + 1);
        fill(t, row, p->col, p->cols, st);
        t->put(t->ctx, row, p->col, r == u->sel ? "▸" : " ", r == u->sel ? 3 : 1, st);
        put_fit(t, row, p->col + 1, 2, num, st);
        int rw = text_width(right, strlen(right));
        put_fit(t, row, p->col + 3, p->cols - 4 - rw, room_label(r), st);
        put_fit(t, row, p->col + p->cols - rw, rw, right, st);
    }
    free(sorted);
}

/* A transcript row: up to two pieces of text in their styles. */
struct trow {
    char *a;
    enum style sa;
    char *b;
    enum style sb;
};

struct trows {
    struct trow *v;
    size_t n, cap;
};

static void
trow_push(struct trows *rs, char *a, enum style sa, char *b, enum style sb)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 32;
        rs->v = xrealloc(rs->v, rs->cap * sizeof *rs->v);
    }
    rs->v[rs->n++] = (struct trow){a, sa, b, sb};
}

static enum style
state_style(const struct chat_msg *m)
{
    switch (m->state) {
    case SEND_ACCEPTED:
        return ST_OK;
    case SEND_FAILED:
        return ST_ERROR;
    default:
        return ST_PENDING;
    }
}

/* Appends the wrapped body lines of s, indented by two columns, in reverse order. */
static void
push_wrapped_rev(struct trows *rs, const char *s, int cols, enum style st)
{
    char *clean = text_sanitize(s, strlen(s), 1);
    size_t len = strlen(clean);
    size_t max = len + 1;
    size_t *starts = xcalloc(max, sizeof *starts), *lens = xcalloc(max, sizeof *lens);
    size_t rows = text_wrap(clean, len, cols - 2 > 1 ? cols - 2 : 1, starts, lens, max);
    if (rows > max)
        rows = max;
    for (size_t i = rows; i-- > 0;) {
        char *line = xmalloc(lens[i] + 3);
        line[0] = line[1] = ' ';
        memcpy(line + 2, clean + starts[i], lens[i]);
        line[lens[i] + 2] = '\0';
        trow_push(rs, line, st, NULL, ST_NORMAL);
    }
    free(starts);
    free(lens);
    free(clean);
}

/* The rows of one message, last row first (the transcript is built from the bottom). */
static void
push_message_rev(struct ui *u, struct trows *rs, const struct room *r, const struct chat_msg *m,
                 int cols)
{
    enum style body = m->earlier ? ST_DIM : ST_NORMAL;
    if (m->type != MSG_TEXT && m->type != MSG_NONE && m->dir != CHAT_NOTE) {
        if (m->filename)
            push_wrapped_rev(rs, m->filename, cols, body);
        if (m->caption)
            push_wrapped_rev(rs, m->caption, cols, body);
        char *media = xasprintf("[%s]%s%s %s", msg_type_name(m->type), m->mime ? " " : "",
                                m->mime ? m->mime : "", m->url ? m->url : "");
        push_wrapped_rev(rs, media, cols, body);
        free(media);
    } else if (m->text) {
        push_wrapped_rev(rs, m->text, cols, m->dir == CHAT_NOTE ? ST_DIM
                                            : m->dir == CHAT_TEAMNOTE ? ST_NOTE : body);
    }
    char when[16];
    clock_text(u, m->time_ms, when, sizeof when);
    if (m->dir == CHAT_OUT) {
        char *status = chat_msg_status(m);
        /* A colleague's reply (team mode) carries their name where this agent's says You. */
        trow_push(rs, m->agent ? xasprintf("%s %s", when, m->agent)
                               : xasprintf(_("%s You"), when), m->earlier ? ST_DIM : ST_OUT,
                  xasprintf("  %s%s", status, m->earlier ? _(" (earlier session)") : ""),
                  m->earlier ? ST_DIM : state_style(m));
        free(status);
    } else if (m->dir == CHAT_IN) {
        trow_push(rs, xasprintf("%s %s", when, room_label(r)), m->earlier ? ST_DIM : ST_IN,
                  NULL, ST_NORMAL);
    } else if (m->dir == CHAT_TEAMNOTE) {
        /* TRANSLATORS: a private note's head: the time, then the agent who wrote it */
        trow_push(rs, xasprintf(_("%s note %s"), when, m->agent ? m->agent : "?"), ST_NOTE,
                  NULL, ST_NORMAL);
    } else {
        trow_push(rs, xasprintf("%s ·", when), ST_DIM, NULL, ST_NORMAL);
    }
    (void)u;
}

static void
draw_transcript(struct ui *u, struct term *t, const struct rect *p)
{
    struct room *r = u->sel;
    if (r == NULL) {
        put_fit(t, p->row, p->col + 1, p->cols - 1, _("No conversation open"), ST_TITLE);
        put_fit(t, p->row + 2, p->col + 1, p->cols - 1,
                _("/open ROOM USER opens one; users who write appear here."), ST_DIM);
        put_fit(t, p->row + 3, p->col + 1, p->cols - 1, _("F1 lists every key and command."),
                ST_DIM);
        return;
    }
    const char *typing = u->me ? inbox_typing(r, u->now_ms) : NULL;
    char *typing_text = typing ? xasprintf(_(" · %s is typing…"), typing) : NULL;
    char *title = xasprintf(_("%s · room %s%s%s"), room_label(r), r->id,
                            r->state == ROOM_CLOSED ? _(" · closed") : "",
                            r->scroll ? _(" · scrolled (PgDn)") : "");
    if (typing_text != NULL) {
        char *both = xasprintf("%s%s", title, typing_text);
        free(title);
        free(typing_text);
        title = both;
    }
    put_fit(t, p->row, p->col + 1, p->cols - 1, title, ST_TITLE);
    free(title);

    int body_rows = p->rows - 1;
    int cols = p->cols - 1;
    struct trows rs = {0};
    size_t want = (size_t)body_rows + r->scroll;
    for (size_t i = r->nmsgs; i-- > 0 && rs.n < want;)
        push_message_rev(u, &rs, r, r->msgs[i], cols);
    /* Scrolling stops at the first message, unless older ones wait on disk: then the
     * position is kept for the next frame, once the app has read them. */
    size_t top = rs.n > (size_t)body_rows ? rs.n - (size_t)body_rows : 0;
    if (rs.n < want && r->older)
        u->older_wanted = r;
    else if (rs.n < want)
        r->scroll = top;
    /* rs is newest-first: skip the rows scrolled past */
    size_t first = r->scroll < top ? r->scroll : top;
    int row = p->row + p->rows - 1;
    for (size_t i = first; i < rs.n && row > p->row; i++, row--) {
        struct trow *tr = &rs.v[i];
        int used = put_fit(t, row, p->col + 1, cols, tr->a, tr->sa);
        if (tr->b)
            put_fit(t, row, p->col + 1 + used, cols - used, tr->b, tr->sb);
    }
    for (size_t i = 0; i < rs.n; i++) {
        free(rs.v[i].a);
        free(rs.v[i].b);
    }
    free(rs.v);
}

/* WhatsApp's window as the user pane and the recipient line show it. */
static char *
window_line(const struct ui *u, const struct room *r)
{
    char w[64];
    window_format(r->last_in_ms, u->now_ms, w, sizeof w);
    return xstrdup(w);
}

/* The recipient line names the window only when it asks for the agent's attention. */
static const char *
window_alert(const struct ui *u, const struct room *r, char *out, size_t size)
{
    out[0] = '\0';
    if (!u->whatsapp_window || r->state == ROOM_CLOSED)
        return out;
    enum window_state ws = window_state(r->last_in_ms, u->now_ms, NULL);
    if (ws == WINDOW_CLOSING || ws == WINDOW_CLOSED) {
        char w[64];
        window_format(r->last_in_ms, u->now_ms, w, sizeof w);
        snprintf(out, size, " · %s", w);
    }
    return out;
}

static const char *
team_status_word(enum team_status st)
{
    switch (st) {
    case TEAM_OPEN:
        return _("open");
    case TEAM_PENDING:
        return _("pending");
    case TEAM_SNOOZED:
        return _("snoozed");
    case TEAM_RESOLVED:
        return _("resolved");
    case TEAM_CLOSED:
        return _("closed");
    case TEAM_UNKNOWN:
        break;
    }
    return _("unknown");
}

/* One audit fact in the agent's words: "14:05 ana took it from laura". */
static char *
audit_line(const struct ui *u, const struct room_audit *a)
{
    char when[16], until[16];
    clock_text(u, a->time_ms, when, sizeof when);
    if (a->kind == AUDIT_STATUS) {
        if (a->status == TEAM_SNOOZED && a->until_ms > 0) {
            clock_text(u, a->until_ms, until, sizeof until);
            return xasprintf(_("%s %s snoozed it until %s"), when, a->by, until);
        }
        return xasprintf(_("%s %s marked it %s"), when, a->by, team_status_word(a->status));
    }
    int to_self = strcmp(a->to, a->by) == 0;
    if (a->to[0] == '\0')
        return xasprintf(_("%s %s released it"), when, a->by);
    if (to_self && a->from != NULL && strcmp(a->from, a->by) != 0)
        return xasprintf(_("%s %s took it from %s"), when, a->by, a->from);
    if (to_self)
        return xasprintf(_("%s %s took it"), when, a->by);
    return xasprintf(_("%s %s gave it to %s"), when, a->by, a->to);
}

/* Team mode's part of the user pane: who has the room, its status, what was done to it. */
static int
draw_team(struct ui *u, struct term *t, const struct rect *p, const struct room *r, int row)
{
    char until[16];
    char *lines[2 + ROOM_AUDIT_MAX] = {0};
    size_t n = 0;
    lines[n++] = r->assignee ? xasprintf(_("assigned to %s"), r->assignee)
                             : xstrdup(_("assigned to nobody"));
    if (r->team_status == TEAM_SNOOZED && r->snooze_until > 0) {
        clock_text(u, r->snooze_until, until, sizeof until);
        lines[n++] = xasprintf(_("status snoozed until %s"), until);
    } else {
        lines[n++] = xasprintf(_("status %s"), team_status_word(r->team_status));
    }
    /* The ring's oldest line first: it reads like what happened. */
    size_t first = r->naudit < ROOM_AUDIT_MAX ? 0 : r->audit_next;
    for (size_t i = 0; i < r->naudit; i++)
        lines[n++] = audit_line(u, &r->audit[(first + i) % ROOM_AUDIT_MAX]);
    for (size_t i = 0; i < n; i++) {
        if (row < p->row + p->rows)
            put_fit(t, row++, p->col + 1, p->cols - 1, lines[i], i < 2 ? ST_NORMAL : ST_DIM);
        free(lines[i]);
    }
    return row;
}

static void
draw_user(struct ui *u, struct term *t, const struct rect *p)
{
    put_fit(t, p->row, p->col + 1, p->cols - 1, _("User"), ST_TITLE);
    struct room *r = u->sel;
    if (r == NULL)
        return;
    char when[16] = "", ago[16] = "";
    if (r->last_in_ms) {
        clock_text(u, r->last_in_ms, when, sizeof when);
        session_format_duration(u->now_ms - r->last_in_ms, ago, sizeof ago);
    }
    char *lines[] = {
        xstrdup(r->name ? r->name : _("(name unknown)")),
        /* TRANSLATORS: the user pane's labels line up: keep them 6 columns wide */
        xasprintf(_("user   %s"), r->user ? r->user : "?"),
        xasprintf(_("room   %s"), r->id),
        xasprintf(_("bot    %s"), r->bot ? r->bot : u->default_bot ? u->default_bot : "?"),
        xasprintf(_("proj   %s"), r->project ? r->project
                               : u->default_project ? u->default_project : "?"),
        xasprintf(_("state  %s"), r->state == ROOM_ACTIVE ? _("active")
                               : r->state == ROOM_CLOSED ? _("closed") : _("unknown")),
        r->last_in_ms ? xasprintf(_("last in %s (%s)"), when, ago) : xstrdup(_("last in never")),
        u->whatsapp_window && r->last_in_ms ? window_line(u, r) : NULL,
        xasprintf(_("msgs   %u in · %u out"), r->n_in, r->n_out),
        xasprintf(_("media  %u sent"), r->n_media_out),
        r->conversation ? xasprintf(_("conv   %s"), r->conversation) : NULL,
        r->close_reason ? xasprintf(_("closed: %s"), r->close_reason) : NULL,
    };
    int row = p->row + 2;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        if (lines[i] && row < p->row + p->rows)
            put_fit(t, row++, p->col + 1, p->cols - 1, lines[i], i == 0 ? ST_IN : ST_NORMAL);
        free(lines[i]);
    }
    if (u->me != NULL)
        draw_team(u, t, p, r, row);
}

static void
draw_compose(struct ui *u, struct term *t, const struct layout *lay)
{
    const struct rect *rp = &lay->recipient;
    struct room *r = u->sel;
    char alert[80] = "";
    char *to = r ? xasprintf(_("To %s · user %s · room %s%s%s"), room_label(r),
                             r->user ? r->user : "?", r->id,
                             r->state == ROOM_CLOSED ? _(" · closed") : "",
                             window_alert(u, r, alert, sizeof alert))
                 : xstrdup(_("No recipient: /open ROOM USER"));
    fill(t, rp->row, 0, rp->cols, ST_BORDER);
    put_fit(t, rp->row, 1, rp->cols - 1, to, ST_DIM);
    free(to);

    const struct rect *c = &lay->compose;
    struct editbuf *b = ui_draft(u);
    size_t crow = 0;
    int ccol = 0;
    /* However long the draft, the rows around the cursor are laid out and drawn: a fixed
     * table would lose every row past its end, cursor included. */
    size_t max = editbuf_layout(b, c->cols - 2, NULL, NULL, 0, NULL, NULL);
    size_t *starts = xcalloc(max, sizeof *starts), *lens = xcalloc(max, sizeof *lens);
    size_t rows = editbuf_layout(b, c->cols - 2, starts, lens, max, &crow, &ccol);
    if (rows > max)
        rows = max;
    /* Keep the cursor's row on screen: the box scrolls past five rows. */
    size_t top = crow >= (size_t)c->rows ? crow - (size_t)c->rows + 1 : 0;
    const char *text = editbuf_text(b);
    for (int i = 0; i < c->rows && top + (size_t)i < rows; i++) {
        size_t k = top + (size_t)i;
        t->put(t->ctx, c->row + i, 0, k == 0 ? "> " : "  ", 2, ST_OUT);
        char *clean = text_sanitize(text + starts[k], lens[k], 0);
        t->put(t->ctx, c->row + i, 2, clean, strlen(clean), ST_NORMAL);
        free(clean);
    }
    free(starts);
    free(lens);
    if (u->mode == MODE_MAIN)
        t->cursor(t->ctx, c->row + (int)(crow - top), 2 + ccol, 1);
}

static void
draw_status(struct ui *u, struct term *t, const struct rect *p)
{
    fill(t, p->row, 0, p->cols, ST_STATUS);
    char *left;
    enum style st = ST_STATUS;
    const struct attach_card *a = &u->attach;
    if (a->active && a->checking) {
        left = xasprintf(_("Attach: checking %s … (Esc cancels)"), a->url);
        st = ST_PENDING;
    } else if (a->active && a->warning) {
        /* What WhatsApp would refuse comes first; the warning names the MIME when it matters. */
        left = xasprintf(_("%s · Enter sends anyway · Esc edits"), a->warning);
        st = ST_ERROR;
    } else if (a->active) {
        char *says = a->server_type ? xasprintf(_(" (server says %s)"), a->server_type)
                                    : xstrdup("");
        left = xasprintf(_("Attach %s %s%s: Enter sends · Esc edits · Tab changes type"),
                         msg_type_name(a->type), a->mime, says);
        free(says);
        st = ST_PENDING;
    } else if (u->status) {
        left = xstrdup(u->status);
        st = u->status_error ? ST_ERROR : ST_STATUS;
    } else {
        left = xasprintf(_("%s%s%s · outbox %d%s%s%s"), u->where ? u->where : "",
                         u->link ? " · " : "", u->link ? u->link : "", u->outbox_busy,
                         u->inbound ? " · " : "", u->inbound ? u->inbound : "",
                         u->muted ? _(" · muted") : "");
    }
    const char *right = u->mode == MODE_MAIN ? _("F1 help · F2 history")
                        : u->mode == MODE_HISTORY ? _("Enter jump · r retry · Esc back")
                        : u->mode == MODE_PICKER ? _("Enter attach · Esc back") : _("Esc back");
    /* The hint gives way to a message that needs the whole line. */
    int rw = text_width(right, strlen(right));
    int room = p->cols - rw - 2;
    int fits = text_width(left, strlen(left)) + 2 <= room;
    put_fit(t, p->row, 1, fits ? room : p->cols - 1, left, st);
    if (fits)
        put_fit(t, p->row, p->cols - rw - 1, rw, right, ST_STATUS);
    free(left);
}

static void
draw_help(struct term *t, int rows, int cols)
{
    put_fit(t, 0, 1, cols - 1, _("Help · Esc closes"), ST_TITLE);
    char **lines = ui_help_lines_new();
    for (int i = 0; lines[i] && i + 2 < rows - 1; i++) {
        const char *l = lines[i];
        put_fit(t, i + 2, 1, cols - 1, l, l[0] != ' ' ? ST_TITLE : ST_NORMAL);
    }
    ui_help_lines_free(lines);
}

static int
by_time_desc(const void *a, const void *b)
{
    const struct hist_row *x = a, *y = b;
    if (x->msg->time_ms != y->msg->time_ms)
        return x->msg->time_ms < y->msg->time_ms ? 1 : -1;
    return 0;
}

size_t
ui_history_rows(struct ui *u, const char *filter, struct hist_row **rows)
{
    size_t n = 0, cap = 0;
    *rows = NULL;
    for (size_t i = 0; i < u->s->nrooms; i++) {
        struct room *r = u->s->rooms[i];
        for (size_t k = 0; k < r->nmsgs; k++) {
            struct chat_msg *m = r->msgs[k];
            if (m->dir != CHAT_OUT)
                continue;
            char *preview = chat_msg_preview(m);
            struct history_entry e = {
                .time_ms = m->time_ms, .room = r->id, .user = r->user, .id = m->id,
                .type = m->type, .preview = preview, .url = m->url, .state = m->state,
                .attempts = m->tries ? m->tries : m->attempt,
                .http_status = m->http_status, .error = m->error,
            };
            int match = filter == NULL || filter[0] == '\0' || history_match(&e, filter);
            free(preview);
            if (!match)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                *rows = xrealloc(*rows, cap * sizeof **rows);
            }
            (*rows)[n++] = (struct hist_row){r, m};
        }
    }
    if (n > 1)
        qsort(*rows, n, sizeof **rows, by_time_desc);
    return n;
}

static void
draw_history(struct ui *u, struct term *t, int rows, int cols)
{
    struct hist_row *hr;
    const char *filter = editbuf_text(u->hist_filter);
    size_t n = ui_history_rows(u, filter, &hr);
    if (u->hist_sel >= n)
        u->hist_sel = n ? n - 1 : 0;
    char *title = filter[0] || u->hist_filtering
                      ? xasprintf(P_("Send history · %zu message · filter: %s%s",
                                     "Send history · %zu messages · filter: %s%s", n), n,
                                  filter, u->hist_filtering ? "▏" : "")
                      : xasprintf(P_("Send history · %zu message · / filters (words, "
                                     "status:failed, room:ID, type:image)",
                                     "Send history · %zu messages · / filters (words, "
                                     "status:failed, room:ID, type:image)", n), n);
    put_fit(t, 0, 1, cols - 1, title, ST_TITLE);
    free(title);
    /* TRANSLATORS: column heads over fixed widths: time 6, room 13, user 13, type 9,
       status 18, tries 7 columns */
    put_fit(t, 1, 1, cols - 1, _("time  room         user         type     status            "
            "tries  message"), ST_DIM);
    int list_rows = rows - 3;
    size_t top = u->hist_sel >= (size_t)list_rows ? u->hist_sel - (size_t)list_rows + 1 : 0;
    for (int i = 0; i < list_rows && top + (size_t)i < n; i++) {
        struct hist_row *h = &hr[top + (size_t)i];
        struct chat_msg *m = h->msg;
        char when[16];
        clock_text(u, m->time_ms, when, sizeof when);
        char *status = chat_msg_status(m);
        char *preview = chat_msg_preview(m);
        char *line = xasprintf("%-5s %-12.12s %-12.12s %-8s %-17.17s %-6d %s", when, h->room->id,
                               h->room->user ? h->room->user : "?", msg_type_name(m->type),
                               status, m->tries ? m->tries : m->attempt, preview);
        int row = 2 + i;
        enum style st = top + (size_t)i == u->hist_sel ? ST_SELECTED
                        : m->earlier ? ST_DIM
                        : m->state == SEND_FAILED ? ST_ERROR : ST_NORMAL;
        if (st == ST_SELECTED)
            fill(t, row, 0, cols, st);
        put_fit(t, row, 1, cols - 1, line, st);
        free(line);
        free(status);
        free(preview);
    }
    if (n == 0)
        put_fit(t, 3, 1, cols - 1, _("Nothing sent yet."), ST_DIM);
    free(hr);
}

static void
draw_picker(struct ui *u, struct term *t, int rows, int cols)
{
    const char *filter = editbuf_text(u->pick_filter);
    size_t cap = u->cat->n + 1;
    size_t *idx = xcalloc(cap, sizeof *idx);
    size_t n = catalog_filter(u->cat, filter, idx, cap);
    if (u->pick_sel >= n)
        u->pick_sel = n ? n - 1 : 0;
    const char *shown = filter[0] ? filter : _("(type to filter)");
    char *title = xasprintf(P_("Media · %zu item · filter: %s",
                               "Media · %zu items · filter: %s", n), n, shown);
    put_fit(t, 0, 1, cols - 1, title, ST_TITLE);
    free(title);
    int list_rows = rows - 5;
    size_t top = u->pick_sel >= (size_t)list_rows ? u->pick_sel - (size_t)list_rows + 1 : 0;
    for (int i = 0; i < list_rows && top + (size_t)i < n; i++) {
        const struct media_item *m = &u->cat->items[idx[top + (size_t)i]];
        char *line = xasprintf("%-10s %-28.28s %s", m->type == MSG_NONE ? "[?]"
                               : msg_type_name(m->type), m->label ? m->label : "", m->url);
        enum style st = top + (size_t)i == u->pick_sel ? ST_SELECTED : ST_NORMAL;
        if (st == ST_SELECTED)
            fill(t, 2 + i, 0, cols, st);
        put_fit(t, 2 + i, 1, cols - 1, line, st);
        free(line);
    }
    if (n > 0) {
        const struct media_item *m = &u->cat->items[idx[u->pick_sel]];
        char size[64];
        snprintf(size, sizeof size, "%s", _("size unknown"));
        if (m->size >= 0)
            snprintf(size, sizeof size, _("%lld bytes"), m->size);
        char *preview = xasprintf("%s · %s · %s · %s%s%s",
                                  m->label ? m->label : _("(no label)"),
                                  m->type == MSG_NONE ? _("type unknown") : msg_type_name(m->type),
                                  m->mime ? m->mime : _("MIME unknown"), size,
                                  m->caption ? " · " : "", m->caption ? m->caption : "");
        put_fit(t, rows - 2, 1, cols - 1, preview, ST_DIM);
        free(preview);
    } else {
        put_fit(t, 2, 1, cols - 1, _("No media matches."), ST_DIM);
    }
    free(idx);
}

/* The size needed, in the longest wording that fits the screen, word-wrapped: a message cut
 * at the edge would hide the one thing the agent needs to know. */
static void
draw_too_small(struct term *t, int rows, int cols)
{
    char need[16], full[96];
    snprintf(need, sizeof need, "%dx%d", LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
    snprintf(full, sizeof full, _("Terminal too small (%dx%d): needs %s"), cols, rows, need);
    char shorter[48];
    snprintf(shorter, sizeof shorter, _("Too small: %s"), need);
    const char *tries[] = {full, shorter, need};
    for (size_t i = 0; i < sizeof tries / sizeof tries[0]; i++) {
        const char *s = tries[i];
        size_t n = strlen(s), starts[16], lens[16];
        size_t nrows = text_wrap(s, n, cols, starts, lens, 16);
        int last = i + 1 == sizeof tries / sizeof tries[0];
        if (!last && nrows > (size_t)rows)
            continue;
        for (size_t k = 0; k < nrows && k < 16 && (int)k < rows; k++) {
            char *line = xstrndup(s + starts[k], lens[k]);
            put_fit(t, (int)k, 0, cols, line, ST_ERROR);
            free(line);
        }
        return;
    }
}

void
ui_draw(struct ui *u, struct term *t)
{
    int rows, cols;
    t->size(t->ctx, &rows, &cols);
    t->erase(t->ctx);
    t->cursor(t->ctx, 0, 0, 0);

    size_t crow = 0;
    int ccol = 0;
    size_t need = editbuf_layout(ui_draft(u), cols - 2 > 1 ? cols - 2 : 1, NULL, NULL, 0, &crow,
                                 &ccol);
    struct layout lay;
    layout_compute(rows, cols, u->user_pane, (int)need, &lay);
    if (lay.too_small) {
        draw_too_small(t, rows, cols);
        t->flush(t->ctx);
        return;
    }
    int main_rows = lay.recipient.row;
    if (u->mode == MODE_HELP) {
        draw_help(t, main_rows + 1, cols);
    } else if (u->mode == MODE_HISTORY) {
        draw_history(u, t, main_rows + 1, cols);
    } else if (u->mode == MODE_PICKER) {
        draw_picker(u, t, main_rows + 1, cols);
    } else {
        draw_rooms(u, t, &lay.rooms);
        for (int r = 0; r < main_rows; r++) {
            t->put(t->ctx, r, lay.rooms.cols, "│", 3, ST_BORDER);
            if (lay.user_visible)
                t->put(t->ctx, r, lay.user.col - 1, "│", 3, ST_BORDER);
        }
        draw_transcript(u, t, &lay.transcript);
        if (lay.user_visible)
            draw_user(u, t, &lay.user);
    }
    draw_compose(u, t, &lay);
    draw_status(u, t, &lay.status);
    t->flush(t->ctx);
}
