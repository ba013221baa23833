/* The team server's POST /v1/messages: checked, sealed and queued in Redis. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/httpd.h"
#include "jelou/message.h"
#include "jelou/outbox.h"
#include "jelou/probe.h"
#include "jelou/record.h"
#include "jelou/redis.h"
#include "jelou/settings.h"
#include "jelou/sign.h"
#include "jelou/url.h"
#include "jelou/xalloc.h"

#include "serve.h"

/* ---- messages ----------------------------------------------------------------------- */

struct post {
    struct serve *s;
    struct httpd_call *call;
    char *agent;
    struct message *m;
    enum msg_type want;
    char *body;               /* the sealed bytes */
    size_t len;
};

static void
post_free(struct post *p)
{
    free(p->agent);
    message_free(p->m);
    free(p->body);
    free(p);
}

/* The field a validation cause is about: the first field name it mentions. */
static const char *
field_of(const char *cause)
{
    static const char *const fields[] = {"caption", "filename", "mime", "url", "text",
                                         "type", "room", "user", "id"};
    const char *best = NULL, *at = NULL;
    for (size_t i = 0; cause != NULL && i < sizeof fields / sizeof *fields; i++) {
        const char *p = strstr(cause, fields[i]);
        if (p != NULL && (at == NULL || p < at)) {
            at = p;
            best = fields[i];
        }
    }
    return best ? best : "body";
}

static void
on_queued(void *arg, const struct redis_reply *r)
{
    struct post *p = arg;
    const char *what = serve_str(redis_elem(r, 0));
    const char *x = serve_str(redis_elem(r, 1));
    if (what == NULL) {
        serve_finish_error(p->call, 503, r && r->type == RR_ERR ? r->str : "Redis is down", NULL);
    } else if (strcmp(what, "conflict") == 0) {
        struct record *rec = record_new();
        record_str(rec, "error", "the room is assigned to another agent");
        record_str(rec, "assignee", x);
        serve_finish_json(p->call, 409, record_finish(rec));
    } else {
        struct record *rec = record_new();
        record_str(rec, "id", p->m->id);
        record_str(rec, "state", strcmp(what, "exists") == 0 ? x : "queued");
        serve_finish_json(p->call, strcmp(what, "exists") == 0 ? 200 : 202, record_finish(rec));
    }
    post_free(p);
}

static void
post_queue(struct post *p)
{
    char sig[SIGN_HEADER_LEN + 1];
    char *cause = NULL;
    if (outbox_seal(p->m, p->s->st->secret, &p->body, &p->len, sig, &cause) != 0) {
        serve_finish_error(p->call, 422, cause, field_of(cause));
        free(cause);
        post_free(p);
        return;
    }
    struct record *rec = record_new();
    record_str(rec, "id", p->m->id);
    record_str(rec, "room", p->m->room);
    record_str(rec, "agent", p->agent);
    record_str(rec, "state", "queued");
    record_raw(rec, "message", p->body);
    char *data = record_finish(rec);
    const char *argv[] = {"FCALL", "jc_send", "0", p->m->id, p->agent, p->m->room, p->body,
                          data};
    if (redis_command(p->s->redis, on_queued, p, 8, argv, NULL) != 0) {
        serve_finish_error(p->call, 503, "Redis is down", NULL);
        post_free(p);
    }
    free(data);
}

static void
on_probed(void *arg, const struct probe_result *r)
{
    struct post *p = arg;
    char *cause = NULL;
    enum msg_type type;
    if (!r->ok) {
        char *why = xasprintf("cannot detect the media type: %s", r->error ? r->error : "?");
        serve_finish_error(p->call, 422, why, "url");
        free(why);
        post_free(p);
        return;
    }
    if (probe_pick_type(r->mime, p->want, 0, &type, &cause) != 0) {
        serve_finish_error(p->call, 422, cause, "type");
        free(cause);
        post_free(p);
        return;
    }
    p->m->type = type;
    p->m->mime = xstrdup(r->mime);
    post_queue(p);
}

static void
on_room_read(void *arg, const struct redis_reply *r)
{
    struct post *p = arg;
    if (r == NULL || r->type != RR_ARR) {
        serve_finish_error(p->call, 503, "Redis is down", NULL);
        post_free(p);
        return;
    }
    const char *user = serve_hash_get(r, "user"), *bot = serve_hash_get(r, "bot");
    if (user == NULL) {
        serve_finish_error(p->call, 422, "unknown room (no event from its user yet)", "room");
        post_free(p);
        return;
    }
    p->m->user = xstrdup(user);
    p->m->bot = xstrdup(bot ? bot : p->s->st->bot ? p->s->st->bot : "");
    if (p->m->url != NULL && p->m->mime == NULL) {
        char *cause = NULL;
        if (url_check_media(p->m->url, &cause) != 0 ||
            probe_start(p->s->t, p->m->url, on_probed, p, &cause) != 0) {
            serve_finish_error(p->call, 422, cause, "url");
            free(cause);
            post_free(p);
        }
        return;
    }
    post_queue(p);
}

void
serve_message_post(struct serve *s, const struct httpd_request *req,
                struct httpd_response *resp, const char *agent)
{
    char *cause = NULL;
    struct record_view *v = record_parse(req->body, req->body_len, &cause);
    if (v == NULL) {
        serve_error_answer(resp, 422, cause ? cause : "not a JSON object", "body");
        free(cause);
        return;
    }
    const char *room = record_get_str(v, "room");
    const char *type = record_get_str(v, "type");
    const char *text = record_get_str(v, "text");
    const char *url = record_get_str(v, "url");
    enum msg_type want = type ? msg_type_parse(type) : (url ? MSG_NONE : MSG_TEXT);
    const char *bad = NULL, *why = NULL;
    if (room == NULL || room[0] == '\0')
        bad = "room", why = "\"room\" is required";
    else if (type != NULL && want == MSG_NONE)
        bad = "type", why = "\"type\" must be text, image, video, audio or document";
    else if (want == MSG_TEXT && (text == NULL || text[0] == '\0'))
        bad = "text", why = "a text message needs \"text\"";
    else if (want != MSG_TEXT && (url == NULL || url[0] == '\0'))
        bad = "url", why = "a media message needs \"url\"";
    else if (want == MSG_TEXT && url != NULL)
        bad = "url", why = "a text message takes no \"url\"";
    if (bad != NULL) {
        serve_error_answer(resp, 422, why, bad);
        record_view_free(v);
        return;
    }
    struct post *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->call = req->call;
    p->agent = xstrdup(agent);
    p->want = want;
    struct message *m = message_new();
    const char *id = record_get_str(v, "id");
    m->id = id && id[0] ? xstrdup(id) : sign_uuid4();
    m->project = serve_dup(s->st->project);
    m->room = xstrdup(room);
    m->type = want == MSG_NONE ? MSG_DOCUMENT : want;
    m->body = want == MSG_TEXT ? serve_dup(text) : NULL;
    m->url = want == MSG_TEXT ? NULL : serve_dup(url);
    m->mime = serve_dup(record_get_str(v, "mime"));
    m->mime_forced = m->mime != NULL;
    m->caption = serve_dup(record_get_str(v, "caption"));
    m->filename = serve_dup(record_get_str(v, "filename"));
    p->m = m;
    record_view_free(v);
    char *rk = xasprintf("jc:room:%s", m->room);
    const char *argv[] = {"HGETALL", rk};
    if (redis_command(s->redis, on_room_read, p, 2, argv, NULL) == 0) {
        resp->defer = 1;
    } else {
        serve_error_answer(resp, 503, "Redis is down", NULL);
        post_free(p);
    }
    free(rk);
}
