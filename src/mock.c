/* The sandbox: Jelou's webhook, REST API and events, offline; faults; HTTPS media. */
#include "jelou/mock.h"
#include "jelou/mock_integration.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/event.h"
#include "jelou/httpd.h"
#include "jelou/loop.h"
#include "jelou/message.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/transport.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"

#define MOCK_DEFAULT_FAIL_STATUS 500
/* Conversations remembered for get; the oldest goes first. */
#define MOCK_MAX_CONVS 256
/* An event is tried this often (250 ms, doubling: about 8 s in all), for a console that is
 * still starting; then it is logged as given up. */
#define MOCK_EMIT_ATTEMPTS 6
#define MOCK_EMIT_BACKOFF_MS 250L
#define MOCK_SCRIPT_MAX_MS (24LL * 3600 * 1000)

static const char accepted_body[] = "{\"message\":[\"received\"],\"status\":1}";

struct mock {
    struct httpd *httpd;
    char *secret;
    struct mock_integration *integration; /* the project's, on the REST base itself */
    char *log_path;
    int fail_first;
    double fail_rate;
    int fail_status;
    char *retry_after;          /* sent with injected failures, or NULL */
    long delay_ms;
    unsigned long requests;     /* answered, whatever the verdict */
    unsigned long seq;          /* log lines, webhook and media alike */
    unsigned long well_formed;  /* signed and parsed: the ones fault injection counts */
    uint64_t rng;
    int log_failed;             /* the log write error was already reported */
    struct httpd *media;        /* NULL without media_dir */
    char *media_dir;
    char *media_cert;           /* PEM */
    char *media_key;            /* PEM; wiped before it is freed */
    struct loop *loop;
    char *addr;
    char *api_key;              /* wiped before it is freed; never logged */
    char *project;
    struct conv *convs;
    size_t nconvs, capconvs;
    struct transport *transport;
    char *emit_to;
    struct emission *emit_head, *emit_tail; /* the head is on the wire or waiting to retry */
    int emit_timer;             /* the head's retry, or -1 */
    unsigned long emitted, emit_failed;
    struct script_line *script;
    size_t nscript, script_next;
    int script_timer;           /* the next line's, or -1 */
    void (*report)(void *arg, const char *line);
    void *report_arg;
};

/* A conversation of the REST API's table. */
struct conv {
    char *id, *room, *user, *user_name, *bot;
    int active;
    long long start_ms, end_ms;   /* Unix ms */
    char *reason;                 /* endedReason */
};

/* An event on its way to the console: the bytes are serialized and signed once. */
struct emission {
    struct mock *m;               /* NULL once the mock is gone while this is on the wire */
    struct emission *next;
    char *name;
    char *body;
    size_t len;
    char sig[SIGN_HEADER_LEN + 1];
    int attempts;
    int inflight;
};

struct script_line;

/* What one request came to; becomes the answer and the log line. */
struct verdict {
    int status;
    const char *name;
    char *reason;               /* owned */
    struct message *msg;        /* owned; set when the body parsed */
};

static long long
unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* splitmix64: fault injection needs a cheap uniform draw, not secrecy; only the seed comes
 * from sign_random so that separate runs do not fail in lockstep. */
