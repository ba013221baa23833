/* The team backend: the console talks to the team server (jelou-console serve), which holds
 * the signing secret, receives Jelou's events and sends on the agents' behalf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/event.h"
#include "jelou/i18n.h"
#include "jelou/idmap.h"
#include "jelou/record.h"
#include "jelou/settings.h"
#include "jelou/teamlink.h"
#include "jelou/text.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "backend.h"

/* What the server said of a message this console sent: its final state may come on the
 * event stream before the POST's own answer has been read. */
struct sent {
    char *id;                 /* the map's key */
    struct outbox_entry *e;   /* NULL until the entry is known */
    int at_server;            /* the server answered the POST: queued there */
    int final;                /* the server reported accepted or failed */
    enum send_state state;
    long http_status;
    char *error;
};

struct team {
    struct settings *st;
    struct transport *t;
    struct loop *loop;
    struct teamlink *link;
    struct outbox *ob;
    struct backend_listen bl; /* the console's callbacks (strings not kept) */
    outbox_change_fn on_change;
    backend_state_fn on_state;
    void *arg;
    struct idmap *sent;       /* message id -> struct sent */
    struct sent **all;        /* the same, to free them */
    size_t nall;
    char *endpoint;           /* the server's /v1/messages now */
};

static void
sent_free(struct sent *s)
{
    if (s == NULL)
        return;
    free(s->error);
    free(s->id);
    free(s);
}

static struct sent *
sent_of(struct team *tm, const char *id)
{
    struct sent *s = idmap_get(tm->sent, id);
    if (s == NULL) {
        s = xcalloc(1, sizeof *s);
        s->id = xstrdup(id);
        idmap_put(tm->sent, s->id, s);
        tm->all = xrealloc(tm->all, (tm->nall + 1) * sizeof *tm->all);
        tm->all[tm->nall++] = s;
    }
    return s;
}

/* The entry as the console should see it: the server's 202 only means "queued there";
 * accepted or failed is what the event stream later says. */
static void
present(struct team *tm, struct outbox_entry *e, struct sent *s)
{
    if (e->state == SEND_ACCEPTED)
        s->at_server = 1;
    /* A POST whose answer was lost may still have reached the server: its word wins. */
    if (s->final && (s->at_server || e->state == SEND_FAILED)) {
        e->state = s->state;
        e->http_status = s->http_status;
        e->network_error = 0;
        free(e->error);
        e->error = s->error ? xstrdup(s->error) : NULL;
    } else if (s->at_server) {
        /* Queued on the server: what the transcript shows until the event comes. */
        e->state = SEND_QUEUED;
        e->attempt = 0;
    }
    tm->on_change(tm->arg, e);
}

/* A POST /v1/messages answer of 200 for an id the server knows: its current state. */
static void
known_state(struct outbox_entry *e, struct sent *s)
{
    char *cause = NULL;
    struct record_view *v = e->response ? record_parse(e->response, strlen(e->response),
                                                       &cause)
                                        : NULL;
    free(cause);
    const char *st = v ? record_get_str(v, "state") : NULL;
    if (st != NULL && (strcmp(st, "accepted") == 0 || strcmp(st, "failed") == 0) && !s->final) {
        s->final = 1;
        s->state = strcmp(st, "accepted") == 0 ? SEND_ACCEPTED : SEND_FAILED;
        s->http_status = strcmp(st, "accepted") == 0 ? 200 : 0;
        if (s->state == SEND_FAILED)
            s->error = xstrdup(_("the team server failed it earlier (same id): not sent again"));
    }
    record_view_free(v);
}

static void
team_change(void *arg, struct outbox_entry *e)
{
    struct team *tm = arg;
    struct sent *s = sent_of(tm, e->msg->id);
    s->e = e;
    if (e->state == SEND_ACCEPTED && e->http_status == 200)
        known_state(e, s);
    present(tm, e, s);
    /* A refusal (409, 422) is the message's, shown inline; only silence is the link's. */
    if (e->state == SEND_FAILED && !s->final && e->network_error && tm->on_state != NULL)
        tm->on_state(tm->arg, _("server unreachable"));
}

