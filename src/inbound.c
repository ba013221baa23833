/* The inbound listener: Jelou's signed events, verified on the raw body, journaled, deduped. */
#include "jelou/inbound.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/clock.h"
#include "jelou/event.h"
#include "jelou/httpd.h"
#include "jelou/idmap.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/utf8.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

#define INBOUND_DEFAULT_ADDR "127.0.0.1"
#define INBOUND_DEFAULT_MAX_BODY (1024 * 1024)
/* Jelou keeps a few connections at a time: the short idle timeout frees slots held by
 * idle peers (httpd's limits per address and head deadline do the rest). */
#define INBOUND_TIMEOUT_S 10
/* How many event keys are remembered to spot a redelivery. A retry comes within minutes,
 * so the recent past is enough, and memory stays bounded however long the listener runs. */
#define SEEN_MAX 10000

/* An event of this turn, journaled in the turn's batch, waiting for its fsync. */
struct held_event {
    struct event *ev;
    char *key;                  /* its dedup key, or NULL */
    int duplicate;              /* a repeat of one earlier in the same turn */
};

struct inbound {
    struct httpd *httpd;
    char *path;
    char *secret;
    char *token;
    char *journal;
    char *quarantine;
    inbound_fn fn;
    inbound_notice_fn notice;
    void *arg;
    struct inbound_stats stats;
    int journal_failing;        /* the last journal write failed (and was reported) */
    /* Group commit: a turn's events share one write and one fsync, and every one of them
     * is answered only after it (httpd holds the answers). */
    int jfd;                    /* the journal, kept open for appending; -1: not open */
    struct buf batch;           /* this turn's journal lines */
    struct held_event *held;
    size_t nheld, held_cap;
    struct idmap *pending;      /* the held events' keys: a repeat within the turn */
    int quarantine_failing;     /* likewise for the quarantine file */
    /* The seen keys: a ring in arrival order (the oldest goes first), indexed by seen. */
    char *ring[SEEN_MAX];
    size_t ring_next;
    size_t ring_len;
    struct idmap *seen;
};

static int
seen_has(const struct inbound *in, const char *key)
{
    return idmap_get(in->seen, key) != NULL;
}

static void
seen_add(struct inbound *in, const char *key)
{
    char **slot = &in->ring[in->ring_next];

    if (in->ring_len == SEEN_MAX) {
        idmap_del(in->seen, *slot);
        free(*slot);
    } else {
        in->ring_len++;
    }
    *slot = xstrdup(key);
    idmap_put(in->seen, *slot, *slot);
    in->ring_next = (in->ring_next + 1) % SEEN_MAX;
}

/* What makes a redelivery the same event: a message's value.id (chosen once, reused on
 * retries); for a conversation event its name, conversation and time. NULL when the event
 * carries nothing to tell two apart (unknown events are never taken for repeats). */
static char *
dedup_key(const struct event *ev)
{
    if (ev->kind == EV_MESSAGE && ev->msg != NULL && ev->msg->id != NULL)
        return xasprintf("m\n%s", ev->msg->id);
    if (ev->kind == EV_CONV_START || ev->kind == EV_CONV_CLOSE) {
        const char *conv = ev->conversation ? ev->conversation : ev->room;
        if (conv == NULL && ev->timestamp_ms == 0)
            return NULL;
        return xasprintf("c\n%s\n%s\n%lld", ev->name, conv ? conv : "", ev->timestamp_ms);
    }
    return NULL;
}

int
inbound_seen(struct inbound *in, const struct event *ev)
{
    char *key = in && ev ? dedup_key(ev) : NULL;
    int known = key != NULL && seen_has(in, key);
    if (key != NULL && !known)
        seen_add(in, key);
    free(key);
    return known;
}

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 (with padding) of n bytes, newly allocated. */
static char *
base64_encode(const char *p, size_t n)
{
    char *out = xmalloc((n + 2) / 3 * 4 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)(unsigned char)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)(unsigned char)p[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)p[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

static int
token_ok(const char *token, const struct httpd_request *req)
{
    const char *auth = httpd_header(req, "Authorization");
    const char *key = httpd_header(req, "X-API-Key");
    int ok = 0;

    if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
        auth += 7;
        while (*auth == ' ')
            auth++;
        ok |= sign_equal(auth, token);
    } else if (auth != NULL && strncasecmp(auth, "Basic ", 6) == 0) {
        /* A token of the form user:password also stands for Basic credentials. */
        char *plain = httpd_basic_credentials(req);
        if (plain != NULL) {
            ok |= sign_equal(plain, token);
            explicit_bzero(plain, strlen(plain));
            free(plain);
        }
    }
    if (key != NULL)
        ok |= sign_equal(key, token);
    return ok;
}

