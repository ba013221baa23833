/* An HTTP(S) server on the single loop with libmicrohttpd: external epoll, no threads. */
#include "jelou/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "jelou/clock.h"
#include "jelou/loop.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

#define HTTPD_DEFAULT_ADDR "127.0.0.1"
#define HTTPD_DEFAULT_MAX_BODY (1024 * 1024)
/* Slots are cheap (a socket and HTTPD_CONN_MEMORY at most); many of them, few per peer, so
 * that idle or slow clients from one address cannot take the slots everybody else needs. */
#define HTTPD_DEFAULT_MAX_CONNS 512
#define HTTPD_DEFAULT_MAX_PER_IP 32
#define HTTPD_DEFAULT_TIMEOUT_S 30
/* A real client sends its request head in one go: one that dribbles it holds a slot. */
#define HTTPD_DEFAULT_HEAD_TIMEOUT_S 5
/* File descriptors left for everything else (journals, curl, the terminal). */
#define HTTPD_FD_RESERVE 64
/* Headers plus MHD's read buffer; uploads stream through it in chunks, so it bounds
 * header size, not body size. */
#define HTTPD_CONN_MEMORY (64 * 1024)

static const char too_large_body[] = "{\"error\":\"body too large\"}";

/* One connection (MHD's socket context): when its request head must be complete. */
struct conn_state {
    struct MHD_Connection *conn;
    long long head_due;     /* monotonic ms; 0 while a request is being served */
    struct conn_state *prev, *next;
};

/* One request in flight (MHD's con_cls); a keep-alive connection gets a fresh one each time. */
struct request_state {
    struct httpd *d;
    struct MHD_Connection *conn;
    struct buf body;
    int too_large;
    int handled;            /* the user's handler has run */
    int status;
    char *resp_body;        /* owned until handed to MHD */
    size_t resp_len;
    char *content_type;
    char *headers;          /* extra "Name: value\r\n" lines, owned */
    /* Set while suspended for a delayed answer. */
    int suspended;
    long long due;
    struct request_state *next_pending;
    /* A deferred answer (httpd_finish) or a stream (httpd_stream_*); held is set while
     * suspended for either, and the state is on the server's held list. */
    int deferred;
    int streaming;
    int held;
    struct request_state *prev_held, *next_held;
    struct buf out;         /* stream bytes not yet taken by MHD */
    int ended;              /* httpd_stream_end was called */
    void (*on_close)(void *arg);
    void *close_arg;
    /* Set while its prepared answer waits for httpd_release_held (group commit). */
    int batched;
    struct request_state *next_batched;
};

struct httpd {
    struct loop *loop;
    struct MHD_Daemon *mhd;
    int source;
    unsigned port;
    size_t max_body;
    httpd_handler handler;
    void *arg;
    struct request_state *pending;  /* suspended requests waiting for their due time */
    struct request_state *held;     /* suspended for httpd_finish or stream bytes */
    struct request_state *batch;    /* answers held until httpd_release_held */
    unsigned nbatch;
    void (*on_held)(void *arg);
    struct conn_state *conns;       /* every open connection */
    long head_ms;                   /* time for a request head to arrive */
    long idle_ms;                   /* time for the next head on a kept-alive connection */
    /* A connection closed during the last MHD_run: MHD takes its listening socket back into
     * its epoll set only at the start of a run, so it must run once more or it would not
     * accept again after it was full. */
    int rerun;
    char last_error[256];           /* MHD's last log line, for the start-up *cause */
};

/* MHD reports why it failed to start only through its logger: keep the last line, and keep
 * it off stderr, which may belong to a full-screen UI. */
static void
on_mhd_log(void *arg, const char *fmt, va_list ap)
{
    struct httpd *d = arg;
    vsnprintf(d->last_error, sizeof d->last_error, fmt, ap);
    size_t n = strlen(d->last_error);
    while (n > 0 && (d->last_error[n - 1] == '\n' || d->last_error[n - 1] == '\r'))
        d->last_error[--n] = '\0';
}

const char *
httpd_header(const struct httpd_request *req, const char *name)
{
    if (req == NULL || req->conn == NULL || name == NULL)
        return NULL;
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Wiped: credentials should not linger in freed memory. */
static void
mhd_wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        MHD_free(s);
    }
}