/* agent.message.accepted|failed of a message this console sent: its end, on screen. */
static void
settle(struct team *tm, const struct team_event *ev)
{
    char *cause = NULL;
    struct record_view *v = record_parse(ev->data, ev->data_len, &cause);
    free(cause);
    const char *id = v ? record_get_str(v, "id") : NULL;
    struct sent *s = id ? idmap_get(tm->sent, id) : NULL;
    if (s == NULL || s->final) {
        record_view_free(v);
        return;
    }
    long long http = 0;
    record_get_int(v, "http_status", &http);
    const char *err = record_get_str(v, "error");
    s->final = 1;
    s->http_status = (long)http;
    s->state = strcmp(ev->kind, "agent.message.accepted") == 0 ? SEND_ACCEPTED : SEND_FAILED;
    /* The server's sender words it as the direct outbox does ("HTTP 500: reason"). */
    if (s->state == SEND_FAILED)
        s->error = err && err[0] ? xstrdup(err) : xasprintf("HTTP %lld", http);
    record_view_free(v);
    /* Still on its way to the server (the POST's answer not read yet): applied then. */
    if (s->e != NULL && (s->at_server || s->e->state == SEND_FAILED))
        present(tm, s->e, s);
}

static int
is_user_event(const char *kind)
{
    return strcmp(kind, "message") == 0 || strncmp(kind, "conversation.", 13) == 0;
}

static void
link_event(void *arg, const struct team_event *ev)
{
    struct team *tm = arg;
    if (is_user_event(ev->kind)) {
        struct event *e = NULL;
        char *cause = NULL;
        if (event_parse(ev->data, ev->data_len, &e, &cause) != 0) {
            if (tm->bl.on_notice != NULL && !ev->replay) {
                char *line = xasprintf(_("an event from the team server could not be read: "
                                         "%s"), cause);
                tm->bl.on_notice(tm->bl.arg, line);
                free(line);
            }
            free(cause);
            return;
        }
        tm->bl.on_event(tm->bl.arg, e, 0);
        event_free(e);
        return;
    }
    if (strcmp(ev->kind, "agent.message.accepted") == 0 ||
        strcmp(ev->kind, "agent.message.failed") == 0)
        settle(tm, ev);
    if (tm->bl.on_team != NULL)
        tm->bl.on_team(tm->bl.arg, ev);
}

static void
link_rooms(void *arg, const char *json, size_t len)
{
    struct team *tm = arg;
    if (tm->bl.on_rooms != NULL)
        tm->bl.on_rooms(tm->bl.arg, json, len);
}

static void
link_state(void *arg, int connected, const char *text)
{
    struct team *tm = arg;
    if (connected && tm->ob != NULL) {
        /* Sends follow the stream to whichever server answers. */
        free(tm->endpoint);
        tm->endpoint = xasprintf("%s/v1/messages", teamlink_server(tm->link));
        outbox_set_endpoint(tm->ob, tm->endpoint);
    }
    /* "127.0.0.1:8788" while connected, else "server unreachable, retrying in 4s". */
    if (tm->on_state != NULL)
        tm->on_state(tm->arg, text);
}

static int
team_listen(void *ctx, const struct backend_listen *o, char **where, char **url, char **cause)
{
    struct team *tm = ctx;
    tm->bl = *o;
    char **servers = NULL;
    size_t n = settings_split_servers(tm->st->server, &servers);
    struct teamlink_opts lo = {
        .servers = (const char *const *)servers,
        .nservers = n,
        .token = tm->st->token,
        .journal = o->journal,
    };
    struct teamlink_callbacks cb = {
        .on_event = link_event,
        .on_rooms = link_rooms,
        .on_state = link_state,
        .arg = tm,
    };
    tm->link = teamlink_new(tm->t, tm->loop, &lo, &cb, cause);
    for (size_t i = 0; i < n; i++)
        free(servers[i]);
    free(servers);
    if (tm->link == NULL || teamlink_start(tm->link, cause) != 0)
        return -1;
    *where = xstrdup(teamlink_server(tm->link));
    *url = xstrdup(teamlink_server(tm->link));
    return 0;
}

