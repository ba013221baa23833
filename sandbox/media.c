/* The sandbox's media server: media_dir's plain files over HTTPS, with single byte ranges. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/httpd.h"
#include "jelou/mock.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/xalloc.h"
#include "sandbox.h"

/* Plain files of media_dir, so that attaching, probing and MIME detection can be tried
 * offline against a URL that behaves like a CDN's. */

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

const char *
mock_media_type(const char *name)
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
    resp->body = mock_error_body(text);
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
    resp->content_type = mock_media_type(name);
    if (ranged)
        resp->headers = xasprintf("Accept-Ranges: bytes\r\n"
                                  "Content-Range: bytes %llu-%llu/%llu\r\n", first, last, size);
    else
        resp->headers = xstrdup("Accept-Ranges: bytes\r\n");
}

static void
log_media(struct mock *m, const struct httpd_request *req, int status, const char *reason)
{
    struct record *r = mock_log_request(m, req);
    if (r == NULL)
        return;
    record_str(r, "range", httpd_header(req, "Range"));
    record_int(r, "status", status);
    record_str(r, "verdict", "media");
    record_str(r, "reason", reason);
    mock_write_log(m, record_finish(r));
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

int
mock_media_start(struct mock *m, const struct mock_opts *o, char **cause)
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
    m->media = httpd_new(m->loop, &ho, on_media_request, m, &why);
    if (m->media == NULL) {
        *cause = xasprintf("media server: %s", why);
        free(why);
        return -1;
    }
    return 0;
}

void
mock_media_stop(struct mock *m)
{
    httpd_free(m->media);
    m->media = NULL;
    /* After the server: it may hold on to the key until it stops. */
    if (m->media_key != NULL) {
        explicit_bzero(m->media_key, strlen(m->media_key));
        free(m->media_key);
        m->media_key = NULL;
    }
    free(m->media_cert);
    m->media_cert = NULL;
    free(m->media_dir);
    m->media_dir = NULL;
}

char *
mock_media_base(const struct mock *m)
{
    if (m->media == NULL)
        return NULL;
    int v6 = strchr(m->addr, ':') != NULL;
    return xasprintf("https://%s%s%s:%u/media", v6 ? "[" : "", m->addr, v6 ? "]" : "",
                     httpd_port(m->media));
}