char *
httpd_basic_credentials(const struct httpd_request *req)
{
    if (req == NULL || req->conn == NULL)
        return NULL;
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(req->conn, &password);
    char *both = user != NULL && password != NULL ? xasprintf("%s:%s", user, password) : NULL;
    mhd_wipe_free(user);
    mhd_wipe_free(password);
    return both;
}

static void
pending_unlink(struct httpd *d, struct request_state *rs)
{
    for (struct request_state **p = &d->pending; *p != NULL; p = &(*p)->next_pending) {
        if (*p == rs) {
            *p = rs->next_pending;
            rs->next_pending = NULL;
            return;
        }
    }
}

/* Adds each "Name: value" line of headers (CRLF or LF separated) to r. Returns 0 or -1. */
static int
add_headers(struct MHD_Response *r, const char *headers)
{
    const char *p = headers;

    while (p != NULL && *p != '\0') {
        size_t len = strcspn(p, "\r\n");
        const char *colon = memchr(p, ':', len);
        if (len > 0) {
            if (colon == NULL || colon == p)
                return -1;
            const char *v = colon + 1;
            const char *end = p + len;
            while (v < end && (*v == ' ' || *v == '\t'))
                v++;
            char *name = xstrndup(p, (size_t)(colon - p));
            char *value = xstrndup(v, (size_t)(end - v));
            enum MHD_Result ok = MHD_add_response_header(r, name, value);
            free(name);
            free(value);
            if (ok == MHD_NO)
                return -1;
        }
        p += len;
        p += strspn(p, "\r\n");
    }
    return 0;
}

static enum MHD_Result
queue_answer(struct MHD_Connection *conn, int status, char *body, size_t len,
             const char *content_type, const char *headers)
{
    struct MHD_Response *r;

    if (body != NULL) {
        r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        if (r == NULL)
            free(body);
    } else {
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (r == NULL)
        return MHD_NO;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                content_type ? content_type : "application/json") == MHD_NO ||
        add_headers(r, headers) != 0) {
        MHD_destroy_response(r);
        return MHD_NO;
    }
    /* MHD refuses anything outside 100..999, and a 1xx would leave the request hanging. */
    if (status < 200 || status > 999)
        status = 500;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
queue_too_large(struct MHD_Connection *conn)
{
    return queue_answer(conn, 413, xstrndup(too_large_body, sizeof too_large_body - 1),
                        sizeof too_large_body - 1, NULL, NULL);
}

static enum MHD_Result
queue_stored(struct request_state *rs)
{
    char *body = rs->resp_body;
    rs->resp_body = NULL;   /* MHD owns it from here, even on failure */
    return queue_answer(rs->conn, rs->status, body, rs->resp_len, rs->content_type,
                        rs->headers);
}

/* 1 when a Content-Length header already tells us the body cannot fit. */
static int
declared_too_large(struct MHD_Connection *conn, size_t max_body)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl == NULL)
        return 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    if (end == cl)
        return 0;   /* MHD itself answers 400 to a malformed length */
    return errno == ERANGE || n > max_body;
}

struct header_count {
    unsigned content_length;
    unsigned transfer_encoding;
};

static enum MHD_Result
count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct header_count *c = cls;
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
        c->content_length++;
    else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0)
        c->transfer_encoding++;
    return MHD_YES;
}

/* 1 when the head frames its body in more than one way. A proxy in front may read the
 * body one way and we another (request smuggling), so such a request is refused. */
static int
ambiguous_framing(struct MHD_Connection *conn)
{
    struct header_count c = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &c);
    return c.content_length > 1 || (c.content_length > 0 && c.transfer_encoding > 0);
}

static struct conn_state *
conn_state_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci != NULL ? ci->socket_context : NULL;
}

static void
hold(struct request_state *rs)
{
    struct httpd *d = rs->d;
    if (rs->held)
        return;
    rs->held = 1;
    rs->prev_held = NULL;
    rs->next_held = d->held;
    if (d->held != NULL)
        d->held->prev_held = rs;
    d->held = rs;
    MHD_suspend_connection(rs->conn);
}

static void
batch_unlink(struct httpd *d, struct request_state *rs)
{
    for (struct request_state **p = &d->batch; *p != NULL; p = &(*p)->next_batched) {
        if (*p == rs) {
            *p = rs->next_batched;
            rs->next_batched = NULL;
            rs->batched = 0;
            d->nbatch--;
            return;
        }
    }
}