static double
mock_random(struct mock *m)
{
    uint64_t z = (m->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

static int
inject_failure(struct mock *m)
{
    m->well_formed++;
    if (m->well_formed <= (unsigned long)m->fail_first)
        return 1;
    if (m->fail_rate <= 0)
        return 0;
    return m->fail_rate >= 1 || mock_random(m) < m->fail_rate;
}

/* {"error":"..."} through record.h, so a cause with quotes stays valid JSON. */
static char *
error_body(const char *text)
{
    struct record *r = record_new();
    record_str(r, "error", text);
    return record_finish(r);
}

static void
judge(struct mock *m, const struct httpd_request *req, struct verdict *v)
{
    if (strcmp(req->path, MOCK_WEBHOOK_PATH) != 0) {
        v->status = 404;
        v->name = "not_found";
        return;
    }
    if (strcmp(req->method, "POST") != 0) {
        v->status = 405;
        v->name = "method_not_allowed";
        return;
    }
    /* Jelou signs the raw bytes: verify before parsing, so an unsigned body is never read. */
    if (!sign_verify(m->secret, req->body, req->body_len,
                     httpd_header(req, "X-Jelou-Signature"))) {
        v->status = 401;
        v->name = "bad_signature";
        return;
    }
    if (message_parse_event(req->body, req->body_len, &v->msg, &v->reason) < 0) {
        v->msg = NULL;
        if (v->reason == NULL)
            v->reason = xstrdup("invalid event");
        v->status = 422;
        v->name = "bad_body";
        return;
    }
    if (inject_failure(m)) {
        v->status = m->fail_status;
        v->name = "injected_failure";
        return;
    }
    v->status = 200;
    v->name = "accepted";
}

static char *
answer_body(const struct verdict *v)
{
    if (strcmp(v->name, "accepted") == 0)
        return xstrdup(accepted_body);
    if (strcmp(v->name, "not_found") == 0)
        return error_body("not found");
    if (strcmp(v->name, "method_not_allowed") == 0)
        return error_body("method not allowed");
    if (strcmp(v->name, "bad_signature") == 0)
        return error_body("bad signature");
    if (strcmp(v->name, "bad_body") == 0)
        return error_body(v->reason);
    return error_body("injected failure");
}

/* Says what went wrong where the embedder wants it: stderr for the mock command, the status
 * line for the console's demo, whose screen stderr would scroll. */
static void complain(struct mock *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
complain(struct mock *m, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *line = NULL;
    if (vasprintf(&line, fmt, ap) < 0)
        line = NULL;
    va_end(ap);
    if (line == NULL)
        return;
    if (m->report != NULL)
        m->report(m->report_arg, line);
    else
        fprintf(stderr, "jelou-console: mock: %s\n", line);
    free(line);
}

/* Appends one line to the log. The handlers have nobody to return an error to: a failed
 * write is said once on stderr rather than per line. */
static void
write_log(struct mock *m, char *line)
{
    char *cause = NULL;
    /* Written and synced before the answer leaves: whoever got it finds the line. */
    if (record_append_file(m->log_path, line, 1, &cause) < 0 && !m->log_failed) {
        if (cause != NULL)
            complain(m, "%s", cause);
        else
            complain(m, "cannot write the log %s", m->log_path);
        m->log_failed = 1;
    }
    free(cause);
    free(line);
}

static void
log_request(struct mock *m, const struct httpd_request *req, const struct verdict *v)
{
    if (m->log_path == NULL)
        return;
    struct record *r = record_new();
    record_int(r, "seq", (long long)m->seq);
    record_int(r, "time", unix_ms());
    record_str(r, "method", req->method);
    record_str(r, "path", req->path);
    record_str(r, "signature", httpd_header(req, "X-Jelou-Signature"));
    record_int(r, "status", v->status);
    record_str(r, "verdict", v->name);
    record_str(r, "reason", v->reason);
    record_str(r, "id", v->msg ? v->msg->id : NULL);
    record_str(r, "type", v->msg ? msg_type_name(v->msg->type) : NULL);
    record_strn(r, "body", req->body, req->body_len);
    write_log(m, record_finish(r));
}

static const char *rest_path(const char *path);
static void on_rest(struct mock *m, const struct httpd_request *req, const char *rest,
                    struct httpd_response *resp);

static void
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct mock *m = arg;
    struct verdict v = {0};

    m->requests++;
    m->seq++;
    const char *rest = rest_path(req->path);
    if (rest != NULL) {
        on_rest(m, req, rest, resp);
        return;
    }
    judge(m, req, &v);
    log_request(m, req, &v);

    resp->status = v.status;
    resp->body = answer_body(&v);
    resp->body_len = strlen(resp->body);
    resp->content_type = "application/json";
    resp->delay_ms = m->delay_ms;
    if (m->retry_after != NULL && strcmp(v.name, "injected_failure") == 0)
        resp->headers = xasprintf("Retry-After: %s\r\n", m->retry_after);

    free(v.reason);
    message_free(v.msg);
}

/* The media server: plain files of media_dir, so that attaching, probing and MIME detection
 * can be tried offline against a URL that behaves like a CDN's. */

static const struct {
    const char *ext;
    const char *type;
} media_types[] = {
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"png", "image/png"},
    {"mp4", "video/mp4"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"pdf", "application/pdf"},
    {"html", "text/html"},
};

static const char *
media_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof media_types / sizeof media_types[0]; i++) {
            if (strcasecmp(dot + 1, media_types[i].ext) == 0)
                return media_types[i].type;
        }
    }
    return "application/octet-stream";
}

