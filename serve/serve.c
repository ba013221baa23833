/* The team server's engine: start, the loop glue (Redis state, tick) and stop. */
#include "jelou/serve.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/httpd.h"
#include "jelou/idmap.h"
#include "jelou/loop.h"
#include "jelou/outbox.h"
#include "jelou/redis.h"
#include "jelou/settings.h"
#include "jelou/sign.h"
#include "jelou/team.h"
#include "jelou/transport.h"
#include "jelou/xalloc.h"

#include "serve.h"

static volatile sig_atomic_t stopping;

/* Operational lines go to stderr, one per line; never a secret or a token. */
void
serve_say(const char *fmt, ...)
{
    va_list ap;
    fputs("serve: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* A copy of s, or NULL for NULL. */
char *
serve_dup(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

/* ---- the loop ----------------------------------------------------------------------- */

static void
on_redis_state(void *arg, int up, const char *why)
{
    struct serve *s = arg;
    if (up) {
        serve_say("Redis is up");
        /* The consumer group exists once; BUSYGROUP afterwards is fine. */
        const char *argv[] = {"XGROUP", "CREATE", TEAM_OUTBOX, TEAM_GROUP, "0", "MKSTREAM"};
        redis_command(s->redis, NULL, NULL, 6, argv, NULL);
        serve_tokens_refresh(s);
    } else {
        serve_say("Redis is down: %s", why ? why : "no answer");
        s->lease = 0;
    }
}

static void
tick(void *arg)
{
    struct serve *s = arg;
    loop_after(s->loop, SERVE_TICK_MS, tick, s);
    serve_events_tick(s);
    if (!redis_up(s->redis))
        return;
    serve_tokens_refresh(s);
    serve_lease_renew(s);
    serve_replay_spool(s);
}

static void
on_stop(void *arg, int signo)
{
    (void)arg;
    (void)signo;
    stopping = 1;
}

/* The loop's own work: new sends, then one fsync for the turn, then the one wait. */
int
serve_run(const struct serve_opts *o, char **cause)
{
    struct serve *s = xcalloc(1, sizeof *s);
    int rc = -1;
    s->st = o->st;
    s->spool = xstrdup(o->spool);
    s->replaying = xasprintf("%s.replaying", s->spool);
    char *uuid = sign_uuid4();
    snprintf(s->instance, sizeof s->instance, "%s", uuid ? uuid : "instance");
    free(uuid);
    s->inflight = idmap_new();
    s->loop = loop_new();
    struct transport_opts to = {
        .cacert = s->st->cacert,
        .connect_timeout_ms = s->st->connect_timeout_ms,
        .timeout_ms = s->st->timeout_ms,
        .max_attempts = s->st->attempts,
        .backoff_ms = 500,
        .backoff_max_ms = 8000,
    };
    s->t = transport_new(&to, cause);
    if (s->t == NULL)
        goto out;
    transport_attach(s->t, s->loop);
    struct outbox_opts oo = {
        .endpoint = s->st->endpoint,
        .secret = s->st->secret,
        .max_attempts = s->st->attempts,
        .parallel = SETTINGS_DEFAULT_PARALLEL,
    };
    s->ob = outbox_new(s->t, &oo, serve_on_outbox_change, s);
    struct redis_opts ro = {.url = o->redis_url, .functions = team_functions,
                            .on_state = on_redis_state, .arg = s};
    s->redis = redis_new(s->loop, &ro, cause);
    if (s->redis == NULL)
        goto out;
    struct httpd_opts ho = {.addr = o->addr, .port = o->port, .tls_cert_pem = o->tls_cert_pem,
                            .tls_key_pem = o->tls_key_pem, .timeout_s = 60};
    s->httpd = httpd_new(s->loop, &ho, serve_on_http, s, cause);
    if (s->httpd == NULL) {
        rc = -2;
        goto out;
    }
    loop_on_signal(s->loop, SIGTERM, on_stop, s);
    loop_on_signal(s->loop, SIGINT, on_stop, s);
    signal(SIGPIPE, SIG_IGN);
    printf("serve: listening on %s://%s%s%s:%u\n", o->tls_cert_pem ? "https" : "http",
           strchr(o->addr, ':') ? "[" : "", o->addr, strchr(o->addr, ':') ? "]" : "",
           httpd_port(s->httpd));
    fflush(stdout);
    serve_say("instance %s", s->instance);
    loop_after(s->loop, SERVE_POLL_MS, serve_poll_events, s);
    loop_after(s->loop, 0, tick, s);

    char *why = NULL;
    while (!stopping) {
        serve_pump_outbox(s);
        if (outbox_flush(s->ob, &why) != 0) {
            serve_say("%s", why);
            free(why);
            why = NULL;
        }
        loop_run_once(s->loop, 200);
    }
    serve_lease_release(s);
    rc = 0;
out:
    /* Redis first: its pending callbacks still answer their deferred requests. */
    redis_free(s->redis);
    httpd_free(s->httpd);
    outbox_free(s->ob);
    transport_free(s->t);
    loop_free(s->loop);
    /* In flight or waiting to report: still pending in the group, taken over later. */
    while (s->jobs != NULL)
        serve_job_free(s->jobs);
    idmap_free(s->inflight);
    serve_tokens_free(s->tokens);
    free(s->spool);
    free(s->replaying);
    free(s);
    return rc;
}
