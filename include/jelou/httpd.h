/* An HTTP(S) server on the loop with libmicrohttpd (external polling, no threads). */
#ifndef JELOU_HTTPD_H
#define JELOU_HTTPD_H

#include <stddef.h>

struct loop;
struct httpd;
/* A request being answered: kept by a handler that answers later (defer) or streams. */
struct httpd_call;

struct httpd_request {
    const char *method;
    const char *path;
    const char *body;     /* raw bytes as received, NUL-terminated after body_len */
    size_t body_len;
    void *conn;           /* for httpd_header */
    struct httpd_call *call; /* for httpd_finish / httpd_stream_* when the answer is
                                deferred or streamed */
};

/* A request header (case-insensitive name), or NULL. */
const char *httpd_header(const struct httpd_request *req, const char *name);

/* The request's Authorization: Basic credentials as "user:password" (newly allocated; wipe
 * before freeing), or NULL when there are none or they do not decode. */
char *httpd_basic_credentials(const struct httpd_request *req);

struct httpd_response {
    int status;
    char *body;            /* malloc'd; freed by the server; may be NULL */
    size_t body_len;
    const char *content_type; /* default "application/json" */
    /* Extra header lines, "Name: value\r\n" each, or NULL; malloc'd, freed by the server.
     * Content-Length is the server's own. A line without a name and a colon fails the
     * answer (the connection is closed). */
    char *headers;
    long delay_ms;          /* answer this much later, without blocking the loop */
    /* Hold the answer (prepared as above) until httpd_release_held: the requests of one
     * loop turn can then share one journal write and fsync before any is answered. */
    int hold;
    /* The answer comes later, from httpd_finish(req->call, ...) (say, once a database
     * replied): the connection waits without blocking the loop. The other fields are
     * ignored. */
    int defer;
    /* Answer status and headers now, then a body of unknown length (chunked) written with
     * httpd_stream_write until httpd_stream_end (Server-Sent Events). body is ignored.
     * on_close(close_arg) is called once when the stream is over (ended, or the client
     * went away); req->call is invalid from then on. */
    int stream;
    void (*on_close)(void *arg);
    void *close_arg;
};

/* Answered by the server itself: 413 beyond max_body, 400 for a head with two
 * Content-Length headers or Content-Length with Transfer-Encoding. */

/* Called once per complete request. Fill resp; status 0 means 500. A HEAD request is
 * answered like a GET (same status and headers, Content-Length of the body) without the body. */
typedef void (*httpd_handler)(void *arg, const struct httpd_request *req,
                              struct httpd_response *resp);

struct httpd_opts {
    const char *addr;        /* IPv4 or IPv6 literal; "127.0.0.1" by default */
    unsigned port;           /* 0 picks a free port */
    size_t max_body;         /* 413 beyond; default 1 MiB */
    unsigned max_conns;      /* default 512, less when RLIMIT_NOFILE is low */
    unsigned max_per_ip;     /* connections from one address; default 32, at most half */
    unsigned timeout_s;      /* idle connection timeout; default 30 */
    unsigned head_timeout_s; /* a request head must be complete this soon after the
                                connection opened (default 5, at most timeout_s) */
    const char *tls_cert_pem; /* PEM text, or NULL for plain HTTP */
    const char *tls_key_pem;
    /* Called with the handler's arg once per loop turn in which answers were held, after
     * the server read everything that had arrived: make the turn durable, then call
     * httpd_release_held. NULL: held answers wait for httpd_release_held alone. */
    void (*on_held)(void *arg);
};

/* Answers a deferred request with resp (its body and headers are taken). c is invalid
 * afterwards. Must be called exactly once per deferred request, before httpd_free. */
void httpd_finish(struct httpd_call *c, struct httpd_response *resp);

/* Queues bytes on a stream (copied). */
void httpd_stream_write(struct httpd_call *c, const char *data, size_t len);
/* Ends a stream once what was written went out; on_close follows. */
void httpd_stream_end(struct httpd_call *c);

struct httpd *httpd_new(struct loop *l, const struct httpd_opts *o, httpd_handler h,
                        void *arg, char **cause);
unsigned httpd_port(const struct httpd *d);
/* Sends every held answer: as the handler prepared it when fail_status is 0, otherwise
 * with fail_status and a copy of fail_body (JSON) instead. */
void httpd_release_held(struct httpd *d, int fail_status, const char *fail_body);
/* Answers held now (those of connections that closed meanwhile included). */
unsigned httpd_held(const struct httpd *d);
/* Deferred requests left unanswered get a 503; open streams end (on_close is called). */
void httpd_free(struct httpd *d);

#endif
