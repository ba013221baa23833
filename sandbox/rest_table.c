/* The sandbox's REST conversation API: start, close and get on a small conversation table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jelou/cause.h"
#include "jelou/clock.h"
#include "jelou/httpd.h"
#include "jelou/mock.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/xalloc.h"
#include "integration.h"
#include "sandbox.h"

/* Conversations remembered for get; the oldest goes first. */
#define MOCK_MAX_CONVS 256

/* What Jelou does around a conversation, so that the console's REST client and its listener
 * can be tried offline. */

static const char *
user_name_of(const struct mock *m, const char *user)
{
    /* The newest conversation knows the newest name. */
    for (size_t i = m->nconvs; i-- > 0;) {
        if (strcmp(m->convs[i].user, user) == 0 && m->convs[i].user_name != NULL)
            return m->convs[i].user_name;
    }
    return NULL;
}

static const char *
room_of(const struct mock *m, const char *user)
{
    for (size_t i = m->nconvs; i-- > 0;) {
        if (strcmp(m->convs[i].user, user) == 0)
            return m->convs[i].room;
    }
    return NULL;
}

struct conv *
mock_conv_active(struct mock *m, const char *user, const char *bot)
{
    for (size_t i = m->nconvs; i-- > 0;) {
        struct conv *c = &m->convs[i];
        if (c->active && strcmp(c->user, user) == 0 && (bot == NULL || strcmp(c->bot, bot) == 0))
            return c;
    }
    return NULL;
}

static struct conv *
conv_by_id(struct mock *m, const char *id)
{
    for (size_t i = 0; i < m->nconvs; i++) {
        if (strcmp(m->convs[i].id, id) == 0)
            return &m->convs[i];
    }
    return NULL;
}

static void
conv_clear(struct conv *c)
{
    free(c->id);
    free(c->room);
    free(c->user);
    free(c->user_name);
    free(c->bot);
    free(c->reason);
}

/* A new active conversation. The table is small: past MOCK_MAX_CONVS the oldest goes. */
struct conv *
mock_conv_new(struct mock *m, const char *user, const char *bot, const char *room,
              const char *name)
{
    unsigned char b[12];
    char id[25];

    if (m->nconvs == MOCK_MAX_CONVS) {
        conv_clear(&m->convs[0]);
        memmove(&m->convs[0], &m->convs[1], (m->nconvs - 1) * sizeof m->convs[0]);
        m->nconvs--;
    }
    if (m->nconvs == m->capconvs) {
        m->capconvs = m->capconvs ? m->capconvs * 2 : 8;
        m->convs = xrealloc(m->convs, m->capconvs * sizeof m->convs[0]);
    }
    /* Shaped like Jelou's ids (24 hex digits); a failed draw still gives distinct ids. */
    if (sign_random(b, sizeof b) != 0)
        memset(b, 0, sizeof b);
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(id + 2 * i, 3, "%02x", b[i]);
    if (b[0] == 0 && b[11] == 0)
        snprintf(id, sizeof id, "%024lu", m->seq);

    const char *known_room = room != NULL ? room : room_of(m, user);
    const char *known_name = name != NULL ? name : user_name_of(m, user);
    struct conv *c = &m->convs[m->nconvs++];
    memset(c, 0, sizeof *c);
    c->id = xstrdup(id);
    c->room = known_room ? xstrdup(known_room) : xasprintf("room-%s", user);
    c->user = xstrdup(user);
    c->user_name = known_name ? xstrdup(known_name) : NULL;
    c->bot = xstrdup(bot);
    c->active = 1;
    c->start_ms = clock_wall_ms();
    return c;
}

void
mock_conv_close(struct conv *c, const char *reason)
{
    c->active = 0;
    c->end_ms = clock_wall_ms();
    xstrset(&c->reason, reason);
}

static void
record_iso(struct record *r, const char *key, long long ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    char text[40];

    if (ms == 0 || gmtime_r(&secs, &tm) == NULL) {
        record_str(r, key, NULL);
        return;
    }
    size_t n = strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(text + n, sizeof text - n, ".%03lldZ", ms % 1000);
    record_str(r, key, text);
}

