/* HTTP transfers with libcurl multi: non-blocking, reused connections, retry with back-off. */
#include "jelou/transport.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "jelou/clock.h"
#include "jelou/loop.h"
#include "jelou/settings.h"
#include "jelou/text.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

/* Beyond this a response body is not read further: a send only needs its status. */
#define RESPONSE_READ_CAP (1024 * 1024)
#define DEFAULT_KEEP 200
#define CA_PATH "/etc/ssl/certs"
/* A CA bundle larger than this is not a bundle; the system one is about 200 KB. */
#define CA_FILE_CAP (8 * 1024 * 1024)

struct treq {
    struct transport *t;
    struct treq *prev, *next; /* every live request */
    CURL *easy;
    struct curl_slist *headers;
    char *url;
    char *method;
    char *body;
    size_t body_len;
    char *range;
    size_t keep;
    int stop_at_keep;
    int retry;
    int follow;
    void (*on_attempt)(void *arg, int attempt);
    void (*on_wait)(void *arg, const struct transport_wait *w);
    void (*on_done)(void *arg, const struct transport_result *r);
    void (*on_data)(void *arg, const char *bytes, size_t n);
    long idle_ms;
    void *arg;
    unsigned long id;
    int cancelled;            /* transport_cancel: freed at the next chance, silently */

    int attempts;
    int in_multi;
    long long due;            /* back-off: when the next attempt may start; 0 if none */
    struct buf resp;
    size_t resp_total;
    int stopped;              /* we ended the transfer on purpose */
    char *content_type;
    long long range_total;    /* Content-Range's "/TOTAL", -1: none or "*" */
    long long content_length; /* Content-Length, -1: none */
    long retry_after_ms;      /* this answer's Retry-After; -1: none or unreadable */
    char errbuf[CURL_ERROR_SIZE];
};

struct transport {
    CURLM *multi;             /* NULL until the first request (see start_curl) */
    struct loop *loop;        /* transport_attach's, which waits in curl once it exists */
    struct transport_opts o;
    char *cacert;
    struct buf cacert_text;   /* the cacert file, read once, for ca_blob */
    struct buf ca_blob;       /* cacert_text then ca_pem, for CAINFO_BLOB; empty without */
    struct treq *reqs;
    int pending;
    CURL **spare;             /* finished handles, reset, for the next requests */
    int nspare, spare_cap;    /* as many as transfers may be in flight at once */
    long host_limit;          /* CURLMOPT_MAX_HOST_CONNECTIONS now (see set_host_limit) */
    unsigned int seed;
    unsigned long next_id;
    int ncancelled;           /* cancelled requests not freed yet */
};

