/* The team server's rooms: the /v1/rooms snapshot and the room operations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/httpd.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/rest.h"
#include "jelou/settings.h"
#include "jelou/xalloc.h"

#include "serve.h"

/* ---- rooms -------------------------------------------------------------------------- */

static void
on_rooms(void *arg, const struct redis_reply *r)
{
    struct httpd_call *call = arg;
    const char *id = serve_str(redis_elem(r, 0));
    const struct redis_reply *rooms = redis_elem(r, 1);
    if (id == NULL || rooms == NULL) {
        serve_finish_error(call, 503, r && r->type == RR_ERR ? r->str : "Redis is down", NULL);
        return;
    }
    struct buf b = {0};
    buf_appends(&b, "[");
    for (size_t i = 0; i < rooms->n; i++) {
        const struct redis_reply *row = rooms->elem[i];
        const struct redis_reply *h = redis_elem(row, 1), *log = redis_elem(row, 2);
        struct record *rec = record_new();
        record_str(rec, "room", serve_str(redis_elem(row, 0)));
        const char *fields[] = {"status", "assignee", "user", "user_name", "bot",
                                "waiting_since", "snooze_until"};
        for (size_t k = 0; k < sizeof fields / sizeof *fields; k++)
            record_str(rec, fields[k], serve_hash_get(h, fields[k]));
        struct buf lb = {0};
        buf_appends(&lb, "[");
        /* The log is newest first: oldest first reads like a conversation. */
        for (size_t k = log ? log->n : 0; k > 0; k--) {
            if (lb.len > 1)
                buf_appends(&lb, ",");
            buf_appends(&lb, serve_str(log->elem[k - 1]) ? serve_str(log->elem[k - 1]) : "null");
        }
        buf_appends(&lb, "]");
        record_raw(rec, "last", lb.data);
        buf_free(&lb);
        char *one = record_finish(rec);
        if (i > 0)
            buf_appends(&b, ",");
        buf_appends(&b, one);
        free(one);
    }
    buf_appends(&b, "]");
    struct record *out = record_new();
    record_str(out, "as_of", id);
    record_raw(out, "rooms", b.data);
    buf_free(&b);
    serve_finish_json(call, 200, record_finish(out));
}

void
serve_rooms_get(struct serve *s, const struct httpd_request *req,
                struct httpd_response *resp)
{
    const char *argv[] = {"FCALL", "jc_rooms", "0"};
    if (redis_command(s->redis, on_rooms, req->call, 3, argv, NULL) == 0)
        resp->defer = 1;
    else
        serve_error_answer(resp, 503, "Redis is down", NULL);
}

/* ---- room operations ---------------------------------------------------------------- */

static void
on_room_op(void *arg, const struct redis_reply *r)
{
    struct httpd_call *call = arg;
    const char *what = serve_str(redis_elem(r, 0));
    const char *x = serve_str(redis_elem(r, 1));
    if (what == NULL) {
        serve_finish_error(call, 503, r && r->type == RR_ERR ? r->str : "Redis is down", NULL);
        return;
    }
    if (strcmp(what, "unknown") == 0) {
        char *why = xasprintf("no agent named '%s'", x ? x : "");
        serve_finish_error(call, 422, why, "to");
        free(why);
        return;
    }
    struct record *rec = record_new();
    if (strcmp(what, "conflict") == 0) {
        record_str(rec, "error", x && x[0] ? "the room is assigned to another agent"
                                           : "the room is not assigned as expected");
        record_str(rec, "assignee", x);
        serve_finish_json(call, 409, record_finish(rec));
        return;
    }
    record_bool(rec, "ok", 1);
    record_str(rec, "event", x);
    serve_finish_json(call, 200, record_finish(rec));
}

/* A close that Jelou must hear about first: the room's user and bot come from Redis. */
struct closing {
    struct serve *s;
    struct httpd_call *call;
    char *agent;
    char *room;
};

static void
closing_free(struct closing *c)
{
    free(c->agent);
    free(c->room);
    free(c);
}

static void
on_jelou_closed(void *arg, const struct rest_result *r)
{
    struct closing *c = arg;
    if (!r->ok) {
        char *why = xasprintf("Jelou did not close the conversation: %s",
                              r->error ? r->error : "refused");
        serve_finish_error(c->call, 502, why, NULL);
        free(why);
        closing_free(c);
        return;
    }
    const char *argv[] = {"FCALL", "jc_room", "0", "close", c->room, c->agent, "", ""};
    if (redis_command(c->s->redis, on_room_op, c->call, 8, argv, NULL) != 0)
        serve_finish_error(c->call, 503, "Jelou closed the conversation, but Redis is down", NULL);
    closing_free(c);
}

