/* The console's link to the team server: its event stream, kept on disk, and its calls. */
#include "jelou/teamlink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/clock.h"
#include "jelou/i18n.h"
#include "jelou/loop.h"
#include "jelou/record.h"
#include "jelou/sse.h"
#include "jelou/team.h"
#include "jelou/text.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

/* A rooms snapshot larger than this is not one: the server is broken, try another. */
#define ROOMS_CAP (64L * 1024 * 1024)
/* What a call's caller gets of the answer: room operations answer small objects. */
#define CALL_KEEP (1024 * 1024)
#define ID_MAX 48

struct tl_call {
    struct teamlink *tl;
    struct tl_call *prev, *next;
    char *method, *path, *body;
    size_t len;
    teamlink_done_fn done;
    void *arg;
    size_t tries;
    size_t server;        /* the server of the try in flight */
    unsigned long xfer;
};

enum phase { P_IDLE, P_ME, P_ROOMS, P_STREAM, P_WAIT };

struct teamlink {
    struct transport *t;
    struct loop *l;
    char **servers;
    size_t n, cur;
    char *token;
    char *auth;
    char *journal;
    int jfd;
    long idle_ms, backoff_ms, backoff_max_ms;
    long long journal_max;
    struct teamlink_callbacks cb;
    struct sse *sse;
    char last[ID_MAX];    /* the last id delivered, "" for none */
    int need_rooms;
    enum phase phase;
    unsigned long xfer;   /* the rooms fetch or the stream in flight */
    size_t xfer_server;
    struct buf rooms;
    int rooms_over;
    int timer;            /* the reconnect timer, -1 for none */
    long wait;            /* the next back-off before jitter */
    int fed;              /* this connection delivered an event or a ping */
    int connected;
    char *me;
    unsigned long me_xfer;
    int me_timer;         /* fetch_me's deferral, -1 for none */
    unsigned long feeding; /* the stream transfer whose bytes sse_feed is parsing */
    struct tl_call *calls;
    unsigned int seed;
};

static void connect_now(struct teamlink *tl);

static char *
strip_slashes(const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return xstrndup(url, n);
}

/* "host:port" of a base URL, for the status line. */
static char *
host_of(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/");
    return text_sanitize(p, n, 0);
}

struct teamlink *
teamlink_new(struct transport *t, struct loop *l, const struct teamlink_opts *o,
             const struct teamlink_callbacks *cb, char **cause)
{
    if (o->nservers == 0 || o->servers == NULL) {
        cause_fail(cause, xstrdup(_("no team server URL")));
        return NULL;
    }
    if (o->token == NULL || o->token[0] == '\0') {
        cause_fail(cause, xstrdup(_("no token for the team server")));
        return NULL;
    }
    for (size_t i = 0; i < o->nservers; i++) {
        const char *s = o->servers[i];
        if (s == NULL || (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)) {
            cause_fail(cause, xasprintf(_("not an http:// or https:// URL: %s"),
                                        s ? s : ""));
            return NULL;
        }
    }
    struct teamlink *tl = xcalloc(1, sizeof *tl);
    tl->t = t;
    tl->l = l;
    tl->n = o->nservers;
    tl->servers = xcalloc(tl->n, sizeof *tl->servers);
    for (size_t i = 0; i < tl->n; i++)
        tl->servers[i] = strip_slashes(o->servers[i]);
    tl->token = xstrdup(o->token);
    tl->auth = xasprintf("Authorization: Bearer %s", o->token);
    tl->journal = o->journal ? xstrdup(o->journal) : NULL;
    tl->jfd = -1;
    tl->idle_ms = o->idle_ms > 0 ? o->idle_ms : TEAMLINK_IDLE_MS;
    tl->journal_max = o->journal_max > 0 ? o->journal_max : TEAMLINK_JOURNAL_MAX;
    tl->backoff_ms = o->backoff_ms > 0 ? o->backoff_ms : TEAMLINK_BACKOFF_MS;
    tl->backoff_max_ms = o->backoff_max_ms > 0 ? o->backoff_max_ms : TEAMLINK_BACKOFF_MAX_MS;
    if (tl->backoff_max_ms < tl->backoff_ms)
        tl->backoff_max_ms = tl->backoff_ms;
    tl->wait = tl->backoff_ms;
    if (cb != NULL)
        tl->cb = *cb;
    tl->timer = -1;
    tl->me_timer = -1;
    tl->seed = (unsigned int)(clock_mono_ms() ^ (long long)getpid());
    return tl;
}