/* Appends the file's text to b. Returns 0 or -1 with *cause. */
static int
read_ca_file(const char *path, struct buf *b, char **cause)
{
    FILE *f = fopen(path, "rb");
    char chunk[8192];
    size_t n, total = 0;

    if (f == NULL) {
        *cause = xasprintf(_("cannot read %s: %s"), path, strerror(errno));
        return -1;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        total += n;
        if (total > CA_FILE_CAP) {
            fclose(f);
            *cause = xasprintf(_("%s is larger than %d MiB: not a CA bundle"), path,
                               CA_FILE_CAP / (1024 * 1024));
            return -1;
        }
        buf_append(b, chunk, n);
    }
    if (ferror(f)) {
        *cause = xasprintf(_("cannot read %s: %s"), path, strerror(errno));
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

/* With CURLOPT_CAINFO_BLOB set, libcurl (OpenSSL backend) ignores CURLOPT_CAINFO, so an
 * in-memory CA and a --cacert file can only both be trusted as one blob. CAPATH is still
 * read, which keeps the system CAs. */
void
transport_set_ca_pem(struct transport *t, const char *ca_pem)
{
    buf_free(&t->ca_blob);
    if (ca_pem == NULL || ca_pem[0] == '\0')
        return;
    if (t->cacert_text.len > 0) {
        buf_append(&t->ca_blob, t->cacert_text.data, t->cacert_text.len);
        if (t->ca_blob.data[t->ca_blob.len - 1] != '\n')
            buf_appends(&t->ca_blob, "\n");
    }
    buf_appends(&t->ca_blob, ca_pem);
}

/* Connections per host. Until a host is known to need one connection per transfer (plain
 * http://, or an https:// answer over HTTP/1.x), few are opened: over HTTP/2 libcurl opens
 * a connection for every transfer that finds the others full of streams, and the transfers
 * held back by this limit take streams on those few instead. */
static void
set_host_limit(struct transport *t, long n)
{
    if (n > t->o.max_connections)
        n = t->o.max_connections;
    if (n == t->host_limit)
        return;
    t->host_limit = n;
    if (t->multi != NULL)
        curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, n);
}

static void attach_poller(struct transport *t);

/* libcurl, and through it OpenSSL's TLS state, on the first request rather than at start:
 * a console that has not sent yet does not carry their pages (about 1.5 MB of RSS). */
static int
start_curl(struct transport *t, char **cause)
{
    if (t->multi != NULL)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        *cause = xstrdup(_("cannot initialise libcurl"));
        return -1;
    }
    t->multi = curl_multi_init();
    if (t->multi == NULL) {
        curl_global_cleanup();
        *cause = xstrdup(_("cannot initialise libcurl multi handle"));
        return -1;
    }
    long conns = t->o.max_connections;
    curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS, t->host_limit);
    /* As many connections as transfers in flight, and all of them kept for reuse: over
     * HTTP/1.1 a connection carries one request at a time, so a cap below --parallel is a
     * cap on the rate against a far-away server. The total leaves room for MIME probes of
     * other hosts beside a batch's sends. */
    curl_multi_setopt(t->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      conns + TRANSPORT_DEFAULT_CONNECTIONS);
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, conns + TRANSPORT_DEFAULT_CONNECTIONS);
    /* Over HTTP/2 the same transfers share a few connections as streams (with PIPEWAIT
     * on each handle, below). */
    curl_multi_setopt(t->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(t->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, (long)TRANSPORT_MAX_STREAMS);
    attach_poller(t);
    return 0;
}

struct transport *
transport_new(const struct transport_opts *o, char **cause)
{
    struct transport *t = xcalloc(1, sizeof *t);
    if (o != NULL)
        t->o = *o;
    if (t->o.max_attempts < 1)
        t->o.max_attempts = 1;
    if (t->o.connect_timeout_ms <= 0)
        t->o.connect_timeout_ms = SETTINGS_DEFAULT_CONNECT_TIMEOUT_S * 1000L;
    if (t->o.timeout_ms <= 0)
        t->o.timeout_ms = SETTINGS_DEFAULT_TIMEOUT_S * 1000L;
    if (t->o.backoff_ms <= 0)
        t->o.backoff_ms = 500;
    if (t->o.backoff_max_ms <= 0)
        t->o.backoff_max_ms = 8000;
    t->cacert = o && o->cacert ? xstrdup(o->cacert) : NULL;
    t->o.cacert = t->cacert;
    t->o.ca_pem = NULL;     /* the caller's string; only ca_blob is kept */
    /* Read now, while an error can still be returned: transport_set_ca_pem cannot fail. */
    if (t->cacert != NULL && read_ca_file(t->cacert, &t->cacert_text, cause) != 0) {
        free(t->cacert);
        buf_free(&t->cacert_text);
        free(t);
        return NULL;
    }
    transport_set_ca_pem(t, o ? o->ca_pem : NULL);
    t->seed = (unsigned int)(clock_mono_ms() ^ (long long)getpid());
    long conns = t->o.max_connections > 0 ? t->o.max_connections
                                          : TRANSPORT_DEFAULT_CONNECTIONS;
    if (conns > TRANSPORT_MAX_CONNECTIONS)
        conns = TRANSPORT_MAX_CONNECTIONS;
    t->o.max_connections = (int)conns;
    t->spare_cap = (int)conns;
    t->spare = xcalloc((size_t)t->spare_cap, sizeof *t->spare);
    set_host_limit(t, TRANSPORT_H2_CONNECTIONS);
    return t;
}

