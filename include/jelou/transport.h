/* HTTP transfers with libcurl multi: non-blocking, reused connections, retry with back-off. */
#ifndef JELOU_TRANSPORT_H
#define JELOU_TRANSPORT_H

#include <stddef.h>

struct transport_opts {
    const char *cacert;       /* extra CA bundle file, or NULL */
    /* Extra trust anchors as PEM text in memory (the sandbox's own certificate), or NULL;
     * copied. The system CAs stay trusted. With cacert too, both are trusted: the file is
     * read once by transport_new and sent with ca_pem as one in-memory bundle, because
     * libcurl lets in-memory CAs replace the file. */
    const char *ca_pem;
    long connect_timeout_ms;  /* per attempt */
    long timeout_ms;          /* per attempt, whole transfer */
    int max_attempts;         /* >= 1 */
    long backoff_ms;          /* first back-off; doubles each attempt, plus jitter */
    long backoff_max_ms;
    /* Transfers in flight at once to one host (send --parallel): HTTP/1.1 needs a
     * connection each, so up to this many are opened and kept; HTTP/2 multiplexes them on
     * a few. 0: TRANSPORT_DEFAULT_CONNECTIONS; at most TRANSPORT_MAX_CONNECTIONS. */
    int max_connections;
};

/* Connections kept per host when max_connections is 0, and the most ever opened to one
 * host (the documented cap of send --parallel). Each is a file descriptor. */
#define TRANSPORT_DEFAULT_CONNECTIONS 16
#define TRANSPORT_MAX_CONNECTIONS 1024
/* Connections per host over HTTPS until an answer shows HTTP/1.x (then max_connections):
 * HTTP/2 carries the transfers as streams on these few. */
#define TRANSPORT_H2_CONNECTIONS 4
/* HTTP/2 streams one connection carries at once (the server's own limit, often 100 or
 * 128, still applies: beyond it a second connection opens). */
#define TRANSPORT_MAX_STREAMS 256

/* The longest Retry-After a retry waits for. A server asking for more is not retried: the
 * send fails at once and says so, rather than hold a message (and a script) for hours. */
#define TRANSPORT_RETRY_AFTER_MAX_MS (120L * 1000)

struct transport_result {
    long http_status;      /* 0 when no HTTP answer arrived */
    int attempts;          /* attempts made */
    int network_error;     /* the last attempt failed below HTTP */
    const char *error;     /* one line for a person, or NULL on 2xx */
    const char *body;      /* kept response bytes (NUL-terminated), never NULL */
    size_t body_len;
    int body_truncated;    /* more bytes arrived than were kept */
    const char *content_type; /* the server's Content-Type, or NULL */
    long long resource_size; /* the whole resource's bytes (Content-Range, or a 200's
                                Content-Length), -1 when unknown */
    long retry_after_ms;   /* the last answer's Retry-After in ms from its arrival; -1: none */
};

/* A retry has been scheduled (the answer was a 5xx, 408 or 429, or no answer came). */
struct transport_wait {
    int attempt;           /* the attempt that just failed, 1-based */
    long delay_ms;         /* until the next attempt starts */
    long http_status;      /* 0 when no HTTP answer arrived */
    long retry_after_ms;   /* what the server asked for (delay_ms is at least that); -1 */
};

struct transport_request {
    const char *method;           /* "POST" or "GET" */
    const char *url;
    const char *const *headers;   /* NULL-terminated "Name: value" list, or NULL */
    const void *body;             /* copied by the transport */
    size_t body_len;
    size_t keep_bytes;            /* response bytes kept (default 200 when 0) */
    int stop_at_keep;             /* abort the transfer once keep_bytes arrived (probes) */
    const char *range;            /* e.g. "0-65535", or NULL */
    /* Retry up to max_attempts: 5xx, 408, 429 and network errors. A Retry-After (seconds
     * or an HTTP date) is waited for at least, up to TRANSPORT_RETRY_AFTER_MAX_MS. */
    int retry;
    int follow_redirects;         /* follow up to 5 redirects, https only */
    /* Called as each attempt starts (1-based). May be NULL. */
    void (*on_attempt)(void *arg, int attempt);
    /* Called when a retry is scheduled, before the wait. May be NULL. */
    void (*on_wait)(void *arg, const struct transport_wait *w);
    /* Called once with the final result; the result is valid during the call only. */
    void (*on_done)(void *arg, const struct transport_result *r);
    /* A stream (an SSE feed, a download read as it comes): when set, a 2xx answer's body
     * goes here as it arrives and is not kept; the status and headers are known before the
     * first call. A non-2xx answer's body is kept as without it (the result's first
     * keep_bytes). A stream has no total timeout (timeout_ms is not applied) and is never
     * retried; idle_ms ends it instead. */
    void (*on_data)(void *arg, const char *bytes, size_t n);
    /* With on_data: no byte for this long (rounded up to whole seconds) fails the transfer
     * as a network error "no data for N s". 0: no such limit. */
    long idle_ms;
    void *arg;
};

struct transport;

/* Fails (NULL, *cause) when libcurl cannot start or o->cacert cannot be read. */
struct transport *transport_new(const struct transport_opts *o, char **cause);
void transport_free(struct transport *t);

/* Replaces ca_pem (copied; NULL for none) for requests submitted from now on. For a sandbox
 * started on this transport's own loop, whose certificate exists only after the transport. */
void transport_set_ca_pem(struct transport *t, const char *ca_pem);

/* Queues a request; it runs as the loop turns. Returns 0 or -1 with *cause. */
int transport_submit(struct transport *t, const struct transport_request *r, char **cause);

/* Like transport_submit, and returns the transfer's id (never 0) for transport_cancel; 0
 * with *cause. */
unsigned long transport_submit_id(struct transport *t, const struct transport_request *r,
                                  char **cause);

/* Ends transfer id now, whatever its state (in flight, waiting to retry); on_done is NOT
 * called for it, nor any other callback after this returns. Safe from any callback,
 * including the transfer's own on_data; an id that is done or unknown is ignored. */
void transport_cancel(struct transport *t, unsigned long id);

/* Requests submitted and not yet done. */
int transport_pending(const struct transport *t);

struct loop;

/* Makes l wait through this transport (curl_multi_poll with l's fds as extra fds, so there
 * stays one wait point) and drive its transfers and back-off timers once per turn; that is
 * where on_attempt, on_wait and on_done are called. t must outlive l's last turn. */
void transport_attach(struct transport *t, struct loop *l);

#endif
