/* Unit tests for the transport's streams: bytes before the end, silence, cancel, and a
 * transfer started from inside a stream's callback, against an httpd on loopback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/clock.h"
#include "jelou/httpd.h"
#include "jelou/loop.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

/* The server: /stream opens an event stream and keeps it; /err answers 503 "down";
 * anything else 200 "ok". */
struct server {
    struct httpd_call *stream;
    int streams;
};

static void
stream_closed(void *arg)
{
    struct server *s = arg;
    s->stream = NULL;
}

static void
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct server *s = arg;
    if (strcmp(req->path, "/stream") == 0) {
        resp->status = 200;
        resp->stream = 1;
        resp->content_type = "text/event-stream";
        resp->on_close = stream_closed;
        resp->close_arg = s;
        s->stream = req->call;
        s->streams++;
        httpd_stream_write(req->call, "hello", 5);
        return;
    }
    int err = strcmp(req->path, "/err") == 0;
    resp->status = err ? 503 : 200;
    resp->body = xstrdup(err ? "down" : "ok");
    resp->body_len = strlen(resp->body);
}

/* What the client saw. */
struct seen {
    struct transport *t;
    struct buf data;
    int done;
    long status;
    int network_error;
    char error[128];
    char body[64];
    unsigned long self;       /* cancel_on_data: this transfer's id */
    int cancel_on_data;
    struct seen *then;        /* cancel_on_data: started from inside on_data */
    const char *then_url;
};

static void
on_done(void *arg, const struct transport_result *r)
{
    struct seen *s = arg;
    s->done++;
    s->status = r->http_status;
    s->network_error = r->network_error;
    snprintf(s->error, sizeof s->error, "%s", r->error ? r->error : "");
    snprintf(s->body, sizeof s->body, "%.*s", (int)r->body_len, r->body);
}

static void
on_data(void *arg, const char *bytes, size_t n)
{
    struct seen *s = arg;
    buf_append(&s->data, bytes, n);
    if (s->cancel_on_data) {
        transport_cancel(s->t, s->self);
        const struct transport_request r = {
            .method = "GET", .url = s->then_url, .on_done = on_done, .arg = s->then,
        };
        assert_int_not_equal(transport_submit_id(s->t, &r, NULL), 0);
    }
}

struct fixture {
    struct loop *l;
    struct transport *t;
    struct httpd *d;
    struct server srv;
    char base[64];
};

static int
setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    fx->l = loop_new();
    struct transport_opts to = {.connect_timeout_ms = 2000, .timeout_ms = 1000,
                                .max_attempts = 3, .backoff_ms = 10, .backoff_max_ms = 20};
    fx->t = transport_new(&to, NULL);
    transport_attach(fx->t, fx->l);
    const struct httpd_opts ho = {.port = 0};
    fx->d = httpd_new(fx->l, &ho, on_request, &fx->srv, NULL);
    snprintf(fx->base, sizeof fx->base, "http://127.0.0.1:%u", httpd_port(fx->d));
    *state = fx;
    return fx->t && fx->d ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    httpd_free(fx->d);
    transport_free(fx->t);
    loop_free(fx->l);
    free(fx);
    return 0;
}

/* Turns the loop until *flag or ms pass. */
static void
run_until(struct loop *l, const int *flag, long ms)
{
    long long deadline = clock_mono_ms() + ms;
    while (!*flag && clock_mono_ms() < deadline)
        loop_run_once(l, 20);
}

static int
has_bytes(const struct seen *s, const char *want)
{
    return s->data.len == strlen(want) && memcmp(s->data.data, want, s->data.len) == 0;
}