static void
treq_free(struct treq *q)
{
    struct transport *t = q->t;
    if (q->cancelled)
        t->ncancelled--;
    if (q->in_multi)
        curl_multi_remove_handle(t->multi, q->easy);
    if (q->prev)
        q->prev->next = q->next;
    else
        t->reqs = q->next;
    if (q->next)
        q->next->prev = q->prev;
    /* Creating a handle per message was a large part of a batch's cost: keep them. */
    if (t->nspare < t->spare_cap) {
        curl_easy_reset(q->easy);
        t->spare[t->nspare++] = q->easy;
    } else {
        curl_easy_cleanup(q->easy);
    }
    /* Header lines can carry an API key or a token: wipe them before they are freed. */
    for (struct curl_slist *h = q->headers; h != NULL; h = h->next)
        explicit_bzero(h->data, strlen(h->data));
    curl_slist_free_all(q->headers);
    free(q->url);
    free(q->method);
    free(q->body);
    free(q->range);
    free(q->content_type);
    buf_free(&q->resp);
    free(q);
    t->pending--;
}

void
transport_free(struct transport *t)
{
    if (t == NULL)
        return;
    while (t->reqs != NULL)
        treq_free(t->reqs);
    while (t->nspare > 0)
        curl_easy_cleanup(t->spare[--t->nspare]);
    free(t->spare);
    if (t->multi != NULL) {
        curl_multi_cleanup(t->multi);
        curl_global_cleanup();
    }
    free(t->cacert);
    buf_free(&t->cacert_text);
    buf_free(&t->ca_blob);
    free(t);
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct treq *q = arg;
    size_t n = size * nmemb;
    if (q->cancelled) {
        q->stopped = 1;
        return 0;
    }
    if (q->on_data != NULL) {
        long status = 0;
        curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status <= 299) {
            q->on_data(q->arg, data, n);
            if (q->cancelled) {
                q->stopped = 1;
                return 0;
            }
            return n;
        }
    }
    if (q->resp.len < q->keep) {
        size_t room = q->keep - q->resp.len;
        buf_append(&q->resp, data, n < room ? n : room);
    }
    q->resp_total += n;
    if ((q->stop_at_keep && q->resp.len >= q->keep) || q->resp_total > RESPONSE_READ_CAP) {
        q->stopped = 1;
        return 0; /* ends the transfer with CURLE_WRITE_ERROR, which we expect */
    }
    return n;
}

/* The value of header line data[0..n) if it is the header name (with its colon), without
 * the surrounding blanks and line end; NULL for another header. */
static const char *
header_value(const char *data, size_t n, const char *name, size_t *len)
{
    size_t k = strlen(name);
    if (n <= k || strncasecmp(data, name, k) != 0)
        return NULL;
    const char *v = data + k;
    size_t l = n - k;
    while (l > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        l--;
    }
    while (l > 0 && (v[l - 1] == '\r' || v[l - 1] == '\n' || v[l - 1] == ' ' ||
                     v[l - 1] == '\t'))
        l--;
    *len = l;
    return v;
}

/* Retry-After (RFC 9110 10.2.3) in ms from now: delay-seconds or an HTTP date; -1 when it
 * is neither. A date in the past means "now". Values beyond a day are kept as a day: they
 * are refused as too long anyway and must not overflow. */
static long
parse_retry_after(const char *v, size_t len)
{
    const long day_ms = 24L * 60 * 60 * 1000;
    char text[64];
    if (len == 0 || len >= sizeof text)
        return -1;
    memcpy(text, v, len);
    text[len] = '\0';
    size_t i = 0;
    long secs = 0;
    while (i < len && text[i] >= '0' && text[i] <= '9') {
        if (secs <= day_ms / 1000)
            secs = secs * 10 + (text[i] - '0');
        i++;
    }
    if (i == len)
        return secs > day_ms / 1000 ? day_ms : secs * 1000;
    time_t when = curl_getdate(text, NULL);
    if (when == (time_t)-1)
        return -1;
    long long ms = (long long)when * 1000 - clock_wall_ms();
    return ms <= 0 ? 0 : ms > day_ms ? day_ms : (long)ms;
}