/* A restart's events come again from the team server's stream, not from a listener. */
static int
team_seen(void *ctx, const struct event *ev)
{
    (void)ctx;
    (void)ev;
    return 1;
}

static int
team_open(void *ctx, struct journal *journal, char **cause)
{
    struct team *tm = ctx;
    if (tm->link == NULL)
        return cause_fail(cause, xstrdup("the team server's link did not start"));
    tm->endpoint = xasprintf("%s/v1/messages", teamlink_server(tm->link));
    struct outbox_opts oo = {
        .endpoint = tm->endpoint,
        .max_attempts = tm->st->attempts,
        .parallel = SETTINGS_DEFAULT_PARALLEL,
        .journal = journal,
        .auth_header = teamlink_auth_header(tm->link),
        .encode = message_team_request,
    };
    tm->ob = outbox_new(tm->t, &oo, team_change, tm);
    return 0;
}

static int
not_open(struct team *tm, char **cause)
{
    return tm->ob != NULL ? 0 : cause_fail(cause, xstrdup("not ready to send yet"));
}

static struct outbox_entry *
team_send(void *ctx, struct message *m, char **cause)
{
    struct team *tm = ctx;
    return not_open(tm, cause) == 0 ? outbox_add(tm->ob, m, cause) : NULL;
}

static struct outbox_entry *
team_resend(void *ctx, struct message *shown, const char *body, size_t len, char **cause)
{
    struct team *tm = ctx;
    return not_open(tm, cause) == 0 ? outbox_add_raw(tm->ob, shown, body, len, cause) : NULL;
}

static int
team_retry(void *ctx, struct outbox_entry *e, char **cause)
{
    struct team *tm = ctx;
    if (not_open(tm, cause) != 0)
        return -1;
    /* The server queues a failed id again for its sender (never an accepted one): the
     * message's end is then what its next events say. */
    struct sent *s = idmap_get(tm->sent, e->msg->id);
    int rc = outbox_retry(tm->ob, e, cause);
    if (rc == 0 && s != NULL) {
        s->final = 0;
        s->at_server = 0;
        free(s->error);
        s->error = NULL;
    }
    return rc;
}

static int
team_busy(void *ctx)
{
    struct team *tm = ctx;
    return tm->ob != NULL ? outbox_busy(tm->ob) : 0;
}

static int
team_flush(void *ctx, char **cause)
{
    struct team *tm = ctx;
    return tm->ob != NULL ? outbox_flush(tm->ob, cause) : 0;
}

/* ---- room operations ---- */

struct call {
    room_done_fn done;
    rest_fn rest_done;
    void *arg;
};

static void
on_room_answer(void *arg, const struct transport_result *r)
{
    struct call *c = arg;
    char *cause = NULL;
    struct record_view *v = r->body_len ? record_parse(r->body, r->body_len, &cause) : NULL;
    free(cause);
    int ok = r->http_status >= 200 && r->http_status <= 299;
    const char *err = v ? record_get_str(v, "error") : NULL;
    char *line = NULL;
    if (!ok)
        line = err ? text_sanitize(err, strlen(err), 0)
             : r->error ? xstrdup(r->error) : xasprintf("HTTP %ld", r->http_status);
    if (c->done != NULL) {
        struct room_answer a = {
            .ok = ok,
            .http_status = r->http_status,
            .error = line,
            .assignee = v ? record_get_str(v, "assignee") : NULL,
        };
        c->done(c->arg, &a);
    } else if (c->rest_done != NULL) {
        struct rest_result rr = {.ok = ok, .http_status = r->http_status, .error = line};
        c->rest_done(c->arg, &rr);
    }
    free(line);
    record_view_free(v);
    free(c);
}