static void
held_unlink(struct httpd *d, struct request_state *rs)
{
    rs->held = 0;
    if (rs->prev_held != NULL)
        rs->prev_held->next_held = rs->next_held;
    else
        d->held = rs->next_held;
    if (rs->next_held != NULL)
        rs->next_held->prev_held = rs->prev_held;
    rs->prev_held = rs->next_held = NULL;
}

static void
release(struct request_state *rs)
{
    struct httpd *d = rs->d;
    if (!rs->held)
        return;
    held_unlink(d, rs);
    MHD_resume_connection(rs->conn);
    /* MHD takes a resumed connection back only in a run: make the loop run it now. */
    d->rerun = 1;
}

void
httpd_finish(struct httpd_call *c, struct httpd_response *resp)
{
    struct request_state *rs = (struct request_state *)c;
    if (rs == NULL || !rs->deferred)
        return;
    rs->deferred = 0;
    rs->status = resp->status != 0 ? resp->status : 500;
    rs->resp_body = resp->body;
    rs->resp_len = resp->body_len;
    if (resp->body != NULL && resp->body_len == 0)
        rs->resp_len = strlen(resp->body);
    rs->content_type = resp->content_type ? xstrdup(resp->content_type) : NULL;
    rs->headers = resp->headers;
    resp->body = NULL;
    resp->headers = NULL;
    release(rs);
}

void
httpd_stream_write(struct httpd_call *c, const char *data, size_t len)
{
    struct request_state *rs = (struct request_state *)c;
    /* Also from the handler itself, before the stream's head is queued. */
    if (rs == NULL || rs->ended || rs->deferred)
        return;
    buf_append(&rs->out, data, len);
    if (rs->streaming)
        release(rs);
}

void
httpd_stream_end(struct httpd_call *c)
{
    struct request_state *rs = (struct request_state *)c;
    if (rs == NULL || rs->deferred)
        return;
    rs->ended = 1;
    if (rs->streaming)
        release(rs);
}

/* MHD asks for the next stream bytes: none yet means wait (suspended, not polled). */
static ssize_t
read_stream(void *cls, uint64_t pos, char *out, size_t max)
{
    struct request_state *rs = cls;
    (void)pos;
    if (rs->out.len > 0) {
        size_t n = rs->out.len < max ? rs->out.len : max;
        memcpy(out, rs->out.data, n);
        memmove(rs->out.data, rs->out.data + n, rs->out.len - n);
        rs->out.len -= n;
        rs->out.data[rs->out.len] = '\0';
        return (ssize_t)n;
    }
    if (rs->ended)
        return MHD_CONTENT_READER_END_OF_STREAM;
    hold(rs);
    return 0;
}