/* A header's number (Content-Length, or what follows the '/' of a Content-Range), or -1. */
static long long
header_number(const char *v, size_t len)
{
    long long n = 0;
    size_t i = 0;
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i == len || v[i] < '0' || v[i] > '9')
        return -1;
    for (; i < len && v[i] >= '0' && v[i] <= '9'; i++) {
        if (n > (LLONG_MAX - 9) / 10)
            return -1;
        n = n * 10 + (v[i] - '0');
    }
    return n;
}

static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    struct treq *q = arg;
    size_t n = size * nmemb, len = 0;
    const char *v;
    /* A new status line starts a new response (redirects): forget the old one's headers. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        free(q->content_type);
        q->content_type = NULL;
        q->retry_after_ms = -1;
        q->range_total = q->content_length = -1;
    } else if ((v = header_value(data, n, "content-range:", &len)) != NULL) {
        const char *slash = memchr(v, '/', len);
        q->range_total = slash ? header_number(slash + 1, len - (size_t)(slash + 1 - v)) : -1;
    } else if ((v = header_value(data, n, "content-length:", &len)) != NULL) {
        q->content_length = header_number(v, len);
    } else if ((v = header_value(data, n, "content-type:", &len)) != NULL) {
        free(q->content_type);
        /* The server's words end up on a terminal (mime prints them): clean them now. */
        q->content_type = text_sanitize(v, len, 0);
    } else if ((v = header_value(data, n, "retry-after:", &len)) != NULL) {
        q->retry_after_ms = parse_retry_after(v, len);
    }
    return n;
}

static void
start_attempt(struct treq *q)
{
    /* Submitted from inside one of curl's callbacks (a stream's on_data handing an event
     * to code that sends): libcurl refuses the handle there, so it starts at once when
     * transport_perform is out of curl, as a retry that is due would. */
    if (curl_multi_add_handle(q->t->multi, q->easy) == CURLM_RECURSIVE_API_CALL) {
        q->due = clock_mono_ms();
        if (q->due == 0)
            q->due = 1;
        curl_multi_wakeup(q->t->multi);
        return;
    }
    q->in_multi = 1;
    q->attempts++;
    q->due = 0;
    q->stopped = 0;
    q->resp_total = 0;
    q->resp.len = 0;
    if (q->resp.data)
        q->resp.data[0] = '\0';
    free(q->content_type);
    q->content_type = NULL;
    q->retry_after_ms = -1;
    q->range_total = q->content_length = -1;
    q->errbuf[0] = '\0';
    if (q->on_attempt)
        q->on_attempt(q->arg, q->attempts);
}