static void
on_close_room_read(void *arg, const struct redis_reply *r)
{
    struct closing *c = arg;
    struct serve *s = c->s;
    const char *user = serve_hash_get(r, "user"), *bot = serve_hash_get(r, "bot");
    if (r == NULL || r->type != RR_ARR) {
        serve_finish_error(c->call, 503, "Redis is down", NULL);
        closing_free(c);
        return;
    }
    if (user == NULL) {
        serve_finish_error(c->call, 422, "unknown room (no event from its user yet)", "room");
        closing_free(c);
        return;
    }
    char *base = rest_base_url(s->st->rest_base, s->st->project);
    char *cause = NULL;
    if (rest_close(s->t, base, s->st->api_key, bot ? bot : s->st->bot, user, NULL,
                   on_jelou_closed, c, &cause) != 0) {
        serve_finish_error(c->call, 502, cause, NULL);
        free(cause);
        closing_free(c);
    }
    free(base);
}

void
serve_room_post(struct serve *s, const struct httpd_request *req,
                struct httpd_response *resp, const char *agent, const char *room,
                const char *op)
{
    static const char *const ops[] = {"claim", "release", "close", "note", "status",
                                      "typing", "assign"};
    size_t k;
    for (k = 0; k < sizeof ops / sizeof *ops; k++)
        if (strcmp(op, ops[k]) == 0)
            break;
    if (k == sizeof ops / sizeof *ops) {
        serve_error_answer(resp, 404, "no such room operation", NULL);
        return;
    }
    struct record_view *v = NULL;
    char *cause = NULL;
    if (req->body_len > 0 && (v = record_parse(req->body, req->body_len, &cause)) == NULL) {
        serve_error_answer(resp, 422, cause ? cause : "not a JSON object", "body");
        free(cause);
        return;
    }
    const char *x = "", *expect = "";
    const char *need = strcmp(op, "note") == 0 ? "text"
                     : strcmp(op, "status") == 0 ? "status"
                     : strcmp(op, "assign") == 0 ? "to" : NULL;
    if (need != NULL) {
        x = v ? record_get_str(v, need) : NULL;
        if (x == NULL || x[0] == '\0') {
            char *why = xasprintf("%s needs \"%s\"", op, need);
            serve_error_answer(resp, 422, why, need);
            free(why);
            record_view_free(v);
            return;
        }
    }
    /* A status the consoles do not know would sit in no view: refused here, once. */
    char until[32] = "";
    if (strcmp(op, "status") == 0) {
        static const char *const known[] = {"open", "pending", "snoozed", "resolved", "closed"};
        size_t i;
        for (i = 0; i < sizeof known / sizeof *known && strcmp(x, known[i]) != 0; i++)
            ;
        if (i == sizeof known / sizeof *known) {
            serve_error_answer(resp, 422, "status is one of open, pending, snoozed, resolved, "
                               "closed", "status");
            record_view_free(v);
            return;
        }
        long long ms;
        if (strcmp(x, "snoozed") == 0) {
            if (record_get_int(v, "until", &ms) != 0 || ms <= 0) {
                serve_error_answer(resp, 422, "snoozed needs \"until\" (Unix ms)", "until");
                record_view_free(v);
                return;
            }
            snprintf(until, sizeof until, "%lld", ms);
        }
    }
    if (strcmp(op, "assign") == 0) {
        expect = v ? record_get_str(v, "expect") : NULL;
        if (expect == NULL) {
            serve_error_answer(resp, 422,
                               "assign needs \"expect\" (the current assignee, or \"\")",
                               "expect");
            record_view_free(v);
            return;
        }
    }
    /* With the API key, a close is Jelou's first: the room closes once Jelou said so. */
    if (strcmp(op, "close") == 0 && s->st->api_key != NULL) {
        struct closing *c = xcalloc(1, sizeof *c);
        *c = (struct closing){s, req->call, xstrdup(agent), xstrdup(room)};
        char *rk = xasprintf("jc:room:%s", room);
        const char *hargv[] = {"HGETALL", rk};
        if (redis_command(s->redis, on_close_room_read, c, 2, hargv, NULL) == 0) {
            resp->defer = 1;
        } else {
            serve_error_answer(resp, 503, "Redis is down", NULL);
            closing_free(c);
        }
        free(rk);
        record_view_free(v);
        return;
    }
    const char *argv[] = {"FCALL", "jc_room", "0", op, room, agent, x, expect, until};
    if (redis_command(s->redis, on_room_op, req->call, 9, argv, NULL) == 0)
        resp->defer = 1;
    else
        serve_error_answer(resp, 503, "Redis is down", NULL);
    record_view_free(v);
}