static enum MHD_Result
queue_stream(struct request_state *rs)
{
    struct MHD_Response *r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
                                                               read_stream, rs, NULL);
    if (r == NULL)
        return MHD_NO;
    if (MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rs->content_type ? rs->content_type
                                                 : "text/event-stream") == MHD_NO ||
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache") == MHD_NO ||
        add_headers(r, rs->headers) != 0) {
        MHD_destroy_response(r);
        return MHD_NO;
    }
    enum MHD_Result ret = MHD_queue_response(rs->conn, (unsigned)rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void
run_handler(struct request_state *rs, const char *url, const char *method)
{
    struct httpd *d = rs->d;
    struct httpd_response resp = {0};
    struct httpd_request req = {
        .method = method,
        .path = url,
        .body = rs->body.data ? rs->body.data : "",
        .body_len = rs->body.len,
        .conn = rs->conn,
        .call = (struct httpd_call *)rs,
    };

    d->handler(d->arg, &req, &resp);
    buf_free(&rs->body);

    rs->status = resp.status != 0 ? resp.status : 500;
    rs->resp_body = resp.body;
    rs->resp_len = resp.body_len;
    /* A handler that filled body but not body_len means a C string. */
    if (resp.body != NULL && resp.body_len == 0)
        rs->resp_len = strlen(resp.body);
    /* The handler's string may not outlive the call, and the answer may be delayed. */
    rs->content_type = resp.content_type ? xstrdup(resp.content_type) : NULL;
    rs->headers = resp.headers;
    if (resp.defer) {
        free(rs->resp_body);
        rs->resp_body = NULL;
        free(rs->headers);
        rs->headers = NULL;
        rs->deferred = 1;
        return;
    }
    if (resp.stream) {
        free(rs->resp_body);
        rs->resp_body = NULL;
        rs->streaming = 1;
        rs->on_close = resp.on_close;
        rs->close_arg = resp.close_arg;
        return;
    }
    if (resp.hold) {
        rs->batched = 1;
        rs->suspended = 1;
        rs->next_batched = d->batch;
        d->batch = rs;
        d->nbatch++;
    } else if (resp.delay_ms > 0) {
        rs->due = clock_mono_ms() + resp.delay_ms;
        rs->suspended = 1;
        rs->next_pending = d->pending;
        d->pending = rs;
    }
}

static enum MHD_Result
on_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size,
          void **con_cls)
{
    struct httpd *d = cls;
    struct request_state *rs = *con_cls;
    (void)version;

    if (rs == NULL) {
        rs = xcalloc(1, sizeof *rs);
        rs->d = d;
        rs->conn = conn;
        *con_cls = rs;
        struct conn_state *cs = conn_state_of(conn);
        if (cs != NULL)
            cs->head_due = 0;
        if (ambiguous_framing(conn)) {
            static const char msg[] =
                "{\"error\":\"Content-Length with another Content-Length or "
                "Transfer-Encoding\"}";
            return queue_answer(conn, 400, xstrndup(msg, sizeof msg - 1), sizeof msg - 1,
                                NULL, NULL);
        }
        /* Answering before the body is read also stops MHD from sending 100 Continue. */
        if (declared_too_large(conn, d->max_body)) {
            rs->too_large = 1;
            return queue_too_large(conn);
        }
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        /* MHD only accepts an answer before or after the body, so an oversized chunked
         * body is read to the end and dropped. */
        if (!rs->too_large) {
            if (*upload_data_size > d->max_body - rs->body.len) {
                rs->too_large = 1;
                buf_free(&rs->body);
            } else {
                buf_append(&rs->body, upload_data, *upload_data_size);
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (rs->too_large)
        return queue_too_large(conn);
    if (!rs->handled) {
        rs->handled = 1;
        run_handler(rs, url, method);
        if (rs->suspended) {
            MHD_suspend_connection(conn);
            return MHD_YES;
        }
        if (rs->deferred) {
            hold(rs);
            return MHD_YES;
        }
        if (rs->streaming)
            return queue_stream(rs);
    }
    if (rs->deferred || rs->streaming)
        return MHD_YES;
    return queue_stored(rs);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct httpd *d = cls;
    struct request_state *rs = *con_cls;
    (void)toe;

    if (rs == NULL)
        return;
    /* Keep-alive: the next request head must come within the idle time, however slowly
     * its bytes trickle in. */
    struct conn_state *cs = conn_state_of(conn);
    if (cs != NULL)
        cs->head_due = clock_mono_ms() + d->idle_ms;
    if (rs->batched)
        batch_unlink(d, rs);
    else if (rs->suspended)
        pending_unlink(d, rs);
    /* Only at the daemon's stop: unlinked without resuming. */
    if (rs->held)
        held_unlink(d, rs);
    if (rs->streaming && rs->on_close != NULL)
        rs->on_close(rs->close_arg);
    buf_free(&rs->out);
    buf_free(&rs->body);
    free(rs->resp_body);
    free(rs->content_type);
    free(rs->headers);
    free(rs);
    *con_cls = NULL;
}

static void
on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct httpd *d = cls;
    struct conn_state *cs = *socket_context;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        cs = xcalloc(1, sizeof *cs);
        cs->conn = conn;
        cs->head_due = clock_mono_ms() + d->head_ms;
        cs->next = d->conns;
        if (d->conns != NULL)
            d->conns->prev = cs;
        d->conns = cs;
        *socket_context = cs;
        return;
    }
    if (cs == NULL)
        return;
    if (cs->prev != NULL)
        cs->prev->next = cs->next;
    else
        d->conns = cs->next;
    if (cs->next != NULL)
        cs->next->prev = cs->prev;
    free(cs);
    *socket_context = NULL;
    d->rerun = 1;
}

/* Connections whose request head is overdue are shut down (not closed: the socket is
 * MHD's), so that MHD sees the end of the stream and frees the slot on its next run. */
static void
shut_overdue(struct httpd *d, long long now)
{
    for (struct conn_state *cs = d->conns; cs != NULL; cs = cs->next) {
        if (cs->head_due == 0 || cs->head_due > now)
            continue;
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(cs->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci != NULL)
            shutdown(ci->connect_fd, SHUT_RDWR);
        cs->head_due = 0;
    }
}

static long
on_loop_timeout(void *arg)
{
    struct httpd *d = arg;
    MHD_UNSIGNED_LONG_LONG t;
    long ms = -1;

    if (d->rerun)
        return 0;
    if (MHD_get_timeout(d->mhd, &t) == MHD_YES)
        ms = t > (MHD_UNSIGNED_LONG_LONG)LONG_MAX ? LONG_MAX : (long)t;
    long long now = clock_mono_ms();
    for (const struct conn_state *cs = d->conns; cs != NULL; cs = cs->next) {
        if (cs->head_due == 0)
            continue;
        long left = cs->head_due > now ? (long)(cs->head_due - now) : 0;
        if (ms < 0 || left < ms)
            ms = left;
    }
    if (d->pending != NULL) {
        for (struct request_state *rs = d->pending; rs != NULL; rs = rs->next_pending) {
            long left = rs->due > now ? (long)(rs->due - now) : 0;
            if (ms < 0 || left < ms)
                ms = left;
        }
    }
    return ms;
}

static void
on_loop_ready(void *arg, short revents)
{
    struct httpd *d = arg;
    long long now = clock_mono_ms();
    (void)revents;

    for (struct request_state **p = &d->pending; *p != NULL;) {
        struct request_state *rs = *p;
        if (rs->due <= now) {
            *p = rs->next_pending;
            rs->next_pending = NULL;
            rs->suspended = 0;
            MHD_resume_connection(rs->conn);
        } else {
            p = &rs->next_pending;
        }
    }
    shut_overdue(d, now);
    /* Also after a plain timeout: MHD must run once its own timeout has passed. */
    d->rerun = 0;
    MHD_run(d->mhd);
    if (d->batch != NULL && d->on_held != NULL) {
        /* Everything that arrived in this run is held now: one commit for all of it,
         * then a second run sends the answers it released. */
        d->on_held(d->arg);
        d->rerun = 0;
        MHD_run(d->mhd);
        /* What that run read waits for the next turn, which must come at once. */
        if (d->batch != NULL)
            d->rerun = 1;
    }
}

void
httpd_release_held(struct httpd *d, int fail_status, const char *fail_body)
{
    if (d == NULL)
        return;
    while (d->batch != NULL) {
        struct request_state *rs = d->batch;
        d->batch = rs->next_batched;
        rs->next_batched = NULL;
        rs->batched = 0;
        rs->suspended = 0;
        d->nbatch--;
        if (fail_status != 0) {
            free(rs->resp_body);
            free(rs->headers);
            free(rs->content_type);
            rs->status = fail_status;
            rs->resp_body = fail_body ? xstrdup(fail_body) : NULL;
            rs->resp_len = fail_body ? strlen(fail_body) : 0;
            rs->content_type = NULL;
            rs->headers = NULL;
        }
        MHD_resume_connection(rs->conn);
    }
    /* The released answers go out on the next run. */
    d->rerun = 1;
}

unsigned
httpd_held(const struct httpd *d)
{
    return d ? d->nbatch : 0;
}

/* The connection limits, kept within what the process may open: MHD would otherwise fail
 * accept() with EMFILE, and nothing else (a journal, a transfer) could open a file. */
static void
connection_limits(const struct httpd_opts *o, unsigned *total, unsigned *per_ip)
{
    struct rlimit rl;
    *total = o->max_conns ? o->max_conns : HTTPD_DEFAULT_MAX_CONNS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        rlim_t room = rl.rlim_cur > 2 * HTTPD_FD_RESERVE ? rl.rlim_cur - HTTPD_FD_RESERVE
                                                         : rl.rlim_cur / 2;
        if (room < *total)
            *total = room > 2 ? (unsigned)room : 2;
    }
    *per_ip = o->max_per_ip ? o->max_per_ip : HTTPD_DEFAULT_MAX_PER_IP;
    /* One address never fills every slot. */
    if (*per_ip > *total / 2)
        *per_ip = *total / 2 > 0 ? *total / 2 : 1;
}