static void
test_bytes_before_the_end(void **state)
{
    struct fixture *fx = *state;
    struct seen s = {.t = fx->t};
    char url[96];
    snprintf(url, sizeof url, "%s/stream", fx->base);
    const struct transport_request r = {
        .method = "GET", .url = url, .on_data = on_data, .on_done = on_done, .arg = &s,
    };
    assert_int_not_equal(transport_submit_id(fx->t, &r, NULL), 0);
    long long until = clock_mono_ms() + 5000;
    while (!has_bytes(&s, "hello") && clock_mono_ms() < until)
        loop_run_once(fx->l, 20);
    assert_true(has_bytes(&s, "hello"));
    assert_int_equal(s.done, 0);   /* the transfer is still open */

    /* Longer than timeout_ms (1 s): a stream has no total timeout. */
    until = clock_mono_ms() + 1300;
    while (clock_mono_ms() < until)
        loop_run_once(fx->l, 50);
    assert_int_equal(s.done, 0);
    httpd_stream_write(fx->srv.stream, " world", 6);
    until = clock_mono_ms() + 5000;
    while (!has_bytes(&s, "hello world") && clock_mono_ms() < until)
        loop_run_once(fx->l, 20);
    assert_true(has_bytes(&s, "hello world"));
    assert_int_equal(s.done, 0);

    httpd_stream_end(fx->srv.stream);
    run_until(fx->l, &s.done, 5000);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status, 200);
    assert_int_equal(s.network_error, 0);
    assert_string_equal(s.body, "");   /* a 2xx stream's bytes are not kept */
    assert_int_equal(fx->srv.streams, 1);
    buf_free(&s.data);
}

static void
test_error_answer_is_kept_not_streamed(void **state)
{
    struct fixture *fx = *state;
    struct seen s = {.t = fx->t};
    char url[96];
    snprintf(url, sizeof url, "%s/err", fx->base);
    /* retry is asked for, and ignored: a stream is never retried. */
    const struct transport_request r = {
        .method = "GET", .url = url, .on_data = on_data, .retry = 1, .on_done = on_done,
        .arg = &s,
    };
    assert_int_not_equal(transport_submit_id(fx->t, &r, NULL), 0);
    run_until(fx->l, &s.done, 5000);
    assert_int_equal(s.done, 1);
    assert_int_equal(s.status, 503);
    assert_string_equal(s.body, "down");
    assert_int_equal(s.data.len, 0);
    assert_string_equal(s.error, "HTTP 503");
}

static void
test_silence_ends_a_stream(void **state)
{
    struct fixture *fx = *state;
    struct seen s = {.t = fx->t};
    char url[96];
    snprintf(url, sizeof url, "%s/stream", fx->base);
    const struct transport_request r = {
        .method = "GET", .url = url, .on_data = on_data, .idle_ms = 1000, .on_done = on_done,
        .arg = &s,
    };
    long long start = clock_mono_ms();
    assert_int_not_equal(transport_submit_id(fx->t, &r, NULL), 0);
    run_until(fx->l, &s.done, 8000);
    long long took = clock_mono_ms() - start;
    assert_int_equal(s.done, 1);
    assert_true(has_bytes(&s, "hello"));
    assert_int_equal(s.network_error, 1);
    assert_int_equal(s.status, 200);
    assert_string_equal(s.error, "no data for 1 s");
    assert_true(took >= 900);
    assert_int_equal(fx->srv.streams, 1);   /* not retried */
    buf_free(&s.data);
}

static void
test_cancel_and_submit_from_on_data(void **state)
{
    struct fixture *fx = *state;
    struct seen then = {.t = fx->t};
    struct seen s = {.t = fx->t, .cancel_on_data = 1, .then = &then};
    char url[96], ok[96];
    snprintf(url, sizeof url, "%s/stream", fx->base);
    snprintf(ok, sizeof ok, "%s/ok", fx->base);
    s.then_url = ok;
    const struct transport_request r = {
        .method = "GET", .url = url, .on_data = on_data, .on_done = on_done, .arg = &s,
    };
    s.self = transport_submit_id(fx->t, &r, NULL);
    assert_int_not_equal(s.self, 0);
    run_until(fx->l, &then.done, 5000);
    assert_int_equal(then.done, 1);
    assert_int_equal(then.status, 200);
    assert_string_equal(then.body, "ok");
    /* The cancelled stream said nothing more, and is gone. */
    long long until = clock_mono_ms() + 300;
    while (clock_mono_ms() < until)
        loop_run_once(fx->l, 20);
    assert_int_equal(s.done, 0);
    assert_true(has_bytes(&s, "hello"));
    assert_int_equal(transport_pending(fx->t), 0);
    /* An id that is done is ignored. */
    transport_cancel(fx->t, s.self);
    buf_free(&s.data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bytes_before_the_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_answer_is_kept_not_streamed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_silence_ends_a_stream, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_and_submit_from_on_data, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
