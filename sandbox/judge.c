/* The sandbox's webhook: verifies each request like Jelou does, logs it, fails on purpose. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/httpd.h"
#include "jelou/message.h"
#include "jelou/mock.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/xalloc.h"
#include "sandbox.h"

static const char accepted_body[] = "{\"message\":[\"received\"],\"status\":1}";

/* What one request came to; becomes the answer and the log line. */
struct verdict {
    int status;
    const char *name;
    char *reason;               /* owned */
    struct message *msg;        /* owned; set when the body parsed */
};

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
        return mock_error_body("not found");
    if (strcmp(v->name, "method_not_allowed") == 0)
        return mock_error_body("method not allowed");
    if (strcmp(v->name, "bad_signature") == 0)
        return mock_error_body("bad signature");
    if (strcmp(v->name, "bad_body") == 0)
        return mock_error_body(v->reason);
    return mock_error_body("injected failure");
}

static void
log_request(struct mock *m, const struct httpd_request *req, const struct verdict *v)
{
    struct record *r = mock_log_request(m, req);
    if (r == NULL)
        return;
    record_str(r, "signature", httpd_header(req, "X-Jelou-Signature"));
    record_int(r, "status", v->status);
    record_str(r, "verdict", v->name);
    record_str(r, "reason", v->reason);
    record_str(r, "id", v->msg ? v->msg->id : NULL);
    record_str(r, "type", v->msg ? msg_type_name(v->msg->type) : NULL);
    record_strn(r, "body", req->body, req->body_len);
    mock_write_log(m, record_finish(r));
}

void
mock_judge(struct mock *m, const struct httpd_request *req, struct httpd_response *resp)
{
    struct verdict v = {0};

    judge(m, req, &v);
    log_request(m, req, &v);

    resp->status = v.status;
    resp->body = answer_body(&v);
    resp->body_len = strlen(resp->body);
    resp->content_type = "application/json";
    resp->delay_ms = m->delay_ms;
    if (m->delay_id != NULL && v.msg != NULL && v.msg->id != NULL &&
        strcmp(v.msg->id, m->delay_id) == 0)
        resp->delay_ms = m->delay_id_ms;
    if (m->retry_after != NULL && strcmp(v.name, "injected_failure") == 0)
        resp->headers = xasprintf("Retry-After: %s\r\n", m->retry_after);

    free(v.reason);
    message_free(v.msg);
}
