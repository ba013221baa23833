/* Unit tests for the outbox and its journal: nothing reaches the transport before its
 * queued record is durable, a message whose record could not be synced is failed, and a
 * send to the team server carries its token, no signature, and the same bytes each time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsync_fault.h"
#include "jelou/clock.h"
#include "jelou/httpd.h"
#include "jelou/journal.h"
#include "jelou/loop.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

struct fixture {
    char dir[64];
    struct transport *t;
    struct journal *j;
    struct outbox *ob;
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/jelou-outbox-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    struct transport_opts to = {.connect_timeout_ms = 1000, .timeout_ms = 1000,
                                .max_attempts = 1};
    fx->t = transport_new(&to, NULL);
    fx->j = journal_open(fx->dir, NULL);
    /* Port 9 (discard) on loopback: nothing is meant to get that far in these tests. */
    struct outbox_opts oo = {.endpoint = "http://127.0.0.1:9/webhook", .secret = "s3cret",
                             .max_attempts = 1, .journal = fx->j};
    fx->ob = outbox_new(fx->t, &oo, NULL, NULL);
    *state = fx;
    return fx->t && fx->j ? 0 : -1;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    outbox_free(fx->ob);
    journal_close(fx->j);
    transport_free(fx->t);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

static struct message *
text(const char *id)
{
    struct message *m = message_new();
    m->id = xstrdup(id);
    m->project = xstrdup("proj-1");
    m->bot = xstrdup("bot-1");
    m->room = xstrdup("r");
    m->user = xstrdup("u");
    m->type = MSG_TEXT;
    m->body = xstrdup("hola");
    return m;
}

static void
test_nothing_sent_before_durable(void **state)
{
    struct fixture *fx = *state;
    char *cause = NULL;
    struct outbox_entry *e = outbox_add(fx->ob, text("m-1"), &cause);
    assert_non_null(e);
    assert_int_equal(e->state, SEND_QUEUED);
    assert_int_equal(transport_pending(fx->t), 0); /* held until the sync */
    assert_int_equal(outbox_busy(fx->ob), 1);

    fail_fsync = 1;
    assert_int_equal(outbox_flush(fx->ob, &cause), -1);
    fail_fsync = 0;
    assert_non_null(strstr(cause, "cannot sync the outbox journal"));
    free(cause);
    assert_int_equal(e->state, SEND_FAILED);
    assert_non_null(strstr(e->error, "not sent: cannot sync the outbox journal"));
    assert_non_null(strstr(e->error, "Input/output error"));
    assert_int_equal(transport_pending(fx->t), 0); /* nothing on the wire */
    assert_int_equal(outbox_busy(fx->ob), 0);

    /* Once the journal syncs again, the next one goes out at the flush. */
    struct outbox_entry *e2 = outbox_add(fx->ob, text("m-2"), &cause);
    assert_non_null(e2);
    assert_int_equal(transport_pending(fx->t), 0);
    cause = NULL;
    assert_int_equal(outbox_flush(fx->ob, &cause), 0);
    assert_null(cause);
    assert_int_equal(transport_pending(fx->t), 1);
    assert_int_equal(e2->state, SEND_SENDING);
}

/* What a team server on loopback saw: each request's path, bearer line, signature and body.
 * It answers the statuses of its script in turn, then 202. */
#define WIRE_MAX 8
struct wire {
    int n;
    char path[WIRE_MAX][64];
    char auth[WIRE_MAX][64];
    int signed_[WIRE_MAX];
    char body[WIRE_MAX][256];
    int script[WIRE_MAX];
};

static void
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct wire *w = arg;
    int i = w->n < WIRE_MAX ? w->n++ : WIRE_MAX - 1;
    const char *auth = httpd_header(req, "Authorization");
    snprintf(w->path[i], sizeof w->path[i], "%s", req->path);
    snprintf(w->auth[i], sizeof w->auth[i], "%s", auth ? auth : "");
    w->signed_[i] = httpd_header(req, "X-Jelou-Signature") != NULL;
    snprintf(w->body[i], sizeof w->body[i], "%.*s", (int)req->body_len, req->body);
    resp->status = w->script[i] ? w->script[i] : 202;
    resp->body = xstrdup("{}");
    resp->body_len = 2;
}

/* Turns the loop until e is final, 10 s at most. */
static void
settle(struct loop *l, struct outbox_entry *e)
{
    long long deadline = clock_mono_ms() + 10000;
    while ((e->state == SEND_QUEUED || e->state == SEND_SENDING) &&
           clock_mono_ms() < deadline)
        loop_run_once(l, 50);
}

