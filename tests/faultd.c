/* faultd: a loopback HTTP(S) server that misbehaves on purpose, for the fault tests. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#define MAX_CONNS 32
#define REQUEST_CAP (1024 * 1024)
#define CHUNK 16384

static const char usage[] =
    "Usage: faultd --mode MODE --port-file FILE --log FILE [options]\n"
    "Listens on 127.0.0.1 (a free port, written to --port-file) and answers every request\n"
    "the way MODE says; each connection closes after one answer (Connection: close).\n"
    "  hang              read the request, never answer\n"
    "  close-early       read the request, close without answering\n"
    "  close-mid         send the status line, headers and part of the body, then close\n"
    "  stall-mid         like close-mid, but keep the connection open, silent\n"
    "  status            answer --status with a short JSON body (or --file's bytes)\n"
    "  big-body          answer --status with a body of --size bytes\n"
    "  redirect-chain    /hop/K redirects to /hop/K+1 until K = --hops, which serves --file\n"
    "  redirect-to-http  redirect every request to http://127.0.0.1:PORT/file\n"
    "  no-range          serve --file whole with 200, ignoring Range\n"
    "  sse-idle          answer 200 text/event-stream headers, then stay open and silent\n"
    "Options: --status N (default 200), --size BYTES (default 10 MiB), --hops N, --file PATH,\n"
    "         --cert PEM --key PEM (TLS)\n"
    "Log: one JSON object per line: connect, tls_failed, request (with value.id), end.\n";

enum mode {
    M_HANG,
    M_CLOSE_EARLY,
    M_CLOSE_MID,
    M_STALL_MID,
    M_STATUS,
    M_BIG_BODY,
    M_REDIRECT_CHAIN,
    M_REDIRECT_TO_HTTP,
    M_NO_RANGE,
    M_SSE_IDLE,
};

static const char *const mode_names[] = {
    "hang", "close-early", "close-mid", "stall-mid", "status", "big-body",
    "redirect-chain", "redirect-to-http", "no-range", "sse-idle",
};

enum state { S_HANDSHAKE, S_READ, S_WRITE, S_SILENT };

struct conn {
    int fd;
    SSL *ssl;
    int n;                   /* connection number, 1-based, for the log */
    enum state st;
    short want;              /* what TLS waits for: POLLIN or POLLOUT */
    char *in;
    size_t in_len;
    char *head;              /* status line and headers (and a short body) to send */
    size_t head_len, head_off;
    int body_fd;             /* file body, or -1 */
    long long body_left;     /* body bytes still to produce after head */
    long long body_off;
    int silent_after;        /* stall-mid: keep the connection open once head is sent */
    char chunk[CHUNK];
    size_t chunk_len, chunk_off;
    long long sent;          /* bytes written to the socket */
};

static struct {
    enum mode mode;
    int status;
    long long size;
    int hops;
    const char *file;
    SSL_CTX *tls;
    int port;
    int log_fd;
    int nconn;
} cfg = {.status = 200, .size = 10LL * 1024 * 1024, .log_fd = -1};

