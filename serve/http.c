/* The team server's HTTP side: answers, the agents' tokens and the router. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/httpd.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/settings.h"
#include "jelou/sign.h"
#include "jelou/team.h"
#include "jelou/xalloc.h"

#include "serve.h"

/* ---- answers ---------------------------------------------------------------------- */

void
serve_json_answer(struct httpd_response *resp, int status, char *body)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = body;
    resp->body_len = strlen(body);
}

void
serve_error_answer(struct httpd_response *resp, int status, const char *error,
                   const char *field)
{
    struct record *r = record_new();
    record_str(r, "error", error);
    if (field != NULL)
        record_str(r, "field", field);
    serve_json_answer(resp, status, record_finish(r));
    if (status == 401)
        resp->headers = xstrdup("WWW-Authenticate: Bearer\r\n");
}

void
serve_finish_error(struct httpd_call *call, int status, const char *error,
                   const char *field)
{
    struct httpd_response resp = {0};
    serve_error_answer(&resp, status, error, field);
    httpd_finish(call, &resp);
}

void
serve_finish_json(struct httpd_call *call, int status, char *body)
{
    struct httpd_response resp = {0};
    serve_json_answer(&resp, status, body);
    httpd_finish(call, &resp);
}

const char *
serve_str(const struct redis_reply *r)
{
    return r != NULL && r->type == RR_STR ? r->str : NULL;
}

/* A hash reply's value for field, or NULL. */
const char *
serve_hash_get(const struct redis_reply *h, const char *field)
{
    for (size_t i = 0; h != NULL && h->type == RR_ARR && i + 1 < h->n; i += 2) {
        const char *k = serve_str(h->elem[i]);
        if (k != NULL && strcmp(k, field) == 0)
            return serve_str(h->elem[i + 1]);
    }
    return NULL;
}

/* ---- agents ------------------------------------------------------------------------- */

void
serve_tokens_free(struct redis_reply *t)
{
    for (size_t i = 0; t != NULL && i < t->n; i++) {
        free(t->elem[i]->str);
        free(t->elem[i]);
    }
    if (t != NULL)
        free(t->elem);
    free(t);
}

static void
on_tokens(void *arg, const struct redis_reply *r)
{
    struct serve *s = arg;
    s->tokens_busy = 0;
    if (r == NULL || r->type != RR_ARR)
        return;
    /* The reply is only valid during the call: keep a copy of the names. */
    struct redis_reply *copy = xcalloc(1, sizeof *copy);
    copy->type = RR_ARR;
    copy->n = r->n;
    copy->elem = xcalloc(r->n ? r->n : 1, sizeof *copy->elem);
    for (size_t i = 0; i < r->n; i++) {
        struct redis_reply *e = xcalloc(1, sizeof *e);
        e->type = RR_STR;
        e->str = xstrdup(serve_str(r->elem[i]) ? serve_str(r->elem[i]) : "");
        e->len = strlen(e->str);
        copy->elem[i] = e;
    }
    serve_tokens_free(s->tokens);
    s->tokens = copy;
    /* A revoked token's streams end now. */
    for (struct client *c = s->clients; c != NULL; c = c->next) {
        if (serve_hash_get(s->tokens, c->sha) == NULL)
            httpd_stream_end(c->call);
    }
}

/* The agent a request's bearer token belongs to, or NULL; sha gets the token's hash. */
static const char *
agent_of(struct serve *s, const struct httpd_request *req, char sha[65])
{
    const char *auth = httpd_header(req, "Authorization");
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    auth += 7;
    while (*auth == ' ')
        auth++;
    if (*auth == '\0' || sign_sha256_hex(auth, strlen(auth), sha) != 0)
        return NULL;
    return serve_hash_get(s->tokens, sha);
}

/* Asks Redis for the tokens again unless a request is on its way. */
void
serve_tokens_refresh(struct serve *s)
{
    if (s->tokens_busy)
        return;
    const char *argv[] = {"HGETALL", TEAM_TOKENS};
    if (redis_command(s->redis, on_tokens, s, 2, argv, NULL) == 0)
        s->tokens_busy = 1;
}

/* ---- the HTTP router ---------------------------------------------------------------- */

void
serve_on_http(void *arg, const struct httpd_request *req, struct httpd_response *resp)
{
    struct serve *s = arg;
    if (strcmp(req->path, s->st->webhook_path) == 0) {
        serve_webhook(s, req, resp);
        return;
    }
    if (strcmp(req->path, "/v1/healthz") == 0) {
        int up = redis_up(s->redis);
        serve_json_answer(resp, up ? 200 : 503,
                          xstrdup(up ? "{\"ok\":true,\"redis\":\"up\"}"
                                     : "{\"ok\":false,\"redis\":\"down\"}"));
        return;
    }
    if (strncmp(req->path, "/v1/", 4) != 0) {
        serve_error_answer(resp, 404, "not found", NULL);
        return;
    }
    char sha[65];
    const char *agent = agent_of(s, req, sha);
    if (agent == NULL) {
        serve_error_answer(resp, 401, "a valid Authorization: Bearer token is required",
                           NULL);
        return;
    }
    int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;
    /* Who the token is needs only the token cache: it answers while Redis is down too. */
    if (get && strcmp(req->path, "/v1/me") == 0) {
        struct record *r = record_new();
        record_str(r, "agent", agent);
        serve_json_answer(resp, 200, record_finish(r));
        return;
    }
    if (!redis_up(s->redis)) {
        serve_error_answer(resp, 503, "Redis is down", NULL);
        return;
    }
    if (get && strcmp(req->path, "/v1/events") == 0) {
        serve_events(s, req, resp, agent, sha);
    } else if (get && strcmp(req->path, "/v1/rooms") == 0) {
        serve_rooms_get(s, req, resp);
    } else if (post && strcmp(req->path, "/v1/messages") == 0) {
        serve_message_post(s, req, resp, agent);
    } else if (post && strncmp(req->path, "/v1/rooms/", 10) == 0 &&
               strchr(req->path + 10, '/') != NULL) {
        const char *r0 = req->path + 10;
        const char *slash = strchr(r0, '/');
        char *room = xstrndup(r0, (size_t)(slash - r0));
        if (room[0] == '\0' || strchr(slash + 1, '/') != NULL)
            serve_error_answer(resp, 404, "not found", NULL);
        else
            serve_room_post(s, req, resp, agent, room, slash + 1);
        free(room);
    } else {
        serve_error_answer(resp, 404, "not found", NULL);
    }
}