int
transport_submit(struct transport *t, const struct transport_request *r, char **cause)
{
    if (start_curl(t, cause) != 0)
        return -1;
    struct treq *q = xcalloc(1, sizeof *q);
    q->t = t;
    q->easy = t->nspare > 0 ? t->spare[--t->nspare] : curl_easy_init();
    if (q->easy == NULL) {
        free(q);
        *cause = xstrdup(_("cannot create a libcurl handle"));
        return -1;
    }
    q->url = xstrdup(r->url);
    q->method = xstrdup(r->method ? r->method : "GET");
    q->body = xmalloc(r->body_len + 1);
    if (r->body_len)
        memcpy(q->body, r->body, r->body_len);
    q->body[r->body_len] = '\0';
    q->body_len = r->body_len;
    q->range = r->range ? xstrdup(r->range) : NULL;
    q->keep = r->keep_bytes ? r->keep_bytes : DEFAULT_KEEP;
    q->stop_at_keep = r->stop_at_keep;
    q->retry = r->retry;
    q->follow = r->follow_redirects;
    q->on_attempt = r->on_attempt;
    q->on_wait = r->on_wait;
    q->on_done = r->on_done;
    q->on_data = r->on_data;
    q->idle_ms = r->on_data != NULL && r->idle_ms > 0 ? r->idle_ms : 0;
    q->arg = r->arg;
    /* A stream may have delivered bytes before it failed: another attempt would deliver
     * them again. The caller knows where it stopped and reconnects from there. */
    if (q->on_data != NULL)
        q->retry = 0;
    q->id = ++t->next_id;

    /* Without this, libcurl waits for "100 Continue" before larger bodies. */
    q->headers = curl_slist_append(NULL, "Expect:");
    for (size_t i = 0; r->headers && r->headers[i]; i++)
        q->headers = curl_slist_append(q->headers, r->headers[i]);

    CURL *e = q->easy;
    curl_easy_setopt(e, CURLOPT_URL, q->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "jelou-console/" PACKAGE_VERSION);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, q->headers);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->o.connect_timeout_ms);
    /* A stream lasts as long as it is fed: only silence ends it. */
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, q->on_data != NULL ? 0L : t->o.timeout_ms);
    if (q->idle_ms > 0) {
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (q->idle_ms + 999) / 1000);
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, q);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, q);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, q->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, q);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    /* HTTP/2 where TLS offers it (ALPN), and a transfer that finds a connection still
     * being set up waits to share it rather than open its own: without PIPEWAIT, N sends
     * started at once open N connections with one stream each. Only over TLS: a plain
     * HTTP/1.1 connection says it cannot multiplex only with its first answer, so every
     * other transfer would wait for that answer. */
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, strncasecmp(q->url, "https://", 8) == 0 ? 1L : 0L);
    if (t->ca_blob.len > 0) {
        struct curl_blob blob = {
            .data = t->ca_blob.data,
            .len = t->ca_blob.len,
            .flags = CURL_BLOB_COPY,
        };
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
        curl_easy_setopt(e, CURLOPT_CAPATH, CA_PATH);
    } else if (t->cacert != NULL) {
        /* CAINFO alone would replace the system CAs; CAPATH keeps them. */
        curl_easy_setopt(e, CURLOPT_CAINFO, t->cacert);
        curl_easy_setopt(e, CURLOPT_CAPATH, CA_PATH);
    }
    if (strcmp(q->method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
    } else if (strcmp(q->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q->method);
        if (q->body_len) {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)q->body_len);
        }
    }
    if (q->range)
        curl_easy_setopt(e, CURLOPT_RANGE, q->range);
    if (q->follow) {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    }

    /* Plain HTTP is HTTP/1.1 here (no h2c): a connection per transfer from the start. */
    if (strncasecmp(q->url, "https://", 8) != 0)
        set_host_limit(t, t->o.max_connections);

    q->next = t->reqs;
    if (t->reqs)
        t->reqs->prev = q;
    t->reqs = q;
    t->pending++;
    start_attempt(q);
    return 0;
}

unsigned long
transport_submit_id(struct transport *t, const struct transport_request *r, char **cause)
{
    if (transport_submit(t, r, cause) != 0)
        return 0;
    return t->reqs->id;   /* transport_submit puts the new one first */
}

/* Only marked here: the caller may be inside curl (an on_data, an on_done of another
 * transfer of the same perform), where a handle cannot be removed. transport_perform frees
 * marked ones once curl is out of the way. */
void
transport_cancel(struct transport *t, unsigned long id)
{
    for (struct treq *q = t->reqs; q != NULL; q = q->next) {
        if (q->id == id && !q->cancelled) {
            q->cancelled = 1;
            q->on_attempt = NULL;
            q->on_wait = NULL;
            q->on_done = NULL;
            q->on_data = NULL;
            t->ncancelled++;
            curl_multi_wakeup(t->multi);
            return;
        }
    }
}

static void
sweep_cancelled(struct transport *t)
{
    struct treq *q = t->reqs;
    while (t->ncancelled > 0 && q != NULL) {
        struct treq *next = q->next;
        if (q->cancelled)
            treq_free(q);
        q = next;
    }
}

int
transport_pending(const struct transport *t)
{
    return t->pending;
}

static short
to_curl_events(short ev)
{
    short c = 0;
    if (ev & POLLIN)
        c |= CURL_WAIT_POLLIN;
    if (ev & POLLPRI)
        c |= CURL_WAIT_POLLPRI;
    if (ev & POLLOUT)
        c |= CURL_WAIT_POLLOUT;
    return c;
}