const char *
inbound_verify(const char *secret, const char *token, const struct httpd_request *req)
{
    /* The raw bytes as they came: an unsigned body is never parsed. */
    if (!sign_verify(secret, req->body, req->body_len, httpd_header(req, "X-Jelou-Signature")))
        return INBOUND_BAD_SIGNATURE;
    if (token != NULL && !token_ok(token, req))
        return INBOUND_BAD_TOKEN;
    return NULL;
}

char *
inbound_event_key(const struct event *ev)
{
    return ev != NULL ? dedup_key(ev) : NULL;
}

/* What the listener has to say (a journal that fails, an event it could not read) goes to
 * the caller, never to stderr: stderr may be under a full-screen UI. */
static void
notify(struct inbound *in, char *text)
{
    if (in->notice != NULL)
        in->notice(in->arg, text);
    free(text);
}

/* The journal line of an accepted event: the raw body and what it was read as. */
static char *
journal_line(const struct event *ev, const struct httpd_request *req)
{
    const char *id = ev->kind == EV_MESSAGE && ev->msg ? ev->msg->id : ev->conversation;
    struct record *r = record_new();
    record_int(r, "time", clock_wall_ms());
    record_str(r, "event", ev->name);
    record_str(r, "id", id);
    record_str(r, "room", ev->room);
    record_str(r, "user", ev->user);
    record_strn(r, "body", req->body, req->body_len);
    return record_finish(r);
}

/* The journal's descriptor, opened again when the path no longer names the open file
 * (rotated, removed or replaced): the events go where the path says. Non-blocking, so
 * that a FIFO put there fails instead of stopping the loop. -1 with *cause. */
static int
journal_fd(struct inbound *in, char **cause)
{
    struct stat ps, fs;
    if (in->jfd >= 0 && (stat(in->journal, &ps) != 0 || fstat(in->jfd, &fs) != 0 ||
                         ps.st_dev != fs.st_dev || ps.st_ino != fs.st_ino)) {
        close(in->jfd);
        in->jfd = -1;
    }
    if (in->jfd < 0) {
        in->jfd = open(in->journal, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK,
                       0600);
        if (in->jfd >= 0 && (fstat(in->jfd, &fs) != 0 || !S_ISREG(fs.st_mode))) {
            close(in->jfd);
            in->jfd = -1;
            errno = EINVAL;
        }
        if (in->jfd < 0) {
            *cause = xasprintf(_("cannot write %s: %s"), in->journal, strerror(errno));
            return -1;
        }
    }
    return in->jfd;
}

/* The turn's batch: one write, one fsync. A failed write is cut off again, so that no
 * torn line is left for the next batch to follow. Returns 0 or -1 with *cause. */
static int
journal_commit(struct inbound *in, char **cause)
{
    int fd = journal_fd(in, cause);
    if (fd < 0)
        return -1;
    off_t start = lseek(fd, 0, SEEK_END);
    int err = record_write_all(fd, in->batch.data, in->batch.len);
    if (err != 0 && start >= 0 && ftruncate(fd, start) != 0)
        err = errno;
    if (err == 0 && fsync(fd) != 0)
        err = errno;
    if (err != 0) {
        *cause = xasprintf(_("cannot write %s: %s"), in->journal, strerror(err));
        /* What fsync could not write back may be gone: start again from the path. */
        close(in->jfd);
        in->jfd = -1;
        return -1;
    }
    return 0;
}

/* Nobody else learns why a journal fails (Jelou only sees the 500): said once per run of
 * failures rather than once per retry, and said when it works again. Takes cause. */
static void
journal_note(struct inbound *in, int rc, char *cause)
{
    if (rc != 0 && !in->journal_failing)
        notify(in, xasprintf(_("cannot journal Jelou's events (answering 500 so that Jelou "
                             "retries): %s"), cause ? cause : "unknown error"));
    else if (rc == 0 && in->journal_failing)
        notify(in, xasprintf(_("the event journal %s works again"), in->journal));
    in->journal_failing = rc != 0;
    free(cause);
}

static void
count_accepted(struct inbound *in, const struct event *ev, int duplicate)
{
    in->stats.accepted++;
    if (duplicate)
        in->stats.duplicates++;
    if (ev->kind == EV_UNKNOWN)
        in->stats.unknown++;
}

/* The end of a turn in which events were held (httpd's on_held): their journal lines go
 * to disk together, and only then are they taken as seen, shown and answered 200. When
 * the journal fails they are all answered 500 and forgotten, so that Jelou's retries
 * come in as new. */