static void
call_free(struct tl_call *c)
{
    struct teamlink *tl = c->tl;
    if (c->prev)
        c->prev->next = c->next;
    else
        tl->calls = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c->method);
    free(c->path);
    free(c->body);
    free(c);
}

static void
wipe_free(char *s)
{
    if (s != NULL)
        explicit_bzero(s, strlen(s));
    free(s);
}

void
teamlink_free(struct teamlink *tl)
{
    if (tl == NULL)
        return;
    if (tl->xfer)
        transport_cancel(tl->t, tl->xfer);
    if (tl->me_xfer)
        transport_cancel(tl->t, tl->me_xfer);
    while (tl->calls != NULL) {
        if (tl->calls->xfer)
            transport_cancel(tl->t, tl->calls->xfer);
        call_free(tl->calls);
    }
    if (tl->timer >= 0)
        loop_remove(tl->l, tl->timer);
    if (tl->me_timer >= 0)
        loop_remove(tl->l, tl->me_timer);
    if (tl->jfd >= 0)
        close(tl->jfd);
    for (size_t i = 0; i < tl->n; i++)
        free(tl->servers[i]);
    free(tl->servers);
    wipe_free(tl->token);
    wipe_free(tl->auth);
    free(tl->journal);
    sse_free(tl->sse);
    buf_free(&tl->rooms);
    free(tl->me);
    free(tl);
}

const char *
teamlink_me(const struct teamlink *tl)
{
    return tl->me;
}

const char *
teamlink_server(const struct teamlink *tl)
{
    return tl->servers[tl->cur];
}

const char *
teamlink_auth_header(const struct teamlink *tl)
{
    return tl->auth;
}

/* ---- the journal -------------------------------------------------------------------- */

/* A crash mid-append leaves a line without its end: cut it off, or the next append would
 * glue a good line to it and both would be lost. */
static int
cut_torn_tail(int fd, const char *path, char **cause)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path, strerror(errno)));
    off_t end = st.st_size, keep = 0;
    char chunk[4096];
    while (end > 0) {
        off_t from = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
        ssize_t got = pread(fd, chunk, (size_t)(end - from), from);
        if (got != (ssize_t)(end - from))
            return cause_fail(cause, xasprintf(_("cannot read %s: %s"), path,
                                               got < 0 ? strerror(errno) : strerror(EIO)));
        if (end == st.st_size && chunk[got - 1] == '\n')
            return 0;   /* whole */
        char *nl = NULL;
        for (ssize_t i = got - 1; i >= 0 && nl == NULL; i--)
            if (chunk[i] == '\n')
                nl = chunk + i;
        if (nl != NULL) {
            keep = from + (nl - chunk) + 1;
            break;
        }
        end = from;
    }
    if (st.st_size > 0 && ftruncate(fd, keep) != 0)
        return cause_fail(cause, xasprintf(_("cannot write %s: %s"), path, strerror(errno)));
    return 0;
}

static void
deliver(struct teamlink *tl, const char *id, const char *kind, const char *room,
        const char *data, size_t data_len, int replay)
{
    snprintf(tl->last, sizeof tl->last, "%s", id);
    if (tl->cb.on_event == NULL)
        return;
    const struct team_event ev = {
        .id = id,
        .kind = kind,
        .room = room ? room : "",
        .data = data,
        .data_len = data_len,
        .replay = replay,
    };
    tl->cb.on_event(tl->cb.arg, &ev);
}

