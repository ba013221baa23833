/* Sending from the console: texts, the attachment card, retries and /resume. */
#include <stdlib.h>
#include <string.h>

#include "jelou/editbuf.h"
#include "jelou/history.h"
#include "jelou/i18n.h"
#include "jelou/journal.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/probe.h"
#include "jelou/session.h"
#include "jelou/settings.h"
#include "jelou/sign.h"
#include "jelou/url.h"
#include "jelou/whatsapp.h"
#include "jelou/window.h"
#include "jelou/xalloc.h"
#include "app_impl.h"
#include "backend.h"

/* ---- sending ---- */

void
on_outbox_change(void *arg, struct outbox_entry *e)
{
    struct app *a = arg;
    struct chat_msg *m = e->user;
    a->u.outbox_busy = a->be->ops->busy(a->be->ctx);
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
            set_status(a, 1, _("history not saved: %s"), cause);
            free(cause);
        }
        free(preview);
    }
    if (e->state == SEND_FAILED && !a->u.status)
        set_status(a, 1, _("a message failed: %s (/retry sends it again with the same id)"),
                   e->error ? e->error : _("unknown error"));
}

/* The connection state the status line shows is what the backend last said. */
void
on_backend_state(void *arg, const char *state)
{
    struct app *a = arg;
    xstrset(&a->u.link, state);
    a->dirty = 1;
}

/* The transcript's copy of an outgoing message, sent at time_ms. */
static struct chat_msg *
chat_msg_of(const struct message *m, long long time_ms)
{
    struct chat_msg *c = chat_msg_new(CHAT_OUT, m->type);
    xstrset(&c->id, m->id);
    xstrset(&c->text, m->body);
    xstrset(&c->url, m->url);
    xstrset(&c->mime, m->mime);
    xstrset(&c->caption, m->caption);
    xstrset(&c->filename, m->filename);
    c->time_ms = time_ms;
    return c;
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
    struct chat_msg *c = chat_msg_of(m, clock_wall_ms());
    struct outbox_entry *e = a->be->ops->send(a->be->ctx, m, &cause);
    if (e == NULL) {
        set_status(a, 1, _("not sent: %s"), cause);
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
    a->u.outbox_busy = a->be->ops->busy(a->be->ctx);
    a->dirty = 1;
    return 0;
}

static int
room_can_send(struct app *a, struct room *r)
{
    if (r == NULL) {
        set_status(a, 1, _("no conversation open: /open ROOM USER first"));
        return 0;
    }
    if (r->state == ROOM_CLOSED) {
        set_status(a, 1, _("this conversation is closed; nothing was sent"));
        return 0;
    }
    if (r->user == NULL) {
        set_status(a, 1, _("this room has no user id; /open ROOM USER sets it"));
        return 0;
    }
    /* Team mode: two agents answering one user at once is what the inbox is there to stop;
     * the server would refuse it too, but only after the agent thought it sent. */
    const char *me = team_me(a);
    if (me != NULL && r->assignee != NULL && strcmp(r->assignee, me) != 0) {
        set_status(a, 1, _("this room is %s's: /take to take it"), r->assignee);
        return 0;
    }
    return 1;
}

/* WhatsApp drops a free-form message sent after its 24-hour window: the first Enter says
 * so, a second one sends anyway (other channels, or the user may write again). The clock
 * is read now, so a user message that came in while the warning was up lets it through. */
static int
window_allows(struct app *a, struct room *r)
{
    if (!a->u.whatsapp_window || a->u.window_confirm ||
        !window_needs_confirm(r->last_in_ms, clock_wall_ms()))
        return 1;
    a->u.window_confirm = 1;
    set_status(a, 1, _("window closed: WhatsApp delivers it only if the user writes again · "
               "Enter sends"));
    return 0;
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

void
draft_sent(struct app *a)
{
    editbuf_clear(ui_draft(&a->u));
    a->u.paste_guard = 0;
    a->u.confirm_pending = 0;
    a->u.window_confirm = 0;
    a->recall_pos = a->nrecall;
}

void
send_text(struct app *a, const char *text)
{
    struct room *r = a->u.sel;
    if (!room_can_send(a, r) || !window_allows(a, r))
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

void
card_clear(struct app *a)
{
    struct attach_card *c = &a->u.attach;
    free(c->url);
    free(c->caption);
    free(c->filename);
    free(c->mime);
    free(c->server_type);
    free(c->warning);
    memset(c, 0, sizeof *c);
    a->probe_gen++;
    a->dirty = 1;
}

/* WhatsApp's rules for what the card would send now: a warning on the card, not a refusal
 * (other channels take more). */
static void
card_warn(struct attach_card *c)
{
    struct whatsapp_facts f = {
        .type = c->type, .mime = c->mime, .size = c->size, .ogg_opus = c->ogg_opus,
        .caption = c->type == MSG_IMAGE || c->type == MSG_VIDEO ? c->caption : NULL,
    };
    free(c->warning);
    c->warning = whatsapp_warnings(&f);
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
        set_status(a, 1, _("cannot attach %s: %s"), c->url, r->error);
        card_clear(a);
        return;
    }
    enum msg_type type;
    char *cause = NULL;
    if (probe_pick_type(r->mime, c->want, 0, &type, &cause) != 0) {
        set_status(a, 1, _("cannot attach: %s"), cause);
        free(cause);
        card_clear(a);
        return;
    }
    c->checking = 0;
    c->type = type;
    xstrset(&c->mime, r->mime);
    xstrset(&c->server_type, r->server_type);
    c->size = r->size;
    c->ogg_opus = r->ogg_opus;
    card_warn(c);
}

void
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

void
attach_send(struct app *a)
{
    struct attach_card *c = &a->u.attach;
    struct room *r = c->room;
    if (!room_can_send(a, r) || !window_allows(a, r))
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
        a->u.window_confirm = 0;
    }
}

/* Tab on a ready card: the next type the detected MIME allows. */
void
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
            card_warn(c);
            a->dirty = 1;
            return;
        }
        free(cause);
    }
}

/* /resume: the messages a stopped console left unsent, with the bytes it had signed. */
void
resume_pending(struct app *a)
{
    size_t sent = 0;
    char *cause = NULL;
    if (a->npending == 0) {
        set_status(a, 0, _("nothing to resume"));
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
        struct chat_msg *c = chat_msg_of(shown, p->time_ms);
        struct outbox_entry *e = a->be->ops->resend(a->be->ctx, shown, p->body, p->body_len,
                                                   &cause);
        if (e == NULL) {
            set_status(a, 1, _("not resent: %s"), cause);
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
    set_status(a, 0, P_("resending %zu message with its id",
                        "resending %zu messages with their ids", sent), sent);
}

struct chat_msg *
nth_failed(struct room *r, int n)
{
    for (size_t i = r->nmsgs; i-- > 0;) {
        struct chat_msg *m = r->msgs[i];
        if (m->dir == CHAT_OUT && m->state == SEND_FAILED && m->entry && --n == 0)
            return m;
    }
    return NULL;
}

void
retry_message(struct app *a, struct chat_msg *m)
{
    char *cause = NULL;
    if (m == NULL || m->entry == NULL) {
        set_status(a, 1, _("nothing to retry: no failed message from this session there"));
        return;
    }
    if (a->be->ops->retry(a->be->ctx, m->entry, &cause) != 0) {
        set_status(a, 1, "%s", cause);
        free(cause);
        return;
    }
    m->state = m->entry->state;
    m->attempt = m->entry->attempt;
    set_status(a, 0, _("retrying %s with the same id"), m->id);
}