/* A file name and nothing else: no directories, no "..", no hidden files. */
static int
plain_name(const char *name)
{
    if (name[0] == '\0' || name[0] == '.' || strlen(name) > 255)
        return 0;
    for (const char *p = name; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Reads a decimal number at *p, moving past it. Returns 0, or -1 with no digits or on
 * overflow. */
static int
take_number(const char **p, unsigned long long *v)
{
    const char *s = *p;
    unsigned long long n = 0;

    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (ULLONG_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *p = s;
    *v = n;
    return 0;
}

/* RFC 9110 byte ranges, one range only: 1 with [*first, *last] inside the file, -1 when
 * the range starts beyond the end, 0 when the header is to be ignored (absent, another
 * unit, several ranges, malformed), which means the whole file. */
static int
parse_range(const char *h, unsigned long long size, unsigned long long *first,
            unsigned long long *last)
{
    unsigned long long a, b;

    if (h == NULL || strncasecmp(h, "bytes=", 6) != 0)
        return 0;
    h += 6;
    while (*h == ' ')
        h++;
    if (*h == '-') {
        h++;
        if (take_number(&h, &b) != 0 || *h != '\0')
            return 0;
        if (b == 0 || size == 0)
            return -1;
        *first = b >= size ? 0 : size - b;
        *last = size - 1;
        return 1;
    }
    if (take_number(&h, &a) != 0 || *h++ != '-')
        return 0;
    if (*h == '\0') {
        b = ULLONG_MAX;
    } else if (take_number(&h, &b) != 0 || *h != '\0' || b < a) {
        return 0;
    }
    if (a >= size)
        return -1;
    *first = a;
    *last = b >= size ? size - 1 : b;
    return 1;
}

/* Reads len bytes at off into a new buffer. Returns it, or NULL with errno set. */
static char *
read_at(int fd, unsigned long long off, size_t len)
{
    char *data = xmalloc(len > 0 ? len : 1);
    size_t got = 0;

    while (got < len) {
        ssize_t n = pread(fd, data + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;    /* the file shrank under us */
            free(data);
            return NULL;
        }
        got += (size_t)n;
    }
    return data;
}

static void
media_error(struct httpd_response *resp, int status, const char *text)
{
    resp->status = status;
    resp->body = error_body(text);
    resp->body_len = strlen(resp->body);
    resp->content_type = "application/json";
}

/* Fills resp for one media request. *reason says why it was refused, for the log. */
static void
serve_media(struct mock *m, const struct httpd_request *req, struct httpd_response *resp,
            const char **reason)
{
    size_t plen = strlen(MOCK_MEDIA_PATH);
    int head = strcmp(req->method, "HEAD") == 0;

    if (!head && strcmp(req->method, "GET") != 0) {
        media_error(resp, 405, "method not allowed");
        resp->headers = xstrdup("Allow: GET, HEAD\r\n");
        *reason = "method not allowed";
        return;
    }
    const char *name = req->path + plen;
    if (strncmp(req->path, MOCK_MEDIA_PATH, plen) != 0 || !plain_name(name)) {
        media_error(resp, 404, "not found");
        *reason = "not a file name under " MOCK_MEDIA_PATH;
        return;
    }

    char *path = xasprintf("%s/%s", m->media_dir, name);
    /* O_NONBLOCK: opening a FIFO someone left there must not stall the loop. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    free(path);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        media_error(resp, 404, "not found");
        *reason = "no such file";
        return;
    }
    unsigned long long size = (unsigned long long)st.st_size;
    if (size > (unsigned long long)MOCK_MEDIA_MAX_BYTES) {
        close(fd);
        media_error(resp, 403, "file too large for the sandbox");
        *reason = "file too large";
        return;
    }

    unsigned long long first = 0, last = size > 0 ? size - 1 : 0;
    /* Range is defined for GET only: a HEAD describes the whole file. */
    int ranged = head ? 0 : parse_range(httpd_header(req, "Range"), size, &first, &last);
    if (ranged < 0) {
        close(fd);
        media_error(resp, 416, "range not satisfiable");
        resp->headers = xasprintf("Accept-Ranges: bytes\r\nContent-Range: bytes */%llu\r\n",
                                  size);
        *reason = "range not satisfiable";
        return;
    }
    size_t len = size == 0 ? 0 : (size_t)(last - first + 1);
    char *data = len > 0 ? read_at(fd, first, len) : NULL;
    int err = errno;
    close(fd);
    if (len > 0 && data == NULL) {
        media_error(resp, 500, "cannot read the file");
        *reason = strerror(err);
        return;
    }

    resp->status = ranged ? 206 : 200;
    resp->body = data;
    resp->body_len = len;
    resp->content_type = media_type(name);
    if (ranged)
        resp->headers = xasprintf("Accept-Ranges: bytes\r\n"
                                  "Content-Range: bytes %llu-%llu/%llu\r\n", first, last, size);
    else
        resp->headers = xstrdup("Accept-Ranges: bytes\r\n");
}

static void
log_media(struct mock *m, const struct httpd_request *req, int status, const char *reason)
{
    if (m->log_path == NULL)
        return;
    struct record *r = record_new();
    record_int(r, "seq", (long long)m->seq);
    record_int(r, "time", unix_ms());
    record_str(r, "method", req->method);
    record_str(r, "path", req->path);
    record_str(r, "range", httpd_header(req, "Range"));
    record_int(r, "status", status);
    record_str(r, "verdict", "media");
    record_str(r, "reason", reason);
    write_log(m, record_finish(r));
}

static void
on_media_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct mock *m = arg;
    const char *reason = NULL;

    m->seq++;
    serve_media(m, req, resp, &reason);
    log_media(m, req, resp->status, reason);
}

static int
start_media(struct mock *m, struct loop *l, const struct mock_opts *o, char **cause)
{
    struct stat st;

    if (stat(o->media_dir, &st) != 0) {
        *cause = xasprintf("media directory %s: %s", o->media_dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        *cause = xasprintf("media directory %s: not a directory", o->media_dir);
        return -1;
    }
    m->media_dir = xstrdup(o->media_dir);
    char *why = NULL;
    if (sign_selfsigned_cert(&m->media_cert, &m->media_key, &why) != 0) {
        *cause = xasprintf("cannot make the media server's certificate: %s", why);
        free(why);
        return -1;
    }
    struct httpd_opts ho = {
        .addr = o->addr,
        .port = 0,
        .tls_cert_pem = m->media_cert,
        .tls_key_pem = m->media_key,
    };
    m->media = httpd_new(l, &ho, on_media_request, m, &why);
    if (m->media == NULL) {
        *cause = xasprintf("media server: %s", why);
        free(why);
        return -1;
    }
    return 0;
}

/* The REST conversation API and the emitter: what Jelou does around a conversation, so that
 * the console's REST client and its listener can be tried offline. */

static const char *
user_name_of(const struct mock *m, const char *user)
{
    /* The newest conversation knows the newest name. */
    for (size_t i = m->nconvs; i-- > 0;) {
        if (strcmp(m->convs[i].user, user) == 0 && m->convs[i].user_name != NULL)
            return m->convs[i].user_name;
    }
    return NULL;
}

static const char *
room_of(const struct mock *m, const char *user)
{
    for (size_t i = m->nconvs; i-- > 0;) {
        if (strcmp(m->convs[i].user, user) == 0)
            return m->convs[i].room;
    }
    return NULL;
}

/* The active conversation of user (with bot, when bot is not NULL), or NULL. */
static struct conv *
active_conv(struct mock *m, const char *user, const char *bot)
{
    for (size_t i = m->nconvs; i-- > 0;) {
        struct conv *c = &m->convs[i];
        if (c->active && strcmp(c->user, user) == 0 && (bot == NULL || strcmp(c->bot, bot) == 0))
            return c;
    }
    return NULL;
}

static struct conv *
conv_by_id(struct mock *m, const char *id)
{
    for (size_t i = 0; i < m->nconvs; i++) {
        if (strcmp(m->convs[i].id, id) == 0)
            return &m->convs[i];
    }
    return NULL;
}

static void
conv_clear(struct conv *c)
{
    free(c->id);
    free(c->room);
    free(c->user);
    free(c->user_name);
    free(c->bot);
    free(c->reason);
}

/* A new active conversation. The table is small: past MOCK_MAX_CONVS the oldest goes. */
static struct conv *
conv_new(struct mock *m, const char *user, const char *bot, const char *room, const char *name)
{
    unsigned char b[12];
    char id[25];

    if (m->nconvs == MOCK_MAX_CONVS) {
        conv_clear(&m->convs[0]);
        memmove(&m->convs[0], &m->convs[1], (m->nconvs - 1) * sizeof m->convs[0]);
        m->nconvs--;
    }
    if (m->nconvs == m->capconvs) {
        m->capconvs = m->capconvs ? m->capconvs * 2 : 8;
        m->convs = xrealloc(m->convs, m->capconvs * sizeof m->convs[0]);
    }
    /* Shaped like Jelou's ids (24 hex digits); a failed draw still gives distinct ids. */
    if (sign_random(b, sizeof b) != 0)
        memset(b, 0, sizeof b);
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(id + 2 * i, 3, "%02x", b[i]);
    if (b[0] == 0 && b[11] == 0)
        snprintf(id, sizeof id, "%024lu", m->seq);

    const char *known_room = room != NULL ? room : room_of(m, user);
    const char *known_name = name != NULL ? name : user_name_of(m, user);
    struct conv *c = &m->convs[m->nconvs++];
    memset(c, 0, sizeof *c);
    c->id = xstrdup(id);
    c->room = known_room ? xstrdup(known_room) : xasprintf("room-%s", user);
    c->user = xstrdup(user);
    c->user_name = known_name ? xstrdup(known_name) : NULL;
    c->bot = xstrdup(bot);
    c->active = 1;
    c->start_ms = unix_ms();
    return c;
}

static void
conv_close(struct conv *c, const char *reason)
{
    c->active = 0;
    c->end_ms = unix_ms();
    xstrset(&c->reason, reason);
}

static void
record_iso(struct record *r, const char *key, long long ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char text[40];

    if (ms == 0 || gmtime_r(&secs, &tm) == NULL) {
        record_str(r, key, NULL);
        return;
    }
    size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(text + n, sizeof text - n, ".%03lldZ", ms % 1000);
    record_str(r, key, text);
}

/* "data" of an answer, as in jelou-api.md section 4. */
static char *
conv_json(const struct conv *c)
{
    struct record *r = record_new();
    record_str(r, "_id", c->id);
    record_str(r, "roomId", c->room);
    record_str(r, "state", c->active ? "active" : "closed");
    record_iso(r, "startAt", c->start_ms);
    record_iso(r, "endAt", c->active ? 0 : c->end_ms);
    record_str(r, "endedReason", c->active ? NULL : c->reason);
    struct record *u = record_new();
    record_str(u, "id", c->user);
    record_str(u, "names", c->user_name);
    record_str(u, "referenceId", c->user);
    char *json = record_finish(u);
    record_raw(r, "User", json);
    free(json);
    struct record *b = record_new();
    record_str(b, "id", c->bot);
    json = record_finish(b);
    record_raw(r, "Bot", json);
    free(json);
    return record_finish(r);
}

static char *
rest_success(const char *message, const struct conv *c)
{
    struct record *msg = record_new();
    record_str(msg, "m", message);
    char *one = record_finish(msg);
    /* one is {"m":"..."}: the array holds the same escaped string. */
    char *array = xasprintf("[%.*s]", (int)(strlen(one) - 6), one + 5);
    free(one);
    struct record *r = record_new();
    record_raw(r, "message", array);
    record_str(r, "statusMessage", "success");
    record_int(r, "status", 1);
    char *data = conv_json(c);
    record_raw(r, "data", data);
    free(data);
    free(array);
    return record_finish(r);
}

static char *
rest_error(int status, const char *description)
{
    const char *message, *code, *key;
    switch (status) {
    case 401:
        message = "Unauthorized", code = "UNAUTHORIZED", key = "unauthorized";
        break;
    case 404:
        message = "Not Found", code = "NOT_FOUND", key = "not_found";
        break;
    case 405:
        message = "Method Not Allowed", code = "METHOD_NOT_ALLOWED", key = "method_not_allowed";
        break;
    case 409:
        message = "Conflict", code = "CONFLICT", key = "conflict";
        break;
    default:
        message = "Unprocessable Entity", code = "VALIDATION_ERROR", key = "validation_error";
        break;
    }
    struct record *e = record_new();
    record_str(e, "code", code);
    record_str(e, "key", key);
    record_str(e, "description", description);
    char *err = record_finish(e);
    struct record *r = record_new();
    record_str(r, "message", message);
    record_str(r, "statusMessage", "error");
    record_int(r, "status", status);
    record_raw(r, "error", err);
    free(err);
    return record_finish(r);
}

/* Same time whatever the first difference; only the length may show. */
static int
key_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned char d = 0;
    if (strlen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* The media server's base for "{media}" in a script, or NULL without one. */
static char *
media_base(const struct mock *m)
{
    if (m->media == NULL)
        return NULL;
    int v6 = strchr(m->addr, ':') != NULL;
    return xasprintf("https://%s%s%s:%u/media", v6 ? "[" : "", m->addr, v6 ? "]" : "",
                     httpd_port(m->media));
}

static void
log_emit(struct mock *m, const struct emission *e, long status, const char *error)
{
    if (m->log_path == NULL)
        return;
    m->seq++;
    struct record *r = record_new();
    record_int(r, "seq", (long long)m->seq);
    record_int(r, "time", unix_ms());
    record_str(r, "method", "POST");
    record_str(r, "to", m->emit_to);
    record_str(r, "signature", e->sig);
    record_int(r, "status", status);
    record_str(r, "verdict", "emit");
    record_str(r, "event", e->name);
    record_int(r, "attempts", e->attempts);
    record_str(r, "reason", error);
    record_strn(r, "body", e->body, e->len);
    write_log(m, record_finish(r));
}

static void
emission_free(struct emission *e)
{
    if (e == NULL)
        return;
    free(e->name);
    free(e->body);
    free(e);
}

static void emit_pump(struct mock *m);

static void
emit_retry(void *arg)
{
    struct mock *m = arg;
    m->emit_timer = -1;
    emit_pump(m);
}

static void
emit_next(struct mock *m)
{
    struct emission *e = m->emit_head;
    m->emit_head = e->next;
    if (m->emit_head == NULL)
        m->emit_tail = NULL;
    emission_free(e);
    emit_pump(m);
}

static void
on_emit_done(void *arg, const struct transport_result *r)
{
    struct emission *e = arg;
    struct mock *m = e->m;

    /* The mock was freed while this was on the wire. */
    if (m == NULL) {
        emission_free(e);
        return;
    }
    e->inflight = 0;
    if (r->http_status >= 200 && r->http_status < 300) {
        m->emitted++;
        log_emit(m, e, r->http_status, NULL);
        emit_next(m);
        return;
    }
    /* A console that is not up yet is worth waiting for; one that refuses is not. */
    int again = r->http_status == 0 || r->http_status >= 500;
    if (again && e->attempts < MOCK_EMIT_ATTEMPTS) {
        long wait = MOCK_EMIT_BACKOFF_MS << (e->attempts - 1);
        m->emit_timer = loop_after(m->loop, wait, emit_retry, m);
        return;
    }
    m->emit_failed++;
    char *why = r->http_status != 0 ? xasprintf("HTTP %ld", r->http_status)
                                    : xstrdup(r->error ? r->error : "network error");
    log_emit(m, e, r->http_status, why);
    complain(m, "gave up emitting %s to %s after %d attempt%s: %s", e->name, m->emit_to,
             e->attempts, e->attempts == 1 ? "" : "s", why);
    free(why);
    emit_next(m);
}

/* One event on the wire at a time: the listener sees them in the order they were made. */
static void
emit_pump(struct mock *m)
{
    struct emission *e = m->emit_head;
    if (e == NULL || e->inflight || m->emit_timer >= 0)
        return;
    char sig_header[SIGN_HEADER_LEN + 32];
    snprintf(sig_header, sizeof sig_header, "X-Jelou-Signature: %s", e->sig);
    const char *headers[] = {"Content-Type: application/json", sig_header, NULL};
    struct transport_request req = {
        .method = "POST",
        .url = m->emit_to,
        .headers = headers,
        .body = e->body,
        .body_len = e->len,
        .on_done = on_emit_done,
        .arg = e,
    };
    char *cause = NULL;
    e->attempts++;
    e->inflight = 1;
    if (transport_submit(m->transport, &req, &cause) != 0) {
        e->inflight = 0;
        m->emit_failed++;
        log_emit(m, e, 0, cause);
        free(cause);
        emit_next(m);
    }
}

/* Serializes and signs ev once, then queues those bytes. */
static void
emit(struct mock *m, const struct event *ev)
{
    if (m->emit_to == NULL)
        return;
    struct emission *e = xcalloc(1, sizeof *e);
    e->m = m;
    e->name = xstrdup(ev->name);
    e->body = event_serialize(ev, &e->len);
    if (e->body == NULL || sign_header(m->secret, e->body, e->len, e->sig) != 0) {
        m->emit_failed++;
        complain(m, "cannot build the %s event", ev->name);
        emission_free(e);
        return;
    }
    if (m->emit_tail != NULL)
        m->emit_tail->next = e;
    else
        m->emit_head = e;
    m->emit_tail = e;
    emit_pump(m);
}

static void
emit_conv(struct mock *m, const struct conv *c, enum event_kind kind, const char *message)
{
    char start[] = "conversation.start", close[] = "conversation.close";
    struct event ev = {
        .kind = kind,
        .name = kind == EV_CONV_START ? start : close,
        .timestamp_ms = unix_ms(),
        .project = m->project,
        .room = c->room,
        .bot = c->bot,
        .user = c->user,
        .user_name = c->user_name,
        .conversation = c->id,
    };
    if (kind == EV_CONV_CLOSE) {
        ev.close_reason = c->reason;
        ev.close_message = (char *)message;
    }
    emit(m, &ev);
}

/* What one REST request came to; becomes the answer and the log line. */
struct rest_verdict {
    int status;
    const char *action;
    const char *api_key;       /* "ok", "wrong", "missing", "not_configured" */
    char *reason;              /* owned: the error's description */
    char *body;                /* owned: the answer */
    const char *conversation;  /* the conversation concerned, when there is one */
};

static void
rest_refuse(struct rest_verdict *v, int status, char *description)
{
    v->status = status;
    v->reason = description;
    v->body = rest_error(status, description);
}

/* A body field that must be a non-empty string; refuses with 422 otherwise. */
static const char *
need_field(struct rest_verdict *v, const struct record_view *body, const char *key)
{
    const char *s = record_get_str(body, key);
    if (s == NULL || s[0] == '\0') {
        rest_refuse(v, 422, xasprintf("%s is required", key));
        return NULL;
    }
    return s;
}

static void
rest_start_close(struct mock *m, const struct httpd_request *req, struct rest_verdict *v,
                 int start)
{
    struct record_view *body = record_parse(req->body, req->body_len, NULL);
    const char *bot, *user;

    if (body == NULL) {
        rest_refuse(v, 422, xstrdup("the body is not a JSON object"));
        return;
    }
    if ((bot = need_field(v, body, "botId")) == NULL ||
        (user = need_field(v, body, "userId")) == NULL) {
        record_view_free(body);
        return;
    }
    struct conv *c = active_conv(m, user, bot);
    if (start) {
        if (c != NULL) {
            /* Jelou does not say; answering with the running one keeps the demo going. */
            v->status = 200;
            v->body = rest_success("Conversation already active", c);
        } else {
            c = conv_new(m, user, bot, NULL, NULL);
            v->status = 200;
            v->body = rest_success("Conversation started", c);
            emit_conv(m, c, EV_CONV_START, NULL);
        }
    } else {
        /* Jelou knows conversations the sandbox never saw start (the bot handed the user
         * over, events came from elsewhere): closing one of those is taken as it would be. */
        if (c == NULL)
            c = conv_new(m, user, bot, NULL, NULL);
        conv_close(c, "closed_by_operator");
        v->status = 200;
        v->body = rest_success("Conversation closed", c);
        emit_conv(m, c, EV_CONV_CLOSE, record_get_sub_str(body, "redirectPayload", "text"));
    }
    if (c != NULL)
        v->conversation = c->id;
    record_view_free(body);
}

/* Routes a path under a REST prefix: "{project}/conversations/{what}". */
static void
rest_judge(struct mock *m, const struct httpd_request *req, const char *rest,
           struct rest_verdict *v)
{
    const char *slash = strchr(rest, '/');
    const char *conv = "/conversations/";
    const char *what = slash ? slash + strlen(conv) : NULL;

    int base = slash == NULL && *rest != '\0'; /* the integration, on the base itself */
    if (!base && (slash == NULL || slash == rest || strncmp(slash, conv, strlen(conv)) != 0 ||
                  *what == '\0' || strchr(what, '/') != NULL)) {
        rest_refuse(v, 404, xstrdup("no such endpoint"));
        return;
    }
    int start = !base && strcmp(what, "start") == 0, close = !base && strcmp(what, "close") == 0;
    v->action = base ? "integration" : start ? "start" : close ? "close" : "get";
    if (!base && strcmp(req->method, start || close ? "POST" : "GET") != 0) {
        rest_refuse(v, 405, xasprintf("%s wants %s", v->action, start || close ? "POST"
                                                                               : "GET"));
        return;
    }
    const char *key = httpd_header(req, "x-api-key");
    if (m->api_key == NULL) {
        v->api_key = "not_configured";
        rest_refuse(v, 401, xstrdup("the sandbox has no API key (start it with "
                                    "--api-key-file or JELOU_API_KEY)"));
        return;
    }
    if (key == NULL) {
        v->api_key = "missing";
        rest_refuse(v, 401, xstrdup("missing api key"));
        return;
    }
    if (!key_equal(key, m->api_key)) {
        v->api_key = "wrong";
        rest_refuse(v, 401, xstrdup("invalid api key"));
        return;
    }
    v->api_key = "ok";
    size_t plen = base ? strlen(rest) : (size_t)(slash - rest);
    if (strlen(m->project) != plen || strncmp(rest, m->project, plen) != 0) {
        char *e = cause_excerpt(rest, plen);
        rest_refuse(v, 404, xasprintf("project %s not found", e));
        free(e);
        return;
    }
    if (base) {
        char *why = NULL;
        v->status = mock_integration_answer(m->integration, req->method, req->body,
                                            req->body_len, m->secret, &v->body, &why);
        if (v->body == NULL)
            rest_refuse(v, v->status, why);
        return;
    }
    if (start || close) {
        rest_start_close(m, req, v, start);
        return;
    }
    struct conv *c = conv_by_id(m, what);
    if (c == NULL) {
        char *e = cause_excerpt(what, strlen(what));
        rest_refuse(v, 404, xasprintf("conversation %s not found", e));
        free(e);
        return;
    }
    v->conversation = c->id;
    v->status = 200;
    v->body = rest_success("Conversation found", c);
}

/* The part of path after a REST prefix, or NULL when it is not a REST path. */
static const char *
rest_path(const char *path)
{
    static const char *const prefixes[] = {MOCK_REST_PATH, MOCK_REST_PATH_OLD};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(path, prefixes[i], n) == 0)
            return path + n;
    }
    return NULL;
}

static void
on_rest(struct mock *m, const struct httpd_request *req, const char *rest,
        struct httpd_response *resp)
{
    struct rest_verdict v = {0};

    rest_judge(m, req, rest, &v);
    if (m->log_path != NULL) {
        struct record *r = record_new();
        record_int(r, "seq", (long long)m->seq);
        record_int(r, "time", unix_ms());
        record_str(r, "method", req->method);
        record_str(r, "path", req->path);
        record_str(r, "api_key", v.api_key);
        record_int(r, "status", v.status);
        record_str(r, "verdict", "rest");
        record_str(r, "action", v.action);
        record_str(r, "reason", v.reason);
        record_str(r, "conversation", v.conversation);
        record_strn(r, "body", req->body, req->body_len);
        write_log(m, record_finish(r));
    }
    resp->status = v.status;
    resp->body = v.body;
    resp->body_len = strlen(v.body);
    resp->content_type = "application/json";
    resp->delay_ms = m->delay_ms;
    free(v.reason);
}

/* The scripted user. */

struct script_line {
    struct record_view *v;
    long long after_ms;
    unsigned lineno;
};

static int
script_fail(char **cause, const char *path, unsigned lineno, char *msg)
{
    cause_fail(cause, xasprintf("script %s:%u: %s", path, lineno, msg));
    free(msg);
    return -1;
}

/* Checks one line now, so that a typo stops the start, not the demo a minute later. */
static int
script_check(const struct record_view *v, const char *path, unsigned lineno, char **cause)
{
    const char *ev = record_get_str(v, "event");
    long long after = 0;

    if (ev == NULL)
        return script_fail(cause, path, lineno, xstrdup("\"event\" is missing"));
    if (strcmp(ev, "message") != 0 && strcmp(ev, "conversation.start") != 0 &&
        strcmp(ev, "conversation.close") != 0)
        return script_fail(cause, path, lineno, xstrdup("\"event\" must be message, "
                                                        "conversation.start or "
                                                        "conversation.close"));
    if (record_get_int(v, "after_ms", &after) == 0 ? after < 0 || after > MOCK_SCRIPT_MAX_MS
                                                   : record_get_str(v, "after_ms") != NULL)
        return script_fail(cause, path, lineno, xasprintf("\"after_ms\" must be a whole "
                                                          "number from 0 to %ld",
                                                          (long)MOCK_SCRIPT_MAX_MS));
    if (record_get_str(v, "room") == NULL || record_get_str(v, "user") == NULL)
        return script_fail(cause, path, lineno, xstrdup("\"room\" and \"user\" are required"));
    if (strcmp(ev, "message") != 0)
        return 0;
    const char *type = record_get_str(v, "type");
    enum msg_type t = type != NULL ? msg_type_parse(type) : MSG_TEXT;
    if (t == MSG_NONE)
        return script_fail(cause, path, lineno, xstrdup("\"type\" must be text, image, video, "
                                                        "audio or document"));
    if (t == MSG_TEXT && record_get_str(v, "text") == NULL)
        return script_fail(cause, path, lineno, xstrdup("a text message needs \"text\""));
    if (t != MSG_TEXT && record_get_str(v, "url") == NULL)
        return script_fail(cause, path, lineno, xasprintf("a%s %s message needs \"url\"",
                                                          t == MSG_IMAGE || t == MSG_AUDIO ?
                                                          "n" : "", msg_type_name(t)));
    return 0;
}

static int
script_load(struct mock *m, const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    int rc = 0;

    if (f == NULL)
        return cause_fail(cause, xasprintf("cannot read script %s: %s", path,
                                           strerror(errno)));
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n == 0)
            continue;
        char *why = NULL;
        struct record_view *v = record_parse(line, (size_t)n, &why);
        if (v == NULL) {
            rc = script_fail(cause, path, lineno, why ? why : xstrdup("not valid JSON"));
            break;
        }
        if (script_check(v, path, lineno, cause) != 0) {
            record_view_free(v);
            rc = -1;
            break;
        }
        m->script = xrealloc(m->script, (m->nscript + 1) * sizeof m->script[0]);
        struct script_line *s = &m->script[m->nscript++];
        s->v = v;
        s->lineno = lineno;
        s->after_ms = 0;
        record_get_int(v, "after_ms", &s->after_ms);
    }
    if (rc == 0 && ferror(f))
        rc = cause_fail(cause, xasprintf("cannot read script %s: %s", path, strerror(errno)));
    free(line);
    fclose(f);
    return rc;
}

