/* The sandbox's events: signed like Jelou's, posted to the console's listener in order. */
#include <stdio.h>
#include <stdlib.h>

#include "jelou/clock.h"
#include "jelou/loop.h"
#include "jelou/mock.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"
#include "sandbox.h"

/* An event is tried this often (250 ms, doubling: about 8 s in all), for a console that is
 * still starting; then it is logged as given up. */
#define MOCK_EMIT_ATTEMPTS 6
#define MOCK_EMIT_BACKOFF_MS 250L

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

static void
log_emit(struct mock *m, const struct emission *e, long status, const char *error)
{
    if (m->log_path == NULL)
        return;
    m->seq++;
    struct record *r = record_new();
    record_int(r, "seq", (long long)m->seq);
    record_int(r, "time", clock_wall_ms());
    record_str(r, "method", "POST");
    record_str(r, "to", m->emit_to);
    record_str(r, "signature", e->sig);
    record_int(r, "status", status);
    record_str(r, "verdict", "emit");
    record_str(r, "event", e->name);
    record_int(r, "attempts", e->attempts);
    record_str(r, "reason", error);
    record_strn(r, "body", e->body, e->len);
    mock_write_log(m, record_finish(r));
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
    mock_complain(m, "gave up emitting %s to %s after %d attempt%s: %s", e->name, m->emit_to,
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

void
mock_emit(struct mock *m, const struct event *ev)
{
    if (m->emit_to == NULL)
        return;
    struct emission *e = xcalloc(1, sizeof *e);
    e->m = m;
    e->name = xstrdup(ev->name);
    e->body = event_serialize(ev, &e->len);
    if (e->body == NULL || sign_header(m->secret, e->body, e->len, e->sig) != 0) {
        m->emit_failed++;
        mock_complain(m, "cannot build the %s event", ev->name);
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

struct event
mock_conv_event(const struct mock *m, const struct conv *c, enum event_kind kind, char *name)
{
    struct event ev = {
        .kind = kind,
        .name = name,
        .timestamp_ms = clock_wall_ms(),
        .project = m->project,
        .room = c->room,
        .bot = c->bot,
        .user = c->user,
        .user_name = c->user_name,
        .conversation = c->id,
    };
    return ev;
}

void
mock_emit_conv(struct mock *m, const struct conv *c, enum event_kind kind, const char *message)
{
    char start[] = "conversation.start", close[] = "conversation.close";
    struct event ev = mock_conv_event(m, c, kind, kind == EV_CONV_START ? start : close);
    if (kind == EV_CONV_CLOSE) {
        ev.close_reason = c->reason;
        ev.close_message = (char *)message;
    }
    mock_emit(m, &ev);
}

void
mock_emit_stop(struct mock *m)
{
    if (m->emit_timer >= 0)
        loop_remove(m->loop, m->emit_timer);
    m->emit_timer = -1;
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
}