static short
from_curl_events(short c)
{
    short ev = 0;
    if (c & CURL_WAIT_POLLIN)
        ev |= POLLIN;
    if (c & CURL_WAIT_POLLPRI)
        ev |= POLLPRI;
    if (c & CURL_WAIT_POLLOUT)
        ev |= POLLOUT;
    return ev;
}

static int
transport_wait(void *arg, const int *fds, const short *events, short *revents, unsigned n,
               long timeout_ms)
{
    struct transport *t = arg;
    struct curl_waitfd *w = xcalloc(n, sizeof *w);
    for (unsigned i = 0; i < n; i++) {
        w[i].fd = fds[i];
        w[i].events = to_curl_events(events[i]);
    }
    int ms = timeout_ms < 0 || timeout_ms > 3600000 ? 3600000 : (int)timeout_ms;
    int numfds = 0;
    CURLMcode rc = curl_multi_poll(t->multi, w, n, ms, &numfds);
    for (unsigned i = 0; i < n; i++)
        revents[i] = rc == CURLM_OK ? from_curl_events(w[i].revents) : 0;
    free(w);
    return rc == CURLM_OK ? 0 : -1;
}

static void
transport_wake(void *arg)
{
    struct transport *t = arg;
    curl_multi_wakeup(t->multi);
}

static long
transport_timeout_ms(void *arg)
{
    const struct transport *t = arg;
    long long now = clock_mono_ms();
    long best = -1;
    for (struct treq *q = t->reqs; q; q = q->next) {
        if (q->due == 0)
            continue;
        long left = q->due > now ? (long)(q->due - now) : 0;
        if (best < 0 || left < best)
            best = left;
    }
    return best;
}

/* Errors that another attempt cannot fix: bad certificates, bad URLs. */
static int
error_is_permanent(CURLcode code)
{
    switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_TOO_MANY_REDIRECTS:
        return 1;
    default:
        return 0;
    }
}

static long
backoff_ms(struct transport *t, int attempt)
{
    long d = t->o.backoff_ms;
    for (int i = 1; i < attempt && d < t->o.backoff_max_ms; i++)
        d *= 2;
    if (d > t->o.backoff_max_ms)
        d = t->o.backoff_max_ms;
    /* Jitter spreads retries of many failed sends over time. */
    return d + (long)(rand_r(&t->seed) % (unsigned)(d / 2 + 1));
}