static void
commit_held(void *arg)
{
    struct inbound *in = arg;
    char *cause = NULL;
    int rc = in->batch.len > 0 ? journal_commit(in, &cause) : 0;
    if (in->batch.len > 0)
        journal_note(in, rc, cause);
    in->batch.len = 0;
    for (size_t i = 0; i < in->nheld; i++) {
        struct held_event *h = &in->held[i];
        if (h->key != NULL && !h->duplicate)
            idmap_del(in->pending, h->key);
        if (rc == 0) {
            if (h->key != NULL && !h->duplicate)
                seen_add(in, h->key);
            count_accepted(in, h->ev, h->duplicate);
            if (in->fn != NULL)
                in->fn(in->arg, h->ev, h->duplicate);
        }
        free(h->key);
        event_free(h->ev);
    }
    in->nheld = 0;
    httpd_release_held(in->httpd, rc == 0 ? 0 : 500,
                       rc == 0 ? NULL : "{\"error\":\"cannot journal the event\"}");
}

/* Holds ev (taken, with key) for this turn's commit; a first one adds its line. */
static void
hold(struct inbound *in, struct event *ev, char *key, int duplicate,
     const struct httpd_request *req)
{
    if (!duplicate) {
        char *line = journal_line(ev, req);
        buf_appends(&in->batch, line);
        buf_appends(&in->batch, "\n");
        free(line);
    }
    if (in->nheld == in->held_cap) {
        in->held_cap = in->held_cap ? in->held_cap * 2 : 16;
        in->held = xrealloc(in->held, in->held_cap * sizeof *in->held);
    }
    struct held_event *h = &in->held[in->nheld++];
    h->ev = ev;
    h->key = key;
    h->duplicate = duplicate;
    if (key != NULL && !duplicate)
        idmap_put(in->pending, key, h);
}

/* A signed body the console cannot read: kept, exact bytes and all, before anything is
 * answered, because a 4xx would make Jelou drop the user's words. Returns 0 or -1. */
static int
quarantine(struct inbound *in, const struct httpd_request *req, const char *reason)
{
    struct record *r = record_new();
    record_int(r, "time", clock_wall_ms());
    record_str(r, "reason", reason);
    record_strn(r, "body", req->body, req->body_len);
    /* "body" is text: bytes that are not UTF-8 (or a NUL) are only exact in base64. */
    int exact = utf8_valid(req->body, req->body_len) &&
                memchr(req->body, '\0', req->body_len) == NULL;
    char *b64 = exact ? NULL : base64_encode(req->body, req->body_len);
    if (b64 != NULL)
        record_str(r, "body_base64", b64);
    free(b64);
    char *line = record_finish(r);
    char *cause = NULL;
    int rc = in->quarantine == NULL ? -1 : record_append_file(in->quarantine, line, 1, &cause);
    if (in->quarantine == NULL)
        cause = xstrdup(_("there is no quarantine file"));
    if (rc == 0)
        notify(in, xasprintf(_("an event could not be read (%s); its body is kept in %s"),
                             reason, in->quarantine));
    else if (!in->quarantine_failing)
        notify(in, xasprintf(_("an event could not be read (%s) nor kept (answering 500 so "
                             "that Jelou retries): %s"), reason,
                             cause ? cause : "unknown error"));
    in->quarantine_failing = rc != 0;
    free(cause);
    free(line);
    return rc;
}

static void
answer(struct httpd_response *resp, int status, const char *error)
{
    resp->status = status;
    resp->content_type = "application/json";
    if (error == NULL) {
        resp->body = xstrdup("{\"ok\":true}");
    } else {
        /* Through record.h, so that a cause with quotes stays valid JSON. */
        struct record *r = record_new();
        record_str(r, "error", error);
        resp->body = record_finish(r);
    }
    resp->body_len = strlen(resp->body);
}

static void
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct inbound *in = arg;

    if (strcmp(req->path, in->path) != 0) {
        in->stats.rejected++;
        answer(resp, 404, "not found");
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        in->stats.rejected++;
        answer(resp, 405, "method not allowed");
        resp->headers = xstrdup("Allow: POST\r\n");
        return;
    }
    const char *refused = inbound_verify(in->secret, in->token, req);
    if (refused != NULL) {
        in->stats.rejected++;
        answer(resp, 401, refused);
        if (strcmp(refused, INBOUND_BAD_TOKEN) == 0)
            resp->headers = xstrdup("WWW-Authenticate: Bearer\r\n");
        return;
    }

    struct event *ev = NULL;
    char *cause = NULL;
    if (event_parse(req->body, req->body_len, &ev, &cause) != 0) {
        const char *reason = cause ? cause : "not an event";
        if (quarantine(in, req, reason) != 0) {
            answer(resp, 500, "cannot keep the unreadable event");
        } else {
            /* Kept and announced: a retry would bring the same bytes, so Jelou need not. */
            in->stats.unreadable++;
            struct record *r = record_new();
            record_bool(r, "ok", 1);
            record_str(r, "unreadable", reason);
            resp->status = 200;
            resp->content_type = "application/json";
            resp->body = record_finish(r);
            resp->body_len = strlen(resp->body);
        }
        free(cause);
        return;
    }

    char *key = dedup_key(ev);
    int duplicate = key != NULL && seen_has(in, key);
    answer(resp, 200, NULL);
    if (in->journal != NULL && !duplicate) {
        /* No 200 before the journal line is on disk: held to the turn's one fsync (a
         * repeat of an event of the same turn shares its fate). */
        hold(in, ev, key, key != NULL && idmap_get(in->pending, key) != NULL, req);
        resp->hold = 1;
        return;
    }
    if (!duplicate && key != NULL)
        seen_add(in, key);
    free(key);
    count_accepted(in, ev, duplicate);
    if (in->fn != NULL)
        in->fn(in->arg, ev, duplicate);
    event_free(ev);
}