static char *
with_media(const struct mock *m, const char *url)
{
    char *base = media_base(m);
    const char *hit = base ? strstr(url, "{media}") : NULL;
    char *out = hit ? xasprintf("%.*s%s%s", (int)(hit - url), url, base, hit + 7)
                    : xstrdup(url);
    free(base);
    return out;
}

static void
script_emit(struct mock *m, const struct record_view *v)
{
    const char *name = record_get_str(v, "event");
    const char *room = record_get_str(v, "room"), *user = record_get_str(v, "user");
    const char *uname = record_get_str(v, "name"), *bot = record_get_str(v, "bot");
    if (bot == NULL)
        bot = MOCK_DEFAULT_BOT;

    struct conv *c = active_conv(m, user, NULL);
    if (strcmp(name, "conversation.close") == 0) {
        if (c == NULL)
            c = conv_new(m, user, bot, room, uname);
        const char *reason = record_get_str(v, "reason");
        const char *message = record_get_str(v, "message");
        conv_close(c, reason ? reason : "closed_by_operator");
        emit_conv(m, c, EV_CONV_CLOSE, message ? message : record_get_str(v, "text"));
        return;
    }
    /* A message of a user without a conversation opens one quietly: the script is short. */
    if (c == NULL)
        c = conv_new(m, user, bot, room, uname);
    else if (uname != NULL)
        xstrset(&c->user_name, uname);
    if (strcmp(name, "conversation.start") == 0) {
        emit_conv(m, c, EV_CONV_START, NULL);
        return;
    }

    const char *type = record_get_str(v, "type");
    struct message msg = {0};
    char ev_name[] = "message";
    msg.type = type ? msg_type_parse(type) : MSG_TEXT;
    msg.id = record_get_str(v, "id") ? xstrdup(record_get_str(v, "id")) : sign_uuid4();
    msg.project = m->project;
    msg.room = c->room;
    msg.bot = c->bot;
    msg.user = c->user;
    msg.body = (char *)record_get_str(v, "text");
    char *url = record_get_str(v, "url") ? with_media(m, record_get_str(v, "url")) : NULL;
    msg.url = url;
    const char *mime = record_get_str(v, "mime");
    msg.mime = (char *)(mime ? mime : url ? media_type(url) : NULL);
    msg.caption = (char *)record_get_str(v, "caption");
    msg.filename = (char *)record_get_str(v, "filename");
    struct event ev = {
        .kind = EV_MESSAGE,
        .name = ev_name,
        .timestamp_ms = unix_ms(),
        .project = m->project,
        .room = c->room,
        .bot = c->bot,
        .user = c->user,
        .user_name = c->user_name,
        .conversation = c->id,
        .msg = &msg,
    };
    emit(m, &ev);
    free(msg.id);
    free(url);
}