static int
replay_line(void *arg, const char *line, size_t len)
{
    struct teamlink *tl = arg;
    struct record_view *v = record_parse(line, len, NULL);
    if (v == NULL)
        return -1;
    const char *id = record_get_str(v, "id"), *kind = record_get_str(v, "kind");
    const char *data = record_get_str(v, "data"), *me = record_get_str(v, "me");
    int rc = -1;
    if (me != NULL && me[0] != '\0') {
        /* Who this agent is, known before the events that say "me" are read back. */
        rc = 0;
        free(tl->me);
        tl->me = text_sanitize(me, strlen(me), 0);
    } else if (id != NULL && team_id_valid(id) && strlen(id) < ID_MAX && kind != NULL &&
               data != NULL && strcmp(kind, "rooms") == 0) {
        /* A snapshot taken then: the rooms as they were, events after it follow. */
        rc = 0;
        if (tl->last[0] == '\0' || team_id_cmp(id, tl->last) >= 0) {
            snprintf(tl->last, sizeof tl->last, "%s", id);
            if (tl->cb.on_rooms != NULL)
                tl->cb.on_rooms(tl->cb.arg, data, strlen(data));
        }
    } else if (id != NULL && team_id_valid(id) && strlen(id) < ID_MAX && kind != NULL &&
               data != NULL) {
        rc = 0;
        if (tl->last[0] == '\0' || team_id_cmp(id, tl->last) > 0)
            deliver(tl, id, kind, record_get_str(v, "room"), data, strlen(data), 1);
    }
    record_view_free(v);
    return rc;
}

/* Appends r (taken) as one line. Not fsynced: the server keeps every event, and a tail
 * lost in a crash is only fetched again (from an older Last-Event-ID), never shown twice
 * in one run; a failed write costs the replay of this line after a restart, nothing else. */
static void
journal_write(struct teamlink *tl, struct record *r)
{
    char *line = record_finish(r);
    size_t n = strlen(line);
    line = xrealloc(line, n + 2);
    memcpy(line + n, "\n", 2);
    (void)record_write_all(tl->jfd, line, n + 1);
    free(line);
}

static void
journal_append(struct teamlink *tl, const char *id, const char *kind, const char *room,
               const char *data, size_t len)
{
    if (tl->jfd < 0)
        return;
    struct record *r = record_new();
    record_str(r, "id", id);
    record_str(r, "kind", kind);
    record_str(r, "room", room);
    /* A string: the journal's reader (record_view) keeps flat values only. */
    record_strn(r, "data", data, len);
    journal_write(tl, r);
}

/* The agent's name, before the events that mention it: a restart reads it back first. */
static void
journal_me(struct teamlink *tl)
{
    if (tl->jfd < 0)
        return;
    struct record *r = record_new();
    record_str(r, "me", tl->me);
    journal_write(tl, r);
}

/* ---- back-off and state --------------------------------------------------------------- */

static void
on_timer(void *arg)
{
    struct teamlink *tl = arg;
    tl->timer = -1;
    connect_now(tl);
}

static void
state(struct teamlink *tl, int connected, const char *text)
{
    if (tl->cb.on_state != NULL)
        tl->cb.on_state(tl->cb.arg, connected, text);
}

/* Connected, to the server the stream is on ("team.example:8443"). */
static void
say_connected(struct teamlink *tl)
{
    char *host = host_of(tl->servers[tl->xfer_server]);
    state(tl, 1, host);
    free(host);
}

static void
advance(struct teamlink *tl)
{
    tl->cur = (tl->cur + 1) % tl->n;
}

/* The stream or the rooms fetch ended: say why, move on to the next server, wait. */
static void
link_failed(struct teamlink *tl, long status)
{
    tl->xfer = 0;
    tl->connected = 0;
    tl->phase = P_WAIT;
    if (tl->xfer_server == tl->cur)
        advance(tl);
    long delay;
    char *text;
    if (tl->fed)
        tl->wait = tl->backoff_ms;
    long w = tl->wait;
    /* Jitter: many consoles that lost one server do not come back at once. */
    delay = w / 2 + (long)(rand_r(&tl->seed) % (unsigned)(w / 2 + 1));
    if (delay < 1)
        delay = 1;
    tl->wait = w * 2 > tl->backoff_max_ms ? tl->backoff_max_ms : w * 2;
    /* A refused token backs off the same way: a new one takes the server up to a second to
     * know, and a revoked one is asked about ever more rarely, up to the longest wait. */
    if (status == 401 || status == 403)
        text = xasprintf(_("the server refused the token (%ld)"), status);
    else
        text = xasprintf(_("server unreachable, retrying in %lds"), (delay + 999) / 1000);
    tl->fed = 0;
    tl->timer = loop_after(tl->l, delay, on_timer, tl);
    state(tl, 0, text);
    free(text);
}