static struct conn *conns[MAX_CONNS];
static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("faultd: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* Appends s to the log line as a JSON string; quotes, backslashes and control bytes escaped. */
static void
json_str(char *out, size_t cap, const char *s, size_t n)
{
    size_t o = strlen(out);
    if (s == NULL) {
        snprintf(out + o, cap - o, "null");
        return;
    }
    if (o + 1 < cap)
        out[o++] = '"';
    for (size_t i = 0; i < n && o + 7 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    if (o + 1 < cap)
        out[o++] = '"';
    out[o] = '\0';
}

/* One line per event, written with one write(2) so a reader never sees half a line. */
static void
log_line(const char *line)
{
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    if (buf == NULL)
        die("out of memory");
    memcpy(buf, line, n);
    buf[n] = '\n';
    if (write(cfg.log_fd, buf, n + 1) < 0)
        die("cannot write the log: %s", strerror(errno));
    free(buf);
}

static void
log_event(struct conn *c, const char *event, const char *extra)
{
    char line[2048];
    snprintf(line, sizeof line, "{\"event\":\"%s\",\"conn\":%d%s}", event, c->n,
             extra ? extra : "");
    log_line(line);
}

static void
conn_close(struct conn *c, const char *by)
{
    char extra[128];
    snprintf(extra, sizeof extra, ",\"sent\":%lld,\"by\":\"%s\"", c->sent, by);
    log_event(c, "end", extra);
    if (c->ssl) {
        if (strcmp(by, "server") == 0)
            SSL_shutdown(c->ssl); /* best effort: close_notify, no waiting for the reply */
        SSL_free(c->ssl);
    }
    close(c->fd);
    if (c->body_fd >= 0)
        close(c->body_fd);
    free(c->in);
    free(c->head);
    for (int i = 0; i < MAX_CONNS; i++) {
        if (conns[i] == c)
            conns[i] = NULL;
    }
    free(c);
}

/* Reads what is there. Returns bytes read, 0 at the peer's end, -1 to wait, -2 on error. */
static ssize_t
conn_read(struct conn *c, char *buf, size_t n)
{
    if (c->ssl == NULL) {
        ssize_t r = recv(c->fd, buf, n, 0);
        if (r < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
        return r;
    }
    int r = SSL_read(c->ssl, buf, (int)n);
    if (r > 0)
        return r;
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        c->want = POLLIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        c->want = POLLOUT;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        return 0;
    default:
        ERR_clear_error();
        return -2;
    }
}

/* Writes what fits. Returns bytes written, -1 to wait, -2 when the peer has gone. */
static ssize_t
conn_write(struct conn *c, const char *buf, size_t n)
{
    if (c->ssl == NULL) {
        ssize_t r = send(c->fd, buf, n, MSG_NOSIGNAL);
        if (r < 0)
            return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
        return r;
    }
    int r = SSL_write(c->ssl, buf, (int)n);
    if (r > 0)
        return r;
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ:
        c->want = POLLIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        c->want = POLLOUT;
        return -1;
    default:
        ERR_clear_error();
        return -2;
    }
}

/* The value.id of a message event body, found by text: the body is the console's own
 * compact JSON, so "value":{ is followed by "id":"...". */
static char *
find_value_id(const char *body, size_t len, size_t *idlen)
{
    const char *v = memmem(body, len, "\"value\":{", 9);
    if (v == NULL)
        return NULL;
    const char *end = body + len;
    const char *k = memmem(v, (size_t)(end - v), "\"id\":\"", 6);
    if (k == NULL)
        return NULL;
    k += 6;
    const char *e = k;
    while (e < end && *e != '"') {
        if (*e == '\\' && e + 1 < end)
            e++;
        e++;
    }
    *idlen = (size_t)(e - k);
    return (char *)k;
}

static void
sha256_hex(const char *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    for (unsigned int i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The value of header name (without the colon) in the request head, or NULL. */
static char *
header_value(const char *head, size_t head_len, const char *name, size_t *vlen)
{
    size_t nl = strlen(name);
    const char *p = memchr(head, '\n', head_len);
    const char *end = head + head_len;
    while (p != NULL && p + 1 < end) {
        p++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
                ve--;
            *vlen = (size_t)(ve - v);
            return (char *)v;
        }
        p = eol;
    }
    return NULL;
}

static void
set_head(struct conn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    c->head = malloc((size_t)n + 1);
    if (c->head == NULL)
        die("out of memory");
    va_start(ap, fmt);
    vsnprintf(c->head, (size_t)n + 1, fmt, ap);
    va_end(ap);
    c->head_len = (size_t)n;
}

static const char *
reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 302: return "Found";
    case 404: return "Not Found";
    case 422: return "Unprocessable Entity";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

static void
serve_file(struct conn *c, int status)
{
    struct stat sb;
    c->body_fd = open(cfg.file, O_RDONLY);
    if (c->body_fd < 0 || fstat(c->body_fd, &sb) != 0)
        die("cannot open %s: %s", cfg.file, strerror(errno));
    c->body_left = sb.st_size;
    set_head(c, "HTTP/1.1 %d %s\r\nContent-Type: application/octet-stream\r\n"
                "Content-Length: %lld\r\nConnection: close\r\n\r\n", status, reason(status),
             (long long)sb.st_size);
}

/* The whole request has arrived: log it and decide the answer. */
static void
answer(struct conn *c, size_t head_len, size_t body_len)
{
    char method[16] = "", path[512] = "";
    sscanf(c->in, "%15s %511s", method, path);
    const char *body = c->in + head_len;
    size_t rlen = 0, idlen = 0;
    const char *range = header_value(c->in, head_len, "Range", &rlen);
    const char *id = find_value_id(body, body_len, &idlen);
    char sha[65];
    sha256_hex(body, body_len, sha);

    char extra[1536] = ",\"method\":";
    json_str(extra, sizeof extra, method, strlen(method));
    strcat(extra, ",\"path\":");
    json_str(extra, sizeof extra, path, strlen(path));
    strcat(extra, ",\"range\":");
    json_str(extra, sizeof extra, range, rlen);
    strcat(extra, ",\"id\":");
    json_str(extra, sizeof extra, id, idlen);
    size_t o = strlen(extra);
    snprintf(extra + o, sizeof extra - o, ",\"body_len\":%zu,\"body_sha256\":\"%s\"", body_len,
             sha);
    log_event(c, "request", extra);

    const char *scheme = cfg.tls ? "https" : "http";
    int hop = 0;
    c->st = S_WRITE;
    c->want = POLLOUT;
    switch (cfg.mode) {
    case M_HANG:
        c->st = S_SILENT;
        c->want = POLLIN;
        return;
    case M_CLOSE_EARLY:
        conn_close(c, "server");
        return;
    case M_CLOSE_MID:
    case M_STALL_MID:
        /* Promises 1000 bytes, sends 10. */
        set_head(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: 1000\r\nConnection: close\r\n\r\n{\"ok\":tru",
                 cfg.status, reason(cfg.status));
        c->silent_after = cfg.mode == M_STALL_MID;
        return;
    case M_SSE_IDLE:
        /* An event stream that was opened and then went quiet: no event, no ping. */
        set_head(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                    "Cache-Control: no-cache\r\nConnection: close\r\n\r\n");
        c->silent_after = 1;
        return;
    case M_STATUS: {
        if (cfg.file != NULL) {
            serve_file(c, cfg.status);
            return;
        }
        char small[64];
        int n = snprintf(small, sizeof small, "{\"faultd\":%d}", cfg.status);
        set_head(c, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                    "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                 cfg.status, reason(cfg.status), n, small);
        return;
    }
    case M_BIG_BODY:
        set_head(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %lld\r\n"
                    "Connection: close\r\n\r\n", cfg.status, reason(cfg.status), cfg.size);
        c->body_left = cfg.size;
        return;
    case M_REDIRECT_CHAIN:
        if (sscanf(path, "/hop/%d", &hop) != 1 || hop >= cfg.hops) {
            serve_file(c, 200);
            return;
        }
        set_head(c, "HTTP/1.1 302 Found\r\nLocation: %s://127.0.0.1:%d/hop/%d\r\n"
                    "Content-Length: 0\r\nConnection: close\r\n\r\n", scheme, cfg.port, hop + 1);
        return;
    case M_REDIRECT_TO_HTTP:
        set_head(c, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/file\r\n"
                    "Content-Length: 0\r\nConnection: close\r\n\r\n", cfg.port);
        return;
    case M_NO_RANGE:
        serve_file(c, 200);
        return;
    }
}

static void
on_readable(struct conn *c)
{
    char buf[CHUNK];
    for (;;) {
        ssize_t r = conn_read(c, buf, sizeof buf);
        if (r == -1)
            return;
        if (r <= 0) {
            conn_close(c, "peer");
            return;
        }
        if (c->st != S_READ)
            continue; /* silent: read and drop until the peer goes */
        if (c->in_len + (size_t)r > REQUEST_CAP) {
            conn_close(c, "server");
            return;
        }
        char *in = realloc(c->in, c->in_len + (size_t)r + 1);
        if (in == NULL)
            die("out of memory");
        c->in = in;
        memcpy(c->in + c->in_len, buf, (size_t)r);
        c->in_len += (size_t)r;
        c->in[c->in_len] = '\0';

        char *eoh = memmem(c->in, c->in_len, "\r\n\r\n", 4);
        if (eoh == NULL)
            continue;
        size_t head_len = (size_t)(eoh - c->in) + 4;
        size_t vlen = 0;
        const char *cl = header_value(c->in, head_len, "Content-Length", &vlen);
        size_t body_len = cl ? strtoul(cl, NULL, 10) : 0;
        if (c->in_len < head_len + body_len)
            continue;
        answer(c, head_len, body_len);
        return; /* c may be gone; the loop comes back for more */
    }
}

/* Fills the chunk from the head, then from the body source. Returns 0 when all is sent. */
static int
refill(struct conn *c)
{
    c->chunk_off = 0;
    c->chunk_len = 0;
    if (c->head_off < c->head_len) {
        size_t n = c->head_len - c->head_off;
        if (n > CHUNK)
            n = CHUNK;
        memcpy(c->chunk, c->head + c->head_off, n);
        c->head_off += n;
        c->chunk_len = n;
        return 1;
    }
    if (c->body_left <= 0)
        return 0;
    size_t n = c->body_left > CHUNK ? CHUNK : (size_t)c->body_left;
    if (c->body_fd >= 0) {
        ssize_t r = pread(c->body_fd, c->chunk, n, (off_t)c->body_off);
        if (r <= 0)
            die("cannot read %s", cfg.file);
        n = (size_t)r;
    } else {
        memset(c->chunk, 'x', n);
    }
    c->body_off += (long long)n;
    c->body_left -= (long long)n;
    c->chunk_len = n;
    return 1;
}

static void
on_writable(struct conn *c)
{
    for (;;) {
        if (c->chunk_off == c->chunk_len && !refill(c)) {
            if (c->silent_after) {
                c->st = S_SILENT;
                c->want = POLLIN;
                return;
            }
            conn_close(c, "server");
            return;
        }
        ssize_t w = conn_write(c, c->chunk + c->chunk_off, c->chunk_len - c->chunk_off);
        if (w == -1)
            return;
        if (w < 0) {
            conn_close(c, "peer");
            return;
        }
        c->chunk_off += (size_t)w;
        c->sent += w;
    }
}

static void
on_handshake(struct conn *c)
{
    int r = SSL_accept(c->ssl);
    if (r == 1) {
        c->st = S_READ;
        c->want = POLLIN;
        on_readable(c);
        return;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        c->want = POLLIN;
        return;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        c->want = POLLOUT;
        return;
    }
    char why[256] = "connection closed during the handshake";
    unsigned long err = ERR_get_error();
    if (err != 0)
        ERR_error_string_n(err, why, sizeof why);
    ERR_clear_error();
    char extra[400] = ",\"error\":";
    json_str(extra, sizeof extra, why, strlen(why));
    log_event(c, "tls_failed", extra);
    SSL_free(c->ssl);
    c->ssl = NULL;
    conn_close(c, "server");
}

static void
accept_all(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct conn *c = calloc(1, sizeof *c);
        if (c == NULL)
            die("out of memory");
        c->fd = fd;
        c->n = ++cfg.nconn;
        c->body_fd = -1;
        c->st = cfg.tls ? S_HANDSHAKE : S_READ;
        c->want = POLLIN;
        log_event(c, "connect", NULL);
        int slot = -1;
        for (int i = 0; i < MAX_CONNS && slot < 0; i++) {
            if (conns[i] == NULL)
                slot = i;
        }
        if (slot < 0) {
            conn_close(c, "server");
            continue;
        }
        conns[slot] = c;
        if (cfg.tls) {
            c->ssl = SSL_new(cfg.tls);
            if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1)
                die("cannot set up TLS");
            SSL_set_accept_state(c->ssl);
        }
    }
}

static void
drive(struct conn *c)
{
    switch (c->st) {
    case S_HANDSHAKE:
        on_handshake(c);
        break;
    case S_READ:
    case S_SILENT:
        on_readable(c);
        break;
    case S_WRITE:
        on_writable(c);
        break;
    }
}

static void
setup_tls(const char *cert, const char *key)
{
    cfg.tls = SSL_CTX_new(TLS_server_method());
    if (cfg.tls == NULL || SSL_CTX_use_certificate_chain_file(cfg.tls, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(cfg.tls, key, SSL_FILETYPE_PEM) != 1)
        die("cannot load %s and %s", cert, key);
    SSL_CTX_set_mode(cfg.tls, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                  SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

static void
write_port_file(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", cfg.port) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0)
        die("cannot write %s", path);
}

static long long
number(const char *opt, const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0)
        die("%s wants a number, not '%s'", opt, s);
    return v;
}

int
main(int argc, char **argv)
{
    const char *mode = NULL, *port_file = NULL, *log_path = NULL, *cert = NULL, *key = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (i + 1 >= argc)
            die("%s needs a value (see --help)", a);
        const char *v = argv[++i];
        if (strcmp(a, "--mode") == 0)
            mode = v;
        else if (strcmp(a, "--port-file") == 0)
            port_file = v;
        else if (strcmp(a, "--log") == 0)
            log_path = v;
        else if (strcmp(a, "--cert") == 0)
            cert = v;
        else if (strcmp(a, "--key") == 0)
            key = v;
        else if (strcmp(a, "--file") == 0)
            cfg.file = v;
        else if (strcmp(a, "--status") == 0)
            cfg.status = (int)number(a, v);
        else if (strcmp(a, "--size") == 0)
            cfg.size = number(a, v);
        else if (strcmp(a, "--hops") == 0)
            cfg.hops = (int)number(a, v);
        else
            die("unknown option %s (see --help)", a);
    }
    if (mode == NULL || port_file == NULL || log_path == NULL)
        die("--mode, --port-file and --log are required (see --help)");
    size_t nmodes = sizeof mode_names / sizeof mode_names[0];
    size_t m = 0;
    while (m < nmodes && strcmp(mode_names[m], mode) != 0)
        m++;
    if (m == nmodes)
        die("unknown mode %s (see --help)", mode);
    cfg.mode = (enum mode)m;
    if ((cfg.mode == M_REDIRECT_CHAIN || cfg.mode == M_NO_RANGE) && cfg.file == NULL)
        die("mode %s needs --file", mode);
    if ((cert == NULL) != (key == NULL))
        die("--cert and --key go together");
    if (cert != NULL)
        setup_tls(cert, key);

    cfg.log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (cfg.log_fd < 0)
        die("cannot open %s: %s", log_path, strerror(errno));

    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t salen = sizeof sa;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &salen) != 0)
        die("cannot listen on 127.0.0.1: %s", strerror(errno));
    cfg.port = ntohs(sa.sin_port);

    /* SIGTERM is let in only while waiting in ppoll, so it is never missed between the
     * check of stop and the wait. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t block, waitmask;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &waitmask);
    struct sigaction act = {.sa_handler = on_term};
    sigemptyset(&act.sa_mask);
    sigaction(SIGTERM, &act, NULL);
    sigaction(SIGINT, &act, NULL);
    write_port_file(port_file);

    while (!stop) {
        struct pollfd pfd[MAX_CONNS + 1];
        struct conn *who[MAX_CONNS + 1];
        nfds_t n = 0;
        pfd[n] = (struct pollfd){.fd = lfd, .events = POLLIN};
        who[n++] = NULL;
        for (int i = 0; i < MAX_CONNS; i++) {
            struct conn *c = conns[i];
            if (c == NULL)
                continue;
            short ev = c->ssl ? c->want : c->st == S_WRITE ? POLLOUT : POLLIN;
            pfd[n] = (struct pollfd){.fd = c->fd, .events = ev};
            who[n++] = c;
        }
        if (ppoll(pfd, n, NULL, &waitmask) < 0) {
            if (errno == EINTR)
                continue;
            die("poll: %s", strerror(errno));
        }
        for (nfds_t i = 0; i < n; i++) {
            if (pfd[i].revents == 0)
                continue;
            if (who[i] == NULL)
                accept_all(lfd);
            else
                drive(who[i]); /* each conn appears once; drive may free it */
        }
    }
    /* Connections the kernel completed but nobody accepted yet still count as attempts:
     * log them so a test that stops us sees every one. */
    accept_all(lfd);
    for (int i = 0; i < MAX_CONNS; i++) {
        if (conns[i] != NULL)
            conn_close(conns[i], "stopped");
    }
    close(lfd);
    SSL_CTX_free(cfg.tls);
    close(cfg.log_fd);
    return 0;
}