static void
finish(struct treq *q, CURLcode code)
{
    struct transport *t = q->t;
    long status = 0, version = 0;
    curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
    /* An answer over HTTP/1.x: this server does not multiplex, give it connections. */
    if (status > 0 && curl_easy_getinfo(q->easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK &&
        (version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1))
        set_host_limit(t, t->o.max_connections);
    curl_multi_remove_handle(t->multi, q->easy);
    q->in_multi = 0;
    if (q->cancelled) {
        treq_free(q);
        return;
    }

    int answered = code == CURLE_OK || (code == CURLE_WRITE_ERROR && q->stopped);
    if (answered && status == 0)
        answered = 0;
    /* A final status arrived and then the body was cut short or timed out: the server has
     * answered. Resending after its 2xx would deliver twice and a 4xx is never retried, so
     * that status is the answer. A 3xx is not: it only says where the answer was. */
    if (!answered && ((status >= 200 && status <= 299) || status >= 400))
        answered = 1;
    /* 408 and 429 are the server saying "not now", not "no": like a 5xx, worth another
     * attempt with the same bytes. Every other 4xx is final. */
    int transient = status >= 500 || status == 408 || status == 429;
    int retryable = answered ? transient : !error_is_permanent(code);
    long asked = answered ? q->retry_after_ms : -1;
    if (asked > TRANSPORT_RETRY_AFTER_MAX_MS)
        retryable = 0;
    if (q->retry && retryable && q->attempts < t->o.max_attempts) {
        long delay = backoff_ms(t, q->attempts);
        if (asked > delay)
            delay = asked;
        q->due = clock_mono_ms() + delay;
        if (q->on_wait) {
            struct transport_wait w = {
                .attempt = q->attempts,
                .delay_ms = delay,
                .http_status = answered ? status : 0,
                .retry_after_ms = asked,
            };
            q->on_wait(q->arg, &w);
        }
        return;
    }

    char *error = NULL;
    long redirects = 0;
    char *where = NULL;
    curl_easy_getinfo(q->easy, CURLINFO_REDIRECT_COUNT, &redirects);
    curl_easy_getinfo(q->easy, CURLINFO_EFFECTIVE_URL, &where);
    if (!answered && code == CURLE_UNSUPPORTED_PROTOCOL && redirects > 0 && where != NULL) {
        /* libcurl's words ("not supported or disabled in libcurl") blame the build. */
        error = xasprintf(_("refused a redirect to %s: only https:// redirects are followed"),
                          where);
    } else if (!answered) {
        const char *why = q->errbuf[0] ? q->errbuf : curl_easy_strerror(code);
        error = xstrdup(why);
    } else if (status < 200 || status > 299) {
        error = xasprintf(_("HTTP %ld"), status);
    } else if (q->on_data != NULL && code != CURLE_OK) {
        /* A stream's 2xx is not its answer: it ended, and why matters (silence, a cut). */
        answered = 0;
        if (code == CURLE_OPERATION_TIMEDOUT && q->idle_ms > 0)
            error = xasprintf(_("no data for %ld s"), (q->idle_ms + 999) / 1000);
        else
            error = xstrdup(q->errbuf[0] ? q->errbuf : curl_easy_strerror(code));
    }
    if (error != NULL) {
        /* It can quote what the peer sent (a Location, a proxy's answer): one clean line. */
        char *clean = text_sanitize(error, strlen(error), 0);
        free(error);
        error = clean;
    }
    struct transport_result res = {
        .http_status = answered || q->on_data != NULL ? status : 0,
        .attempts = q->attempts,
        .network_error = !answered,
        .error = error,
        .body = q->resp.data ? q->resp.data : "",
        .body_len = q->resp.len,
        .body_truncated = q->resp_total > q->resp.len,
        .content_type = q->content_type,
        /* A 206 names the whole size after its '/'; a 200 carries all of it. */
        .resource_size = q->range_total >= 0 ? q->range_total
                         : answered && status == 200 ? q->content_length : -1,
        .retry_after_ms = answered ? q->retry_after_ms : -1,
    };
    if (q->on_done)
        q->on_done(q->arg, &res);
    free(error);
    treq_free(q);
}

static void
transport_perform(void *arg)
{
    struct transport *t = arg;
    /* Until nothing changes: a transfer that ends in the perform after a retry starts must
     * be read now, or the loop would wait on a transfer that is already over. */
    for (;;) {
        int running = 0;
        sweep_cancelled(t);
        curl_multi_perform(t->multi, &running);

        CURLMsg *m;
        int left, done = 0;
        while ((m = curl_multi_info_read(t->multi, &left)) != NULL) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct treq *q = NULL;
            CURLcode code = m->data.result;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&q);
            if (q != NULL) {
                finish(q, code);
                done = 1;
            }
        }

        sweep_cancelled(t);
        long long now = clock_mono_ms();
        int started = 0;
        for (struct treq *q = t->reqs; q; q = q->next) {
            if (q->due != 0 && q->due <= now && !q->cancelled) {
                start_attempt(q);
                started = 1;
            }
        }
        if (!started && !done)
            return;
    }
}

/* The loop waits in curl_multi_poll once there is a multi handle; until then in its own
 * poll(2), with nothing of curl's to wait for. */
static void
attach_poller(struct transport *t)
{
    if (t->loop == NULL || t->multi == NULL)
        return;
    const struct loop_poller p = {
        .wait = transport_wait,
        .wake = transport_wake,
        .timeout_ms = transport_timeout_ms,
        .perform = transport_perform,
        .arg = t,
    };
    loop_set_poller(t->loop, &p);
}

void
transport_attach(struct transport *t, struct loop *l)
{
    t->loop = l;
    attach_poller(t);
}