/* A journal must be a regular file or not exist yet: opening a FIFO would block the loop
 * for good, and a device would swallow the events. Returns 0 or -1 with *cause. */
static int
check_journal_path(const char *what, const char *path, char **cause)
{
    struct stat st;
    if (path == NULL || path[0] == '\0') {
        if (path != NULL)
            *cause = xasprintf(_("the %s path is empty"), what);
        return path != NULL ? -1 : 0;
    }
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        *cause = xasprintf(_("the %s %s: %s"), what, path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *cause = xasprintf(_("the %s %s is not a regular file"), what, path);
        return -1;
    }
    return 0;
}

struct inbound *
inbound_new(struct loop *l, const struct inbound_opts *o, inbound_fn fn, void *arg,
            char **cause)
{
    if (o == NULL || o->secret == NULL || o->secret[0] == '\0') {
        *cause = xstrdup(_("no signing secret: the listener cannot verify Jelou's events"));
        return NULL;
    }
    const char *path = o->path ? o->path : INBOUND_DEFAULT_PATH;
    if (path[0] != '/') {
        *cause = xasprintf(_("the path must start with '/' (got '%s')"), path);
        return NULL;
    }
    if (o->token != NULL && o->token[0] == '\0') {
        *cause = xstrdup(_("the token is empty"));
        return NULL;
    }

    if (check_journal_path("journal", o->journal, cause) != 0 ||
        check_journal_path("quarantine file", o->quarantine, cause) != 0)
        return NULL;

    struct inbound *in = xcalloc(1, sizeof *in);
    in->path = xstrdup(path);
    in->secret = xstrdup(o->secret);
    in->token = o->token ? xstrdup(o->token) : NULL;
    in->journal = o->journal ? xstrdup(o->journal) : NULL;
    in->quarantine = o->quarantine ? xstrdup(o->quarantine) : NULL;
    in->fn = fn;
    in->notice = o->notice;
    in->arg = arg;
    in->seen = idmap_new();
    in->pending = idmap_new();
    in->jfd = -1;

    struct httpd_opts ho = {
        .addr = o->addr ? o->addr : INBOUND_DEFAULT_ADDR,
        .port = o->port,
        .max_body = o->max_body ? o->max_body : INBOUND_DEFAULT_MAX_BODY,
        .timeout_s = INBOUND_TIMEOUT_S,
        .on_held = commit_held,
    };
    in->httpd = httpd_new(l, &ho, on_request, in, cause);
    if (in->httpd == NULL) {
        inbound_free(in);
        return NULL;
    }
    return in;
}

unsigned
inbound_port(const struct inbound *in)
{
    return in ? httpd_port(in->httpd) : 0;
}

const struct inbound_stats *
inbound_stats(const struct inbound *in)
{
    return in ? &in->stats : NULL;
}

/* Wiped so that the secret and token do not linger in freed memory. */
static void
wipe_free(char *s)
{
    if (s == NULL)
        return;
    volatile char *p = s;
    while (*p != '\0')
        *p++ = '\0';
    free(s);
}

void
inbound_free(struct inbound *in)
{
    if (in == NULL)
        return;
    httpd_free(in->httpd);
    for (size_t i = 0; i < in->nheld; i++) {
        free(in->held[i].key);
        event_free(in->held[i].ev);
    }
    free(in->held);
    buf_free(&in->batch);
    idmap_free(in->pending);
    if (in->jfd >= 0)
        close(in->jfd);
    for (size_t i = 0; i < in->ring_len; i++)
        free(in->ring[i]);
    idmap_free(in->seen);
    free(in->path);
    wipe_free(in->secret);
    wipe_free(in->token);
    free(in->journal);
    free(in->quarantine);
    free(in);
}