static void
test_team_server_sends(void **state)
{
    (void)state;
    struct wire w = {.script = {500, 500}};
    struct loop *l = loop_new();
    struct transport_opts to = {.connect_timeout_ms = 2000, .timeout_ms = 2000,
                                .max_attempts = 2, .backoff_ms = 10, .backoff_max_ms = 20};
    struct transport *t = transport_new(&to, NULL);
    assert_non_null(t);
    transport_attach(t, l);
    const struct httpd_opts ho = {.port = 0};
    struct httpd *d = httpd_new(l, &ho, on_request, &w, NULL);
    assert_non_null(d);
    char url[64], other[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/v1/messages", httpd_port(d));
    snprintf(other, sizeof other, "http://127.0.0.1:%u/b/v1/messages", httpd_port(d));
    /* No secret at all: the token is what the team server checks. */
    struct outbox_opts oo = {.endpoint = url, .auth_header = "Authorization: Bearer tok-1",
                             .encode = message_team_request, .max_attempts = 2};
    struct outbox *ob = outbox_new(t, &oo, NULL, NULL);

    struct message *m = text("m-1");
    free(m->project);
    free(m->bot);
    free(m->user);
    m->project = m->bot = m->user = NULL;
    char *cause = NULL;
    struct outbox_entry *e = outbox_add(ob, m, &cause);
    assert_null(cause);
    assert_non_null(e);
    assert_string_equal(e->signature, "");
    settle(l, e);
    /* Two attempts answered 500: failed. The outbox's own retry sends it a third time. */
    assert_int_equal(e->state, SEND_FAILED);
    assert_int_equal(w.n, 2);
    assert_int_equal(outbox_retry(ob, e, &cause), 0);
    settle(l, e);
    assert_int_equal(e->state, SEND_ACCEPTED);
    assert_int_equal(e->http_status, 202);
    assert_int_equal(w.n, 3);
    const char *want = "{\"id\":\"m-1\",\"room\":\"r\",\"type\":\"text\",\"text\":\"hola\"}";
    for (int i = 0; i < 3; i++) {
        assert_string_equal(w.path[i], "/v1/messages");
        assert_string_equal(w.auth[i], "Bearer tok-1");
        assert_false(w.signed_[i]);
        assert_string_equal(w.body[i], want);   /* the same id and bytes every time */
    }

    /* The link moved: the next send (a recovered one, raw bytes) goes to the new server,
     * with the token and without a signature although there is no secret. */
    outbox_set_endpoint(ob, other);
    const char *raw = "{\"id\":\"m-2\",\"room\":\"r\",\"type\":\"text\",\"text\":\"otra\"}";
    struct outbox_entry *e2 = outbox_add_raw(ob, text("m-2"), raw, strlen(raw), &cause);
    assert_null(cause);
    assert_non_null(e2);
    settle(l, e2);
    assert_int_equal(e2->state, SEND_ACCEPTED);
    assert_int_equal(w.n, 4);
    assert_string_equal(w.path[3], "/b/v1/messages");
    assert_string_equal(w.auth[3], "Bearer tok-1");
    assert_false(w.signed_[3]);
    assert_string_equal(w.body[3], raw);

    /* An invalid message is refused before anything leaves. */
    struct message *bad = text("m-3");
    free(bad->room);
    bad->room = NULL;
    assert_null(outbox_add(ob, bad, &cause));
    assert_non_null(strstr(cause, "room_id"));
    free(cause);
    assert_int_equal(w.n, 4);

    outbox_free(ob);
    httpd_free(d);
    transport_free(t);
    loop_free(l);
}

/* Without a token, the direct mode signs as before: the header Jelou checks. */
static void
test_direct_still_signed(void **state)
{
    (void)state;
    struct wire w = {.n = 0};
    struct loop *l = loop_new();
    struct transport_opts to = {.connect_timeout_ms = 2000, .timeout_ms = 2000,
                                .max_attempts = 1};
    struct transport *t = transport_new(&to, NULL);
    transport_attach(t, l);
    const struct httpd_opts ho = {.port = 0};
    struct httpd *d = httpd_new(l, &ho, on_request, &w, NULL);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%u/webhook", httpd_port(d));
    struct outbox_opts oo = {.endpoint = url, .secret = "s3cret", .max_attempts = 1};
    struct outbox *ob = outbox_new(t, &oo, NULL, NULL);
    char *cause = NULL;
    struct outbox_entry *e = outbox_add(ob, text("m-1"), &cause);
    assert_non_null(e);
    settle(l, e);
    assert_int_equal(e->state, SEND_ACCEPTED);
    assert_int_equal(w.n, 1);
    assert_true(w.signed_[0]);
    assert_string_equal(w.auth[0], "");
    assert_non_null(strstr(w.body[0], "\"event_type\":\"incoming_message\""));
    outbox_free(ob);
    httpd_free(d);
    transport_free(t);
    loop_free(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nothing_sent_before_durable, setup, teardown),
        cmocka_unit_test(test_team_server_sends),
        cmocka_unit_test(test_direct_still_signed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