static void
script_tick(void *arg)
{
    struct mock *m = arg;
    m->script_timer = -1;
    script_emit(m, m->script[m->script_next].v);
    m->script_next++;
    if (m->script_next < m->nscript)
        m->script_timer = loop_after(m->loop, (long)m->script[m->script_next].after_ms,
                                     script_tick, m);
}

struct mock *
mock_new(struct loop *l, const struct mock_opts *o, char **cause)
{
    if (o == NULL || o->secret == NULL || o->secret[0] == '\0') {
        *cause = xstrdup("a signing secret is required");
        return NULL;
    }
    if (o->fail_first < 0) {
        *cause = xasprintf("fail_first %d is negative", o->fail_first);
        return NULL;
    }
    if (!(o->fail_rate >= 0 && o->fail_rate <= 1)) {
        *cause = xasprintf("fail_rate %g is not between 0 and 1", o->fail_rate);
        return NULL;
    }
    if (o->fail_status != 0 && (o->fail_status < 200 || o->fail_status > 599)) {
        /* MHD cannot end a request with a 1xx. */
        *cause = xasprintf("fail_status %d is not an HTTP status from 200 to 599",
                           o->fail_status);
        return NULL;
    }
    if (o->delay_ms < 0) {
        *cause = xasprintf("delay %ld ms is negative", o->delay_ms);
        return NULL;
    }
    if (o->script != NULL && o->emit_to == NULL) {
        *cause = xstrdup("a script needs somewhere to emit to (--emit-to URL)");
        return NULL;
    }
    if (o->emit_to != NULL) {
        char *why = NULL;
        if (o->transport == NULL) {
            *cause = xstrdup("emitting events needs a transport");
            return NULL;
        }
        if (url_check_endpoint(o->emit_to, &why) != 0) {
            *cause = xasprintf("--emit-to: %s", why);
            free(why);
            return NULL;
        }
    }

    struct mock *m = xcalloc(1, sizeof *m);
    if (sign_random(&m->rng, sizeof m->rng) < 0) {
        *cause = xstrdup("cannot seed the random generator");
        free(m);
        return NULL;
    }
    m->secret = xstrdup(o->secret);
    m->integration = mock_integration_new();
    m->log_path = o->log_path ? xstrdup(o->log_path) : NULL;
    m->fail_first = o->fail_first;
    m->fail_rate = o->fail_rate;
    m->fail_status = o->fail_status ? o->fail_status : MOCK_DEFAULT_FAIL_STATUS;
    m->retry_after = o->retry_after ? xstrdup(o->retry_after) : NULL;
    m->delay_ms = o->delay_ms;
    m->loop = l;
    m->addr = xstrdup(o->addr ? o->addr : "127.0.0.1");
    m->api_key = o->api_key ? xstrdup(o->api_key) : NULL;
    m->project = xstrdup(o->project ? o->project : MOCK_DEFAULT_PROJECT);
    m->transport = o->transport;
    m->emit_to = o->emit_to ? xstrdup(o->emit_to) : NULL;
    m->report = o->report;
    m->report_arg = o->report_arg;
    m->emit_timer = -1;
    m->script_timer = -1;
    if (o->script != NULL && script_load(m, o->script, cause) != 0) {
        mock_free(m);
        return NULL;
    }

    struct httpd_opts ho = {
        .addr = o->addr,
        .port = o->port,
    };
    m->httpd = httpd_new(l, &ho, on_request, m, cause);
    if (m->httpd == NULL || (o->media_dir != NULL && start_media(m, l, o, cause) != 0)) {
        mock_free(m);
        return NULL;
    }
    if (m->nscript > 0)
        m->script_timer = loop_after(l, (long)m->script[0].after_ms, script_tick, m);
    return m;
}