/* "data" of an answer, as in jelou-api.md section 4. */
static char *
conv_json(const struct conv *c)
{
    struct record *r = record_new();
    record_str(r, "_id", c->id);
    record_str(r, "roomId", c->room);
    record_str(r, "state", c->active ? "active" : "closed");
    record_iso(r, "startAt", c->start_ms);
    record_iso(r, "endAt", c->active ? 0 : c->end_ms);
    record_str(r, "endedReason", c->active ? NULL : c->reason);
    struct record *u = record_new();
    record_str(u, "id", c->user);
    record_str(u, "names", c->user_name);
    record_str(u, "referenceId", c->user);
    char *json = record_finish(u);
    record_raw(r, "User", json);
    free(json);
    struct record *b = record_new();
    record_str(b, "id", c->bot);
    json = record_finish(b);
    record_raw(r, "Bot", json);
    free(json);
    return record_finish(r);
}

static char *
rest_success(const char *message, const struct conv *c)
{
    struct record *msg = record_new();
    record_str(msg, "m", message);
    char *one = record_finish(msg);
    /* one is {"m":"..."}: the array holds the same escaped string. */
    char *array = xasprintf("[%.*s]", (int)(strlen(one) - 6), one + 5);
    free(one);
    struct record *r = record_new();
    record_raw(r, "message", array);
    record_str(r, "statusMessage", "success");
    record_int(r, "status", 1);
    char *data = conv_json(c);
    record_raw(r, "data", data);
    free(data);
    free(array);
    return record_finish(r);
}

static char *
rest_error(int status, const char *description)
{
    const char *message, *code, *key;
    switch (status) {
    case 401:
        message = "Unauthorized", code = "UNAUTHORIZED", key = "unauthorized";
        break;
    case 404:
        message = "Not Found", code = "NOT_FOUND", key = "not_found";
        break;
    case 405:
        message = "Method Not Allowed", code = "METHOD_NOT_ALLOWED", key = "method_not_allowed";
        break;
    case 409:
        message = "Conflict", code = "CONFLICT", key = "conflict";
        break;
    default:
        message = "Unprocessable Entity", code = "VALIDATION_ERROR", key = "validation_error";
        break;
    }
    struct record *e = record_new();
    record_str(e, "code", code);
    record_str(e, "key", key);
    record_str(e, "description", description);
    char *err = record_finish(e);
    struct record *r = record_new();
    record_str(r, "message", message);
    record_str(r, "statusMessage", "error");
    record_int(r, "status", status);
    record_raw(r, "error", err);
    free(err);
    return record_finish(r);
}

/* What one REST request came to; becomes the answer and the log line. */
struct rest_verdict {
    int status;
    const char *action;
    const char *api_key;       /* "ok", "wrong", "missing", "not_configured" */
    char *reason;              /* owned: the error's description */
    char *body;                /* owned: the answer */
    const char *conversation;  /* the conversation concerned, when there is one */
};

static void
rest_refuse(struct rest_verdict *v, int status, char *description)
{
    v->status = status;
    v->reason = description;
    v->body = rest_error(status, description);
}

/* A body field that must be a non-empty string; refuses with 422 otherwise. */
static const char *
need_field(struct rest_verdict *v, const struct record_view *body, const char *key)
{
    const char *s = record_get_str(body, key);
    if (s == NULL || s[0] == '\0') {
        rest_refuse(v, 422, xasprintf("%s is required", key));
        return NULL;
    }
    return s;
}

static void
rest_start_close(struct mock *m, const struct httpd_request *req, struct rest_verdict *v,
                 int start)
{
    struct record_view *body = record_parse(req->body, req->body_len, NULL);
    const char *bot, *user;

    if (body == NULL) {
        rest_refuse(v, 422, xstrdup("the body is not a JSON object"));
        return;
    }
    if ((bot = need_field(v, body, "botId")) == NULL ||
        (user = need_field(v, body, "userId")) == NULL) {
        record_view_free(body);
        return;
    }
    struct conv *c = mock_conv_active(m, user, bot);
    if (start) {
        if (c != NULL) {
            /* Jelou does not say; answering with the running one keeps the demo going. */
            v->status = 200;
            v->body = rest_success("Conversation already active", c);
        } else {
            c = mock_conv_new(m, user, bot, NULL, NULL);
            v->status = 200;
            v->body = rest_success("Conversation started", c);
            mock_emit_conv(m, c, EV_CONV_START, NULL);
        }
    } else {
        /* Jelou knows conversations the sandbox never saw start (the bot handed the user
         * over, events came from elsewhere): closing one of those is taken as it would be. */
        if (c == NULL)
            c = mock_conv_new(m, user, bot, NULL, NULL);
        mock_conv_close(c, "closed_by_operator");
        v->status = 200;
        v->body = rest_success("Conversation closed", c);
        mock_emit_conv(m, c, EV_CONV_CLOSE, record_get_sub_str(body, "redirectPayload", "text"));
    }
    if (c != NULL)
        v->conversation = c->id;
    record_view_free(body);
}