static int
room_call(struct team *tm, const char *room, const char *op, const char *body, struct call *c,
          char **cause)
{
    if (tm->link == NULL) {
        free(c);
        return cause_fail(cause, xstrdup("the team server's link did not start"));
    }
    char *esc = url_path_escape(room);
    char *path = xasprintf("/v1/rooms/%s/%s", esc, op);
    int rc = teamlink_call(tm->link, "POST", path, body, body ? strlen(body) : 0,
                           on_room_answer, c, cause);
    if (rc != 0)
        free(c);
    free(path);
    free(esc);
    return rc;
}

static int
team_room(void *ctx, const struct room_request *q, room_done_fn done, void *arg, char **cause)
{
    static const char *const ops[] = {"claim", "release", "assign", "status", "note",
                                      "typing"};
    struct team *tm = ctx;
    struct record *rec = record_new();
    if (q->op == ROOM_OP_ASSIGN) {
        record_str(rec, "to", q->arg);
        record_str(rec, "expect", q->expect ? q->expect : "");
    } else if (q->op == ROOM_OP_STATUS) {
        record_str(rec, "status", q->arg);
        if (q->until_ms > 0)
            record_int(rec, "until", q->until_ms);
    } else if (q->op == ROOM_OP_NOTE) {
        record_str(rec, "text", q->arg);
    }
    char *body = record_finish(rec);
    struct call *c = xcalloc(1, sizeof *c);
    c->done = done;
    c->arg = arg;
    int rc = room_call(tm, q->room, ops[q->op], body, c, cause);
    free(body);
    return rc;
}

/* /close: the team server closes the room (and, with its API key, Jelou's conversation). */
static int
team_close(void *ctx, const struct conversation_ref *cr, const char *text, rest_fn done,
           void *arg, char **cause)
{
    struct team *tm = ctx;
    (void)text;
    if (cr->room == NULL)
        return cause_fail(cause, xstrdup("no room to close"));
    struct call *c = xcalloc(1, sizeof *c);
    c->rest_done = done;
    c->arg = arg;
    return room_call(tm, cr->room, "close", NULL, c, cause);
}

static int
team_start(void *ctx, const struct conversation_ref *c, const char *text, rest_fn done,
           void *arg, char **cause)
{
    (void)ctx, (void)c, (void)text, (void)done, (void)arg;
    return cause_fail(cause, xstrdup(_("/start is not available in team mode: the team server "
                                       "starts no conversations")));
}

static int
team_info(void *ctx, const struct conversation_ref *c, rest_fn done, void *arg, char **cause)
{
    (void)ctx, (void)c, (void)done, (void)arg;
    return cause_fail(cause, xstrdup(_("/info is not available in team mode: the user pane "
                                       "shows what the team server knows")));
}

static const char *
team_me(void *ctx)
{
    struct team *tm = ctx;
    return tm->link ? teamlink_me(tm->link) : NULL;
}

static void
team_free(void *ctx)
{
    struct team *tm = ctx;
    outbox_free(tm->ob);
    teamlink_free(tm->link);
    idmap_free(tm->sent);
    for (size_t i = 0; i < tm->nall; i++)
        sent_free(tm->all[i]);
    free(tm->all);
    free(tm->endpoint);
    free(tm);
}

static const struct backend_ops team_ops = {
    .listen = team_listen,
    .seen = team_seen,
    .open = team_open,
    .send = team_send,
    .resend = team_resend,
    .retry = team_retry,
    .busy = team_busy,
    .flush = team_flush,
    .close = team_close,
    .start = team_start,
    .info = team_info,
    .room = team_room,
    .me = team_me,
    .free = team_free,
};

struct backend *
backend_team_new(struct settings *st, struct transport *t, struct loop *l,
                 outbox_change_fn on_change, backend_state_fn on_state, void *arg)
{
    struct team *tm = xcalloc(1, sizeof *tm);
    tm->st = st;
    tm->t = t;
    tm->loop = l;
    tm->on_change = on_change;
    tm->on_state = on_state;
    tm->arg = arg;
    tm->sent = idmap_new();
    struct backend *b = xcalloc(1, sizeof *b);
    b->ops = &team_ops;
    b->ctx = tm;
    return b;
}