unsigned
mock_port(const struct mock *m)
{
    return m ? httpd_port(m->httpd) : 0;
}

unsigned long
mock_requests(const struct mock *m)
{
    return m ? m->requests : 0;
}

unsigned
mock_media_port(const struct mock *m)
{
    return m && m->media ? httpd_port(m->media) : 0;
}

const char *
mock_media_ca_pem(const struct mock *m)
{
    return m && m->media ? m->media_cert : NULL;
}

unsigned long
mock_emitted(const struct mock *m)
{
    return m ? m->emitted : 0;
}

unsigned long
mock_emit_failed(const struct mock *m)
{
    return m ? m->emit_failed : 0;
}

static void
free_emissions(struct mock *m)
{
    if (m->emit_timer >= 0)
        loop_remove(m->loop, m->emit_timer);
    if (m->script_timer >= 0)
        loop_remove(m->loop, m->script_timer);
    struct emission *e = m->emit_head;
    while (e != NULL) {
        struct emission *next = e->next;
        /* The transport still holds it and will hand it back once: freed then. */
        if (e->inflight) {
            e->m = NULL;
            e->next = NULL;
        } else {
            emission_free(e);
        }
        e = next;
    }
    m->emit_head = m->emit_tail = NULL;
    for (size_t i = 0; i < m->nscript; i++)
        record_view_free(m->script[i].v);
    free(m->script);
    for (size_t i = 0; i < m->nconvs; i++)
        conv_clear(&m->convs[i]);
    free(m->convs);
}

void
mock_free(struct mock *m)
{
    if (m == NULL)
        return;
    httpd_free(m->httpd);
    /* Before the key: the server may hold on to it until it stops. */
    httpd_free(m->media);
    if (m->media_key != NULL) {
        explicit_bzero(m->media_key, strlen(m->media_key));
        free(m->media_key);
    }
    free(m->media_cert);
    free(m->media_dir);
    mock_integration_free(m->integration);
    /* The secret should not linger in freed memory. */
    if (m->secret != NULL) {
        explicit_bzero(m->secret, strlen(m->secret));
        free(m->secret);
    }
    free(m->log_path);
    free_emissions(m);
    if (m->api_key != NULL) {
        explicit_bzero(m->api_key, strlen(m->api_key));
        free(m->api_key);
    }
    free(m->addr);
    free(m->project);
    free(m->retry_after);
    free(m->emit_to);
    free(m);
}