static void connect_now(struct teamlink *tl);

/* ---- GET /v1/me --------------------------------------------------------------------- */

static void
on_me_done(void *arg, const struct transport_result *r)
{
    struct teamlink *tl = arg;
    tl->me_xfer = 0;
    struct record_view *v = r->http_status == 200 ? record_parse(r->body, r->body_len, NULL)
                                                  : NULL;
    const char *agent = v ? record_get_str(v, "agent") : NULL;
    if (tl->phase == P_ME) {
        /* The first call of a connection: nothing else starts before the name is known. */
        if (agent == NULL) {
            record_view_free(v);
            tl->xfer_server = tl->cur;
            link_failed(tl, r->http_status);
            return;
        }
    }
    if (agent != NULL && (tl->me == NULL || strcmp(tl->me, agent) != 0)) {
        free(tl->me);
        tl->me = text_sanitize(agent, strlen(agent), 0);
        journal_me(tl);
        /* Said again, so that whoever draws the agent's name draws it now. */
        if (tl->connected)
            say_connected(tl);
    }
    record_view_free(v);
    if (tl->phase == P_ME)
        connect_now(tl);
}

static void
fetch_me(void *arg)
{
    struct teamlink *tl = arg;
    tl->me_timer = -1;
    if (tl->me_xfer)
        return;
    char *url = xasprintf("%s/v1/me", tl->servers[tl->cur]);
    const char *headers[] = {tl->auth, NULL};
    const struct transport_request req = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .keep_bytes = 4096,
        .on_done = on_me_done,
        .arg = tl,
    };
    tl->me_xfer = transport_submit_id(tl->t, &req, NULL);
    free(url);
}

/* ---- GET /v1/rooms ------------------------------------------------------------------ */

static void
on_rooms_data(void *arg, const char *bytes, size_t n)
{
    struct teamlink *tl = arg;
    if (tl->rooms.len + n > (size_t)ROOMS_CAP)
        tl->rooms_over = 1;
    else
        buf_append(&tl->rooms, bytes, n);
}

static void open_stream(struct teamlink *tl);

static void
on_rooms_done(void *arg, const struct transport_result *r)
{
    struct teamlink *tl = arg;
    tl->xfer = 0;
    struct record_view *v = NULL;
    const char *as_of = NULL;
    if (r->http_status == 200 && !r->network_error && !tl->rooms_over && tl->rooms.len > 0) {
        v = record_parse(tl->rooms.data, tl->rooms.len, NULL);
        as_of = v ? record_get_str(v, "as_of") : NULL;
    }
    if (as_of == NULL || !team_id_valid(as_of) || strlen(as_of) >= ID_MAX) {
        record_view_free(v);
        buf_free(&tl->rooms);
        link_failed(tl, r->http_status);
        return;
    }
    /* Events up to as_of are in the snapshot; an older one still to come is not news. */
    if (tl->last[0] == '\0' || team_id_cmp(as_of, tl->last) > 0)
        snprintf(tl->last, sizeof tl->last, "%s", as_of);
    record_view_free(v);
    tl->need_rooms = 0;
    /* Kept like an event, so that a restart shows the rooms the snapshot brought. */
    journal_append(tl, tl->last, "rooms", "", tl->rooms.data, tl->rooms.len);
    if (tl->cb.on_rooms != NULL)
        tl->cb.on_rooms(tl->cb.arg, tl->rooms.data, tl->rooms.len);
    buf_free(&tl->rooms);
    open_stream(tl);
}

static void
fetch_rooms(struct teamlink *tl)
{
    buf_free(&tl->rooms);
    tl->rooms_over = 0;
    char *url = xasprintf("%s/v1/rooms", tl->servers[tl->cur]);
    const char *headers[] = {tl->auth, "Accept: application/json", NULL};
    const struct transport_request req = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .on_data = on_rooms_data,
        .idle_ms = tl->idle_ms,
        .on_done = on_rooms_done,
        .arg = tl,
    };
    tl->phase = P_ROOMS;
    tl->xfer_server = tl->cur;
    tl->xfer = transport_submit_id(tl->t, &req, NULL);
    free(url);
    if (tl->xfer == 0)
        link_failed(tl, 0);
}

