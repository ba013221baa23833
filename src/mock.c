/* The sandbox: a webhook that judges and logs like Jelou, injects faults, serves HTTPS media. */
#include "jelou/mock.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jelou/httpd.h"
#include "jelou/message.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/xalloc.h"

#define MOCK_DEFAULT_FAIL_STATUS 500

static const char accepted_body[] = "{\"message\":[\"received\"],\"status\":1}";

struct mock {
    struct httpd *httpd;
    char *secret;
    char *log_path;
    int fail_first;
    double fail_rate;
    int fail_status;
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
};

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

/* Appends one line to the log. The handlers have nobody to return an error to: a failed
 * write is said once on stderr rather than per line. */
static void
write_log(struct mock *m, char *line)
{
    char *cause = NULL;
    /* Written and synced before the answer leaves: whoever got it finds the line. */
    if (record_append_file(m->log_path, line, 1, &cause) < 0 && !m->log_failed) {
        if (cause != NULL)
            fprintf(stderr, "jelou-console: mock: %s\n", cause);
        else
            fprintf(stderr, "jelou-console: mock: cannot write the log %s\n", m->log_path);
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

static void
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct mock *m = arg;
    struct verdict v = {0};

    m->requests++;
    m->seq++;
    judge(m, req, &v);
    log_request(m, req, &v);

    resp->status = v.status;
    resp->body = answer_body(&v);
    resp->body_len = strlen(resp->body);
    resp->content_type = "application/json";
    resp->delay_ms = m->delay_ms;

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

    struct mock *m = xcalloc(1, sizeof *m);
    if (sign_random(&m->rng, sizeof m->rng) < 0) {
        *cause = xstrdup("cannot seed the random generator");
        free(m);
        return NULL;
    }
    m->secret = xstrdup(o->secret);
    m->log_path = o->log_path ? xstrdup(o->log_path) : NULL;
    m->fail_first = o->fail_first;
    m->fail_rate = o->fail_rate;
    m->fail_status = o->fail_status ? o->fail_status : MOCK_DEFAULT_FAIL_STATUS;
    m->delay_ms = o->delay_ms;

    struct httpd_opts ho = {
        .addr = o->addr,
        .port = o->port,
    };
    m->httpd = httpd_new(l, &ho, on_request, m, cause);
    if (m->httpd == NULL || (o->media_dir != NULL && start_media(m, l, o, cause) != 0)) {
        mock_free(m);
        return NULL;
    }
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
    /* The secret should not linger in freed memory. */
    if (m->secret != NULL) {
        explicit_bzero(m->secret, strlen(m->secret));
        free(m->secret);
    }
    free(m->log_path);
    free(m);
}
