/* The sandbox webhook: verifies and logs requests like Jelou would, and injects faults. */
#include "jelou/mock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    unsigned long well_formed;  /* signed and parsed: the ones fault injection counts */
    uint64_t rng;
    int log_failed;             /* the log write error was already reported */
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

static void
log_request(struct mock *m, const struct httpd_request *req, const struct verdict *v)
{
    if (m->log_path == NULL)
        return;
    struct record *r = record_new();
    record_int(r, "seq", (long long)m->requests);
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
    char *line = record_finish(r);

    char *cause = NULL;
    /* Written and synced before the answer leaves: whoever got it finds the line. */
    if (record_append_file(m->log_path, line, 1, &cause) < 0 && !m->log_failed) {
        /* The handler has nobody to return an error to; say it once rather than per line. */
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
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct mock *m = arg;
    struct verdict v = {0};

    m->requests++;
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
    if (m->httpd == NULL) {
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

void
mock_free(struct mock *m)
{
    if (m == NULL)
        return;
    httpd_free(m->httpd);
    /* The secret should not linger in freed memory. */
    if (m->secret != NULL) {
        explicit_bzero(m->secret, strlen(m->secret));
        free(m->secret);
    }
    free(m->log_path);
    free(m);
}