/* ---- GET /v1/events ----------------------------------------------------------------- */

static void
on_sse_event(void *arg, const struct sse_event *ev)
{
    struct teamlink *tl = arg;
    if (tl->phase != P_STREAM || tl->xfer != tl->feeding)
        return;   /* an earlier event of these bytes ended the stream (a reset) */
    if (strcmp(ev->type, "reset") == 0) {
        /* The events after our id are gone: start over from a snapshot, on the next
         * turn (this is curl's write callback, mid-parse). */
        transport_cancel(tl->t, tl->xfer);
        tl->xfer = 0;
        tl->need_rooms = 1;
        tl->fed = 1;
        tl->phase = P_WAIT;
        tl->timer = loop_after(tl->l, 0, on_timer, tl);
        return;
    }
    if (!team_id_valid(ev->id) || strlen(ev->id) >= ID_MAX)
        return;   /* without an id it could not be resumed past, nor told from a repeat */
    tl->fed = 1;
    if (tl->last[0] != '\0' && team_id_cmp(ev->id, tl->last) <= 0)
        return;
    struct record_view *v = record_parse(ev->data, ev->data_len, NULL);
    const char *room = v ? record_get_str(v, "room") : NULL;
    /* A user's message carries Jelou's own payload, whose room is "room_id". */
    if (room == NULL && v != NULL)
        room = record_get_str(v, "room_id");
    char *id = xstrdup(ev->id);
    journal_append(tl, id, ev->type, room ? room : "", ev->data, ev->data_len);
    deliver(tl, id, ev->type, room, ev->data, ev->data_len, 0);
    free(id);
    record_view_free(v);
}

static void
on_sse_comment(void *arg, const char *text)
{
    struct teamlink *tl = arg;
    if (strstr(text, "ping") != NULL)
        tl->fed = 1;
}

static void
on_stream_data(void *arg, const char *bytes, size_t n)
{
    struct teamlink *tl = arg;
    if (!tl->connected) {
        /* A 2xx and its first bytes: the server takes us. */
        tl->connected = 1;
        say_connected(tl);
        /* On the next turn: this is curl's write callback, mid-parse. */
        if (tl->me_timer < 0)
            tl->me_timer = loop_after(tl->l, 0, fetch_me, tl);
    }
    tl->feeding = tl->xfer;
    char *cause = NULL;
    int rc = sse_feed(tl->sse, bytes, n, &cause);
    tl->feeding = 0;
    free(cause);
    if (rc != 0 && tl->phase == P_STREAM && tl->xfer != 0) {
        transport_cancel(tl->t, tl->xfer);
        link_failed(tl, 0);
    }
}

static void
on_stream_done(void *arg, const struct transport_result *r)
{
    struct teamlink *tl = arg;
    tl->xfer = 0;
    link_failed(tl, r->http_status >= 200 && r->http_status <= 299 ? 0 : r->http_status);
}

static void
open_stream(struct teamlink *tl)
{
    if (tl->sse == NULL) {
        const struct sse_callbacks scb = {
            .on_event = on_sse_event,
            .on_comment = on_sse_comment,
            .arg = tl,
        };
        tl->sse = sse_new(&scb);
    }
    sse_reset(tl->sse);
    char *url = xasprintf("%s/v1/events", tl->servers[tl->cur]);
    char *last = tl->last[0] ? xasprintf("Last-Event-ID: %s", tl->last) : NULL;
    const char *headers[] = {tl->auth, "Accept: text/event-stream", last, NULL};
    const struct transport_request req = {
        .method = "GET",
        .url = url,
        .headers = headers,
        .on_data = on_stream_data,
        .idle_ms = tl->idle_ms,
        .on_done = on_stream_done,
        .arg = tl,
    };
    tl->phase = P_STREAM;
    tl->connected = 0;
    tl->xfer_server = tl->cur;
    tl->xfer = transport_submit_id(tl->t, &req, NULL);
    free(url);
    free(last);
    if (tl->xfer == 0)
        link_failed(tl, 0);
}