/* Routes a path under a REST prefix: "{project}/conversations/{what}". The one place REST
 * paths are dispatched: a new endpoint is routed here, after the key and project checks. */
static void
rest_judge(struct mock *m, const struct httpd_request *req, const char *rest,
           struct rest_verdict *v)
{
    const char *slash = strchr(rest, '/');
    const char *conv = "/conversations/";
    const char *what = slash ? slash + strlen(conv) : NULL;

    int base = slash == NULL && *rest != '\0'; /* the integration, on the base itself */
    if (!base && (slash == NULL || slash == rest || strncmp(slash, conv, strlen(conv)) != 0 ||
                  *what == '\0' || strchr(what, '/') != NULL)) {
        rest_refuse(v, 404, xstrdup("no such endpoint"));
        return;
    }
    int start = !base && strcmp(what, "start") == 0, close = !base && strcmp(what, "close") == 0;
    v->action = base ? "integration" : start ? "start" : close ? "close" : "get";
    if (!base && strcmp(req->method, start || close ? "POST" : "GET") != 0) {
        rest_refuse(v, 405, xasprintf("%s wants %s", v->action, start || close ? "POST"
                                                                               : "GET"));
        return;
    }
    const char *key = httpd_header(req, "x-api-key");
    if (m->api_key == NULL) {
        v->api_key = "not_configured";
        rest_refuse(v, 401, xstrdup("the sandbox has no API key (start it with "
                                    "--api-key-file or JELOU_API_KEY)"));
        return;
    }
    if (key == NULL) {
        v->api_key = "missing";
        rest_refuse(v, 401, xstrdup("missing api key"));
        return;
    }
    if (!sign_equal(key, m->api_key)) {
        v->api_key = "wrong";
        rest_refuse(v, 401, xstrdup("invalid api key"));
        return;
    }
    v->api_key = "ok";
    size_t plen = base ? strlen(rest) : (size_t)(slash - rest);
    if (strlen(m->project) != plen || strncmp(rest, m->project, plen) != 0) {
        char *e = cause_excerpt(rest, plen);
        rest_refuse(v, 404, xasprintf("project %s not found", e));
        free(e);
        return;
    }
    if (base) {
        char *why = NULL;
        v->status = mock_integration_answer(m->integration, req->method, req->body,
                                            req->body_len, m->secret, &v->body, &why);
        if (v->body == NULL)
            rest_refuse(v, v->status, why);
        return;
    }
    if (start || close) {
        rest_start_close(m, req, v, start);
        return;
    }
    struct conv *c = conv_by_id(m, what);
    if (c == NULL) {
        char *e = cause_excerpt(what, strlen(what));
        rest_refuse(v, 404, xasprintf("conversation %s not found", e));
        free(e);
        return;
    }
    v->conversation = c->id;
    v->status = 200;
    v->body = rest_success("Conversation found", c);
}

const char *
mock_rest_path(const char *path)
{
    static const char *const prefixes[] = {MOCK_REST_PATH, MOCK_REST_PATH_OLD};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(path, prefixes[i], n) == 0)
            return path + n;
    }
    return NULL;
}

void
mock_rest(struct mock *m, const struct httpd_request *req, const char *rest,
          struct httpd_response *resp)
{
    struct rest_verdict v = {0};

    rest_judge(m, req, rest, &v);
    struct record *r = mock_log_request(m, req);
    if (r != NULL) {
        record_str(r, "api_key", v.api_key);
        record_int(r, "status", v.status);
        record_str(r, "verdict", "rest");
        record_str(r, "action", v.action);
        record_str(r, "reason", v.reason);
        record_str(r, "conversation", v.conversation);
        record_strn(r, "body", req->body, req->body_len);
        mock_write_log(m, record_finish(r));
    }
    resp->status = v.status;
    resp->body = v.body;
    resp->body_len = strlen(v.body);
    resp->content_type = "application/json";
    resp->delay_ms = m->delay_ms;
    free(v.reason);
}

void
mock_convs_free(struct mock *m)
{
    for (size_t i = 0; i < m->nconvs; i++)
        conv_clear(&m->convs[i]);
    free(m->convs);
    m->convs = NULL;
    m->nconvs = m->capconvs = 0;
}