static int
parse_addr(const char *addr, unsigned port, struct sockaddr_storage *ss, int *v6)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

    if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        *v6 = 0;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        *v6 = 1;
        return 0;
    }
    return -1;
}

struct httpd *
httpd_new(struct loop *l, const struct httpd_opts *o, httpd_handler h, void *arg,
          char **cause)
{
    struct httpd_opts defaults = {0};
    if (o == NULL)
        o = &defaults;
    const char *addr = o->addr ? o->addr : HTTPD_DEFAULT_ADDR;

    if (h == NULL) {
        *cause = xstrdup(_("no request handler"));
        return NULL;
    }
    if (o->port > 65535) {
        *cause = xasprintf(_("port %u is out of range"), o->port);
        return NULL;
    }
    if ((o->tls_cert_pem == NULL) != (o->tls_key_pem == NULL)) {
        *cause = xstrdup(_("TLS needs both a certificate and a key"));
        return NULL;
    }
    struct sockaddr_storage ss;
    int v6;
    if (parse_addr(addr, o->port, &ss, &v6) < 0) {
        *cause = xasprintf(_("\"%s\" is not an IPv4 or IPv6 address"), addr);
        return NULL;
    }

    struct httpd *d = xcalloc(1, sizeof *d);
    d->loop = l;
    d->source = -1;
    d->handler = h;
    d->arg = arg;
    d->on_held = o->on_held;
    d->max_body = o->max_body ? o->max_body : HTTPD_DEFAULT_MAX_BODY;
    unsigned timeout_s = o->timeout_s ? o->timeout_s : HTTPD_DEFAULT_TIMEOUT_S;
    unsigned head_s = o->head_timeout_s ? o->head_timeout_s : HTTPD_DEFAULT_HEAD_TIMEOUT_S;
    d->idle_ms = (long)timeout_s * 1000;
    d->head_ms = (long)(head_s < timeout_s ? head_s : timeout_s) * 1000;
    unsigned max_conns, max_per_ip;
    connection_limits(o, &max_conns, &max_per_ip);

    unsigned flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (o->tls_cert_pem != NULL)
        flags |= MHD_USE_TLS;

    /* MHD refuses TLS options without MHD_USE_TLS, so they go in only when asked for. */
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    if (o->tls_cert_pem == NULL)
        tls_opts[0].option = MHD_OPTION_END;
    d->mhd = MHD_start_daemon(
        flags, (uint16_t)o->port, NULL, NULL, on_access, d,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, d,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_ip,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, d,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, d,
        MHD_OPTION_ARRAY, tls_opts,
        MHD_OPTION_END);
    if (d->mhd == NULL) {
        *cause = xasprintf(_("cannot listen on %s%s%s:%u%s%s"), v6 ? "[" : "", addr,
                           v6 ? "]" : "", o->port, d->last_error[0] ? ": " : "",
                           d->last_error);
        free(d);
        return NULL;
    }

    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_BIND_PORT);
    d->port = info != NULL ? info->port : o->port;
    info = MHD_get_daemon_info(d->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == NULL || info->epoll_fd < 0 || d->port == 0) {
        *cause = xstrdup(_("the server started without an epoll fd or a port"));
        MHD_stop_daemon(d->mhd);
        free(d);
        return NULL;
    }
    d->source = loop_add(l, info->epoll_fd, POLLIN, on_loop_ready, on_loop_timeout, d);
    if (d->source < 0) {
        *cause = xstrdup(_("cannot add the server to the loop"));
        MHD_stop_daemon(d->mhd);
        free(d);
        return NULL;
    }
    return d;
}

unsigned
httpd_port(const struct httpd *d)
{
    return d ? d->port : 0;
}

void
httpd_free(struct httpd *d)
{
    if (d == NULL)
        return;
    /* MHD panics when stopped with suspended connections: resume them all first. Their
     * state is freed by on_completed during the stop. */
    while (d->pending != NULL) {
        struct request_state *rs = d->pending;
        d->pending = rs->next_pending;
        rs->next_pending = NULL;
        rs->suspended = 0;
        MHD_resume_connection(rs->conn);
    }
    /* Held answers were never made durable: they go out as 503, not as prepared. */
    httpd_release_held(d, 503, "{\"error\":\"shutting down\"}");
    while (d->held != NULL) {
        struct request_state *rs = d->held;
        if (rs->deferred) {
            struct httpd_response resp = {.status = 503,
                                          .body = xstrdup("{\"error\":\"shutting down\"}")};
            httpd_finish((struct httpd_call *)rs, &resp);
        } else {
            rs->ended = 1;
            release(rs);
        }
    }
    MHD_stop_daemon(d->mhd);
    if (d->source >= 0)
        loop_remove(d->loop, d->source);
    free(d);
}