static void
connect_now(struct teamlink *tl)
{
    if (tl->me == NULL) {
        /* Who this agent is comes first: the rooms and events are read against it. */
        tl->phase = P_ME;
        tl->xfer_server = tl->cur;
        fetch_me(tl);
        return;
    }
    if (tl->need_rooms || tl->last[0] == '\0')
        fetch_rooms(tl);
    else
        open_stream(tl);
}

int
teamlink_start(struct teamlink *tl, char **cause)
{
    if (tl->journal != NULL) {
        int fd = open(tl->journal, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return cause_fail(cause, xasprintf(_("cannot open %s: %s"), tl->journal,
                                               strerror(errno)));
        if (cut_torn_tail(fd, tl->journal, cause) != 0) {
            close(fd);
            return -1;
        }
        /* Too big to read back at every start: begin again from the server's snapshot. */
        struct stat st;
        if (fstat(fd, &st) == 0 && st.st_size > tl->journal_max && ftruncate(fd, 0) != 0) {
            int e = errno;
            close(fd);
            return cause_fail(cause, xasprintf(_("cannot empty %s: %s"), tl->journal,
                                               strerror(e)));
        }
        size_t skipped = 0;
        if (record_each_line(tl->journal, replay_line, tl, &skipped, cause) != 0) {
            close(fd);
            return -1;
        }
        tl->jfd = fd;
    }
    tl->need_rooms = tl->last[0] == '\0';
    connect_now(tl);
    return 0;
}

void
teamlink_next_server(struct teamlink *tl)
{
    advance(tl);
    /* A stream or a fetch on the old server is moved now, not at its next failure. */
    if ((tl->phase == P_STREAM || tl->phase == P_ROOMS) && tl->xfer != 0 &&
        tl->xfer_server != tl->cur) {
        transport_cancel(tl->t, tl->xfer);
        tl->xfer = 0;
        tl->connected = 0;
        connect_now(tl);
    }
}

/* ---- calls -------------------------------------------------------------------------- */

static int call_submit(struct tl_call *c, char **cause);

static void
on_call_done(void *arg, const struct transport_result *r)
{
    struct tl_call *c = arg;
    struct teamlink *tl = c->tl;
    c->xfer = 0;
    c->tries++;
    if ((r->network_error || r->http_status >= 500) && c->tries < tl->n) {
        if (c->server == tl->cur)
            teamlink_next_server(tl);
        if (call_submit(c, NULL) == 0)
            return;
    }
    teamlink_done_fn done = c->done;
    void *darg = c->arg;
    call_free(c);
    if (done != NULL)
        done(darg, r);
}

static int
call_submit(struct tl_call *c, char **cause)
{
    struct teamlink *tl = c->tl;
    char *url = xasprintf("%s%s", tl->servers[tl->cur], c->path);
    const char *headers[] = {tl->auth, "Content-Type: application/json", NULL};
    const struct transport_request req = {
        .method = c->method,
        .url = url,
        .headers = headers,
        .body = c->body,
        .body_len = c->len,
        .keep_bytes = CALL_KEEP,
        .on_done = on_call_done,
        .arg = c,
    };
    c->server = tl->cur;
    c->xfer = transport_submit_id(tl->t, &req, cause);
    free(url);
    return c->xfer != 0 ? 0 : -1;
}

int
teamlink_call(struct teamlink *tl, const char *method, const char *path, const char *body,
              size_t len, teamlink_done_fn done, void *arg, char **cause)
{
    if (path == NULL || path[0] != '/')
        return cause_fail(cause, xstrdup(_("a team server path starts with /")));
    struct tl_call *c = xcalloc(1, sizeof *c);
    c->tl = tl;
    c->method = xstrdup(method ? method : "GET");
    c->path = xstrdup(path);
    c->body = body ? xstrndup(body, len) : NULL;
    c->len = body ? len : 0;
    c->done = done;
    c->arg = arg;
    c->next = tl->calls;
    if (tl->calls)
        tl->calls->prev = c;
    tl->calls = c;
    if (call_submit(c, cause) != 0) {
        call_free(c);
        return -1;
    }
    return 0;
}
