/* Unit tests for mime (libmagic on bytes and files) and probe (URL probe, type decisions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/mime.h"
#include "jelou/probe.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

/* Smallest headers libmagic 5.44 recognizes; each was checked against `file --mime-type`. */
static const unsigned char png[] = {
    0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R',
    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
};
static const unsigned char jpeg[] = {
    0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
};
static const unsigned char mp3[] = {
    'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0, 0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0,
};
static const unsigned char ogg[] = {
    'O', 'g', 'g', 'S', 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 0x1e, 1, 'v', 'o', 'r', 'b', 'i', 's', 0, 0, 0, 0, 2, 0x44, 0xac, 0, 0, 0, 0, 0, 0,
    0, 0xee, 2, 0, 0, 0, 0, 0, 0xb8, 1,
};
static const unsigned char mp4[] = {
    0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
    'i', 's', 'o', 'm', 'i', 's', 'o', '2',
};
static const char pdf[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
static const char html[] = "<!DOCTYPE html>\n<html><head><title>x</title></head>"
                           "<body><p>hi</p></body></html>\n";

static void
detects(const void *buf, size_t len, const char *want)
{
    char *mime = NULL, *cause = NULL;
    assert_int_equal(mime_detect_buffer(buf, len, &mime, &cause), 0);
    assert_null(cause);
    assert_string_equal(mime, want);
    free(mime);
}

static void
test_detect_buffers(void **state)
{
    (void)state;
    detects(png, sizeof png, "image/png");
    detects(jpeg, sizeof jpeg, "image/jpeg");
    detects(pdf, strlen(pdf), "application/pdf");
    detects(html, strlen(html), "text/html");
    detects(mp3, sizeof mp3, "audio/mpeg");
    detects(ogg, sizeof ogg, "audio/ogg");
    detects(mp4, sizeof mp4, "video/mp4");
    detects("hello world\n", 12, "text/plain");
    detects("", 0, "application/x-empty");
    /* a PNG signature alone is not enough for libmagic */
    detects(png, 8, "application/octet-stream");
}

struct tmpdir {
    char path[64];
};

static int
setup_dir(void **state)
{
    struct tmpdir *d = xcalloc(1, sizeof *d);
    strcpy(d->path, "/tmp/jelou-mime-XXXXXX");
    if (mkdtemp(d->path) == NULL)
        return -1;
    *state = d;
    return 0;
}

static int
teardown_dir(void **state)
{
    struct tmpdir *d = *state;
    static const char *const names[] = {"a.png", "big.json", "fifo"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char *p = xasprintf("%s/%s", d->path, names[i]);
        unlink(p);
        free(p);
    }
    rmdir(d->path);
    free(d);
    mime_cleanup();
    return 0;
}

static char *
write_tmp(struct tmpdir *d, const char *name, const void *data, size_t len)
{
    char *path = xasprintf("%s/%s", d->path, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void
test_detect_file(void **state)
{
    struct tmpdir *d = *state;
    char *mime = NULL, *cause = NULL;

    char *path = write_tmp(d, "a.png", png, sizeof png);
    assert_int_equal(mime_detect_file(path, &mime, &cause), 0);
    assert_string_equal(mime, "image/png");
    free(mime);
    free(path);

    /* Valid JSON of 80 KiB: libmagic says application/json for the whole file, but only
     * the first 64 KiB are judged (as for a URL), and those are not valid JSON. */
    size_t n = 1 + 2 * 40000 + 3;
    char *json = xmalloc(n);
    json[0] = '[';
    for (size_t i = 0; i < 40000; i++)
        memcpy(json + 1 + 2 * i, "1,", 2);
    memcpy(json + n - 3, "1]\n", 3);
    detects(json, n, "application/json");
    path = write_tmp(d, "big.json", json, n);
    assert_int_equal(mime_detect_file(path, &mime, &cause), 0);
    assert_string_equal(mime, "text/plain");
    free(mime);
    free(path);
    free(json);
}

static void
test_detect_file_refusals(void **state)
{
    struct tmpdir *d = *state;
    char *mime = NULL, *cause = NULL, *want;

    assert_int_equal(mime_detect_file(d->path, &mime, &cause), -1);
    assert_null(mime);
    want = xasprintf("%s is not a regular file", d->path);
    assert_string_equal(cause, want);
    free(want);
    free(cause);

    /* a FIFO nobody writes to must be refused, not waited on */
    char *fifo = xasprintf("%s/fifo", d->path);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(mime_detect_file(fifo, &mime, &cause), -1);
    want = xasprintf("%s is not a regular file", fifo);
    assert_string_equal(cause, want);
    free(want);
    free(cause);
    free(fifo);

    char *missing = xasprintf("%s/missing.png", d->path);
    assert_int_equal(mime_detect_file(missing, &mime, &cause), -1);
    want = xasprintf("cannot open %s: No such file or directory", missing);
    assert_string_equal(cause, want);
    free(want);
    free(cause);
    free(missing);
}

static void
test_is_web_page(void **state)
{
    (void)state;
    assert_int_equal(mime_is_web_page("text/html"), 1);
    assert_int_equal(mime_is_web_page("TEXT/HTML"), 1);
    assert_int_equal(mime_is_web_page("text/html; charset=utf-8"), 1);
    assert_int_equal(mime_is_web_page("text/html ;charset=utf-8"), 1);
    assert_int_equal(mime_is_web_page("application/xhtml+xml"), 1);
    assert_int_equal(mime_is_web_page("Application/XHTML+XML;q=1"), 1);
    assert_int_equal(mime_is_web_page("text/plain"), 0);
    assert_int_equal(mime_is_web_page("text/htmlx"), 0);
    assert_int_equal(mime_is_web_page("text/htm"), 0);
    assert_int_equal(mime_is_web_page("application/xml"), 0);
    assert_int_equal(mime_is_web_page(""), 0);
    assert_int_equal(mime_is_web_page(NULL), 0);
}

static void
picks(const char *mime, enum msg_type want, int forced, enum msg_type expect)
{
    enum msg_type type = MSG_NONE;
    char *cause = NULL;
    int rc = probe_pick_type(mime, want, forced, &type, &cause);
    if (rc != 0)
        print_error("%s as %d (forced %d): %s\n", mime, (int)want, forced, cause);
    assert_int_equal(rc, 0);
    assert_null(cause);
    assert_int_equal(type, expect);
}

static void
refuses(const char *mime, enum msg_type want, int forced, const char *expect)
{
    enum msg_type type = MSG_NONE;
    char *cause = NULL;
    assert_int_equal(probe_pick_type(mime, want, forced, &type, &cause), -1);
    assert_int_equal(type, MSG_NONE);
    assert_non_null(cause);
    assert_string_equal(cause, expect);
    free(cause);
}

#define WEB_PAGE "this URL serves a web page (text/html), not a media file"

static void
test_pick_detect(void **state)
{
    (void)state;
    picks("image/png", MSG_NONE, 0, MSG_IMAGE);
    picks("video/mp4", MSG_NONE, 0, MSG_VIDEO);
    picks("audio/mpeg", MSG_NONE, 0, MSG_AUDIO);
    picks("application/pdf", MSG_NONE, 0, MSG_DOCUMENT);
    picks("text/plain", MSG_NONE, 0, MSG_DOCUMENT);
    refuses("text/html", MSG_NONE, 0, WEB_PAGE);
    refuses("text/html; charset=utf-8", MSG_NONE, 0, WEB_PAGE);
    refuses("text/html", MSG_NONE, 1, WEB_PAGE);
    refuses("application/xhtml+xml", MSG_NONE, 0,
            "this URL serves a web page (application/xhtml+xml), not a media file");
}

static void
test_pick_media_types(void **state)
{
    (void)state;
    picks("image/jpeg", MSG_IMAGE, 0, MSG_IMAGE);
    picks("video/mp4", MSG_VIDEO, 0, MSG_VIDEO);
    picks("audio/ogg", MSG_AUDIO, 0, MSG_AUDIO);

    refuses("text/html", MSG_IMAGE, 0, WEB_PAGE);
    refuses("text/html", MSG_VIDEO, 0, WEB_PAGE);
    refuses("text/html", MSG_AUDIO, 0, WEB_PAGE);
    /* a mime given by hand does not turn a page into a picture */
    refuses("text/html", MSG_IMAGE, 1, WEB_PAGE);

    refuses("video/mp4", MSG_IMAGE, 0, "detected video/mp4 but --type image was given");
    refuses("image/png", MSG_AUDIO, 0, "detected image/png but --type audio was given");
    refuses("application/pdf", MSG_VIDEO, 0,
            "detected application/pdf but --type video was given");
    picks("video/mp4", MSG_IMAGE, 1, MSG_IMAGE);
    picks("application/octet-stream", MSG_AUDIO, 1, MSG_AUDIO);
}

static void
test_pick_document(void **state)
{
    (void)state;
    picks("application/pdf", MSG_DOCUMENT, 0, MSG_DOCUMENT);
    picks("application/zip", MSG_DOCUMENT, 0, MSG_DOCUMENT);
    picks("text/plain", MSG_DOCUMENT, 0, MSG_DOCUMENT);
    /* a page is fine when the user says it is a document */
    picks("text/html", MSG_DOCUMENT, 0, MSG_DOCUMENT);
    picks("application/xhtml+xml", MSG_DOCUMENT, 0, MSG_DOCUMENT);
    refuses("image/png", MSG_DOCUMENT, 0, "detected image/png but --type document was given");
    refuses("audio/mpeg", MSG_DOCUMENT, 0,
            "detected audio/mpeg but --type document was given");
    picks("image/png", MSG_DOCUMENT, 1, MSG_DOCUMENT);
    picks("video/mp4", MSG_DOCUMENT, 1, MSG_DOCUMENT);
}

static void
test_pick_odd_input(void **state)
{
    (void)state;
    refuses("image/png", MSG_TEXT, 0, "type text does not take a media URL");
    refuses(NULL, MSG_NONE, 0, "no MIME type was detected");
    refuses("", MSG_IMAGE, 0, "no MIME type was detected");
}

/* A stand-in transport: records the request so the test can answer it by hand. Linking
 * this definition keeps src/transport.c (and the network) out of this binary. */
static struct {
    int calls;
    int fail;
    char method[8];
    char url[128];
    char range[32];
    int has_body;
    size_t keep_bytes;
    int stop_at_keep, retry, follow_redirects;
    void (*on_done)(void *arg, const struct transport_result *r);
    void *arg;
} fake;

int
transport_submit(struct transport *t, const struct transport_request *r, char **cause)
{
    (void)t;
    fake.calls++;
    if (fake.fail) {
        *cause = xstrdup("transport is shutting down");
        return -1;
    }
    snprintf(fake.method, sizeof fake.method, "%s", r->method);
    snprintf(fake.url, sizeof fake.url, "%s", r->url);
    snprintf(fake.range, sizeof fake.range, "%s", r->range ? r->range : "(none)");
    fake.has_body = r->body != NULL || r->body_len != 0;
    fake.keep_bytes = r->keep_bytes;
    fake.stop_at_keep = r->stop_at_keep;
    fake.retry = r->retry;
    fake.follow_redirects = r->follow_redirects;
    fake.on_done = r->on_done;
    fake.arg = r->arg;
    return 0;
}

/* What the done callback saw, copied: the result is only valid during the call. */
struct seen {
    int calls;
    int ok;
    char *mime;
    enum msg_type type;
    char *server_type;
    long http_status;
    size_t bytes;
    char *error;
};

static void
on_probe(void *arg, const struct probe_result *r)
{
    struct seen *s = arg;
    s->calls++;
    s->ok = r->ok;
    s->mime = r->mime ? xstrdup(r->mime) : NULL;
    s->type = r->type;
    s->server_type = r->server_type ? xstrdup(r->server_type) : NULL;
    s->http_status = r->http_status;
    s->bytes = r->bytes;
    s->error = r->error ? xstrdup(r->error) : NULL;
}

static void
seen_clear(struct seen *s)
{
    free(s->mime);
    free(s->server_type);
    free(s->error);
    memset(s, 0, sizeof *s);
}

/* Starts a probe and answers it with the given transport result. */
static void
probe_answer(struct seen *s, long status, int network_error, const char *error,
             const void *body, size_t len, const char *content_type)
{
    char *cause = NULL;
    memset(&fake, 0, sizeof fake);
    memset(s, 0, sizeof *s);
    assert_int_equal(probe_start(NULL, "https://media.example/f", on_probe, s, &cause), 0);
    assert_null(cause);
    assert_int_equal(fake.calls, 1);
    assert_int_equal(s->calls, 0);

    /* the body the transport hands over is NUL-terminated */
    char *copy = xmalloc(len + 1);
    if (len > 0)
        memcpy(copy, body, len);
    copy[len] = '\0';
    struct transport_result r = {
        .http_status = status,
        .attempts = 1,
        .network_error = network_error,
        .error = error,
        .body = copy,
        .body_len = len,
        .content_type = content_type,
    };
    fake.on_done(fake.arg, &r);
    free(copy);
    assert_int_equal(s->calls, 1);
}

static void
test_probe_request(void **state)
{
    struct seen s;
    (void)state;

    probe_answer(&s, 206, 0, NULL, png, sizeof png, "image/png");
    assert_string_equal(fake.method, "GET");
    assert_string_equal(fake.url, "https://media.example/f");
    assert_string_equal(fake.range, "0-65535");
    assert_int_equal(fake.has_body, 0);
    assert_int_equal(fake.keep_bytes, 65536);
    assert_int_equal(fake.stop_at_keep, 1);
    assert_int_equal(fake.retry, 0);
    assert_int_equal(fake.follow_redirects, 1);
    seen_clear(&s);
}

static void
test_probe_detects(void **state)
{
    struct seen s;
    (void)state;

    probe_answer(&s, 206, 0, NULL, png, sizeof png, "image/png");
    assert_int_equal(s.ok, 1);
    assert_string_equal(s.mime, "image/png");
    assert_int_equal(s.type, MSG_IMAGE);
    assert_null(s.server_type);
    assert_int_equal(s.http_status, 206);
    assert_int_equal(s.bytes, sizeof png);
    assert_null(s.error);
    seen_clear(&s);

    /* a server that ignores Range answers 200; the same type in other case is agreement */
    probe_answer(&s, 200, 0, NULL, mp4, sizeof mp4, "VIDEO/MP4; codecs=avc1");
    assert_int_equal(s.ok, 1);
    assert_string_equal(s.mime, "video/mp4");
    assert_int_equal(s.type, MSG_VIDEO);
    assert_null(s.server_type);
    assert_int_equal(s.http_status, 200);
    seen_clear(&s);

    /* libmagic decides; the server's different claim is reported without parameters */
    probe_answer(&s, 200, 0, NULL, mp3, sizeof mp3, "application/octet-stream; x=1");
    assert_int_equal(s.ok, 1);
    assert_string_equal(s.mime, "audio/mpeg");
    assert_int_equal(s.type, MSG_AUDIO);
    assert_string_equal(s.server_type, "application/octet-stream");
    seen_clear(&s);

    probe_answer(&s, 200, 0, NULL, pdf, strlen(pdf), NULL);
    assert_int_equal(s.ok, 1);
    assert_string_equal(s.mime, "application/pdf");
    assert_int_equal(s.type, MSG_DOCUMENT);
    assert_null(s.server_type);
    seen_clear(&s);

    /* a page is detected as such here; refusing it is probe_pick_type's job */
    probe_answer(&s, 200, 0, NULL, html, strlen(html), "text/html; charset=utf-8");
    assert_int_equal(s.ok, 1);
    assert_string_equal(s.mime, "text/html");
    assert_null(s.server_type);
    seen_clear(&s);
}

static void
test_probe_failures(void **state)
{
    struct seen s;
    (void)state;

    probe_answer(&s, 404, 0, "HTTP 404", "not found", 9, "text/plain");
    assert_int_equal(s.ok, 0);
    assert_string_equal(s.error, "media URL answered HTTP 404");
    assert_int_equal(s.http_status, 404);
    assert_null(s.mime);
    seen_clear(&s);

    probe_answer(&s, 0, 1, "Could not resolve host: media.example", "", 0, NULL);
    assert_int_equal(s.ok, 0);
    assert_string_equal(s.error, "cannot reach media URL: Could not resolve host: "
                                 "media.example");
    assert_int_equal(s.http_status, 0);
    seen_clear(&s);

    probe_answer(&s, 200, 0, NULL, "", 0, "image/png");
    assert_int_equal(s.ok, 0);
    assert_string_equal(s.error, "media URL returned no data");
    assert_int_equal(s.http_status, 200);
    seen_clear(&s);

    probe_answer(&s, 416, 0, "HTTP 416", "", 0, NULL);
    assert_int_equal(s.ok, 0);
    assert_string_equal(s.error, "media URL returned no data (HTTP 416)");
    assert_int_equal(s.http_status, 416);
    seen_clear(&s);

    probe_answer(&s, 500, 0, "HTTP 500", png, sizeof png, "image/png");
    assert_int_equal(s.ok, 0);
    assert_string_equal(s.error, "media URL answered HTTP 500");
    seen_clear(&s);
}

static void
test_probe_start_refusals(void **state)
{
    struct seen s = {0};
    char *cause = NULL;
    (void)state;

    memset(&fake, 0, sizeof fake);
    assert_int_equal(probe_start(NULL, "http://media.example/a.png", on_probe, &s, &cause),
                     -1);
    assert_string_equal(cause, "media URL must start with https:// "
                               "(got http://media.example/a.png)");
    assert_int_equal(fake.calls, 0);
    free(cause);

    fake.fail = 1;
    assert_int_equal(probe_start(NULL, "https://media.example/a.png", on_probe, &s, &cause),
                     -1);
    assert_string_equal(cause, "transport is shutting down");
    assert_int_equal(fake.calls, 1);
    assert_int_equal(s.calls, 0);
    free(cause);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_buffers),
        cmocka_unit_test_setup_teardown(test_detect_file, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_detect_file_refusals, setup_dir, teardown_dir),
        cmocka_unit_test(test_is_web_page),
        cmocka_unit_test(test_pick_detect),
        cmocka_unit_test(test_pick_media_types),
        cmocka_unit_test(test_pick_document),
        cmocka_unit_test(test_pick_odd_input),
        cmocka_unit_test(test_probe_request),
        cmocka_unit_test(test_probe_detects),
        cmocka_unit_test(test_probe_failures),
        cmocka_unit_test(test_probe_start_refusals),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    mime_cleanup();
    return rc;
}
