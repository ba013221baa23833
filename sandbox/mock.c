/* The sandbox: Jelou's webhook, REST API and events, offline; the server and its routing. */
#include "jelou/mock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jelou/clock.h"
#include "jelou/httpd.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"
#include "integration.h"
#include "sandbox.h"

#define MOCK_DEFAULT_FAIL_STATUS 500

/* {"error":"..."} through record.h, so a cause with quotes stays valid JSON. */
char *
mock_error_body(const char *text)
{
    struct record *r = record_new();
    record_str(r, "error", text);
    return record_finish(r);
}

struct record *
mock_log_request(const struct mock *m, const struct httpd_request *req)
{
    if (m->log_path == NULL)
        return NULL;
    struct record *r = record_new();
    record_int(r, "seq", (long long)m->seq);
    record_int(r, "time", clock_wall_ms());
    record_str(r, "method", req->method);
    record_str(r, "path", req->path);
    return r;
}

/* Says what went wrong where the embedder wants it: stderr for the mock command, the status
 * line for the console's demo, whose screen stderr would scroll. */
void
mock_complain(struct mock *m, const char *fmt, ...)
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
void
mock_write_log(struct mock *m, char *line)
{
    char *cause = NULL;
    /* Written and synced before the answer leaves: whoever got it finds the line. */
    if (record_append_file(m->log_path, line, 1, &cause) < 0 && !m->log_failed) {
        if (cause != NULL)
            mock_complain(m, "%s", cause);
        else
            mock_complain(m, "cannot write the log %s", m->log_path);
        m->log_failed = 1;
    }
    free(cause);
    free(line);
}

/* Every request of the webhook server: a REST path goes to the conversation API, anything
 * else to the webhook's judge (which answers 404 off its one path). */
static void
on_request(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct mock *m = arg;

    m->requests++;
    m->seq++;
    const char *rest = mock_rest_path(req->path);
    if (rest != NULL)
        mock_rest(m, req, rest, resp);
    else
        mock_judge(m, req, resp);
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
    m->delay_id = o->delay_id ? xstrdup(o->delay_id) : NULL;
    m->delay_id_ms = o->delay_id_ms;
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
    if (o->script != NULL && mock_script_load(m, o->script, cause) != 0) {
        mock_free(m);
        return NULL;
    }

    /* It stands in for Jelou, which takes as many connections as a batch keeps in flight
     * (send --parallel up to SETTINGS_MAX_PARALLEL), all from one address: the listener's
     * per-address limit would make such a batch hang. */
    struct httpd_opts ho = {
        .addr = o->addr,
        .port = o->port,
        .max_conns = MOCK_MAX_CONNECTIONS,
        .max_per_ip = MOCK_MAX_CONNECTIONS,
    };
    m->httpd = httpd_new(l, &ho, on_request, m, cause);
    if (m->httpd == NULL || (o->media_dir != NULL && mock_media_start(m, o, cause) != 0)) {
        mock_free(m);
        return NULL;
    }
    mock_script_start(m);
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


void
mock_free(struct mock *m)
{
    if (m == NULL)
        return;
    httpd_free(m->httpd);
    mock_media_stop(m);
    mock_integration_free(m->integration);
    /* The secret should not linger in freed memory. */
    if (m->secret != NULL) {
        explicit_bzero(m->secret, strlen(m->secret));
        free(m->secret);
    }
    free(m->log_path);
    mock_script_free(m);
    mock_emit_stop(m);
    mock_convs_free(m);
    if (m->api_key != NULL) {
        explicit_bzero(m->api_key, strlen(m->api_key));
        free(m->api_key);
    }
    free(m->addr);
    free(m->project);
    free(m->retry_after);
    free(m->delay_id);
    free(m->emit_to);
    free(m);
}
