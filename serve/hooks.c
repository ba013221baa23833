/* The team server's webhook: verified bodies into Redis, else the spool, replayed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/clock.h"
#include "jelou/event.h"
#include "jelou/httpd.h"
#include "jelou/inbound.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/settings.h"
#include "jelou/xalloc.h"

#include "serve.h"

/* ---- the local spool: webhooks taken while Redis is down ------------------------------ */

static int
spool_write(struct serve *s, const struct httpd_request *req, char **cause)
{
    struct record *r = record_new();
    record_int(r, "time", clock_wall_ms());
    record_strn(r, "body", req->body, req->body_len);
    char *line = record_finish(r);
    int rc = record_append_file(s->spool, line, 1, cause);
    free(line);
    return rc;
}

/* ---- webhook ------------------------------------------------------------------------ */

struct hook {
    struct serve *s;
    struct httpd_call *call;  /* NULL during a replay */
    char *body;
    size_t len;
};

static void replay_done(struct serve *s, int ok);

static void
hook_free(struct hook *h)
{
    free(h->body);
    free(h);
}

static void
on_hook_stored(void *arg, const struct redis_reply *r)
{
    struct hook *h = arg;
    struct serve *s = h->s;
    int ok = r != NULL && r->type != RR_ERR;
    if (h->call == NULL) {
        replay_done(s, ok);
        hook_free(h);
        return;
    }
    if (!ok) {
        /* The command may or may not have run: the spool's replay is deduped. */
        struct httpd_request req = {.body = h->body, .body_len = h->len};
        char *cause = NULL;
        if (spool_write(s, &req, &cause) != 0) {
            serve_say("cannot spool a webhook (answering 500 so that Jelou retries): %s",
                      cause);
            free(cause);
            serve_finish_error(h->call, 500, "cannot store the event", NULL);
        } else {
            serve_finish_json(h->call, 200, xstrdup("{\"ok\":true,\"spooled\":true}"));
        }
    } else {
        serve_finish_json(h->call, 200,
                          xstrdup(r->type == RR_NIL ? "{\"ok\":true,\"duplicate\":true}"
                                                    : "{\"ok\":true}"));
    }
    hook_free(h);
}

/* Sends one verified webhook body to Redis (jc_webhook). Returns 0 or -1 (Redis down). */
static int
hook_store(struct serve *s, struct hook *h)
{
    struct event *ev = NULL;
    char *cause = NULL;
    char *key = NULL;
    const char *kind = "unreadable", *room = "", *user = "", *bot = "", *uname = "";
    if (event_parse(h->body, h->len, &ev, &cause) == 0) {
        key = inbound_event_key(ev);
        kind = ev->name ? ev->name : "unknown";
        room = ev->room ? ev->room : "";
        user = ev->user ? ev->user : "";
        bot = ev->bot ? ev->bot : "";
        uname = ev->user_name ? ev->user_name : "";
    }
    free(cause);
    /* The key may hold newlines (inbound's form): Redis keys take any bytes. */
    const char *argv[] = {"FCALL", "jc_webhook", "0", key ? key : "", kind, room, user, bot,
                          uname, h->body};
    size_t lens[10];
    for (int i = 0; i < 9; i++)
        lens[i] = strlen(argv[i]);
    lens[9] = h->len;
    int rc = redis_command(s->redis, on_hook_stored, h, 10, argv, lens);
    free(key);
    event_free(ev);
    return rc;
}

void
serve_webhook(struct serve *s, const struct httpd_request *req, struct httpd_response *resp)
{
    if (strcmp(req->method, "POST") != 0) {
        serve_error_answer(resp, 405, "method not allowed", NULL);
        resp->headers = xstrdup("Allow: POST\r\n");
        return;
    }
    const char *refused = inbound_verify(s->st->secret, s->st->inbound_token, req);
    if (refused != NULL) {
        serve_error_answer(resp, 401, refused, NULL);
        return;
    }
    struct hook *h = xcalloc(1, sizeof *h);
    h->s = s;
    h->call = req->call;
    h->body = xstrndup(req->body, req->body_len);
    h->len = req->body_len;
    if (hook_store(s, h) == 0) {
        resp->defer = 1;
        return;
    }
    hook_free(h);
    char *cause = NULL;
    if (spool_write(s, req, &cause) != 0) {
        serve_say("cannot spool a webhook (answering 500 so that Jelou retries): %s", cause);
        free(cause);
        serve_error_answer(resp, 500, "cannot store the event", NULL);
        return;
    }
    serve_json_answer(resp, 200, xstrdup("{\"ok\":true,\"spooled\":true}"));
}

static int
replay_line(void *arg, const char *line, size_t len)
{
    struct serve *s = arg;
    char *cause = NULL;
    struct record_view *v = record_parse(line, len, &cause);
    free(cause);
    const char *body = v ? record_get_str(v, "body") : NULL;
    if (body == NULL) {
        record_view_free(v);
        return -1;
    }
    struct hook *h = xcalloc(1, sizeof *h);
    h->s = s;
    h->body = xstrdup(body);
    h->len = strlen(body);
    record_view_free(v);
    s->replay_left++;
    if (hook_store(s, h) != 0) {
        s->replay_left--;
        s->replay_failed = 1;
        hook_free(h);
    }
    return 0;
}

static void
replay_done(struct serve *s, int ok)
{
    if (!ok)
        s->replay_failed = 1;
    if (--s->replay_left > 0)
        return;
    s->replay_busy = 0;
    /* Kept until every line was taken: a replay cut short runs again, deduped. */
    if (!s->replay_failed) {
        unlink(s->replaying);
        serve_say("replayed the spool into Redis");
    }
}

void
serve_replay_spool(struct serve *s)
{
    struct stat st;
    if (s->replay_busy || !redis_up(s->redis))
        return;
    if (stat(s->replaying, &st) != 0) {
        if (stat(s->spool, &st) != 0 || st.st_size == 0)
            return;
        /* New webhooks spool into a fresh file while this one is replayed. */
        if (rename(s->spool, s->replaying) != 0)
            return;
    }
    s->replay_busy = 1;
    s->replay_failed = 0;
    s->replay_left = 1;
    size_t skipped = 0;
    char *cause = NULL;
    if (record_each_line(s->replaying, replay_line, s, &skipped, &cause) != 0) {
        serve_say("cannot read the spool: %s", cause);
        free(cause);
        s->replay_failed = 1;
    }
    replay_done(s, 1);
}
