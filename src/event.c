/* What Jelou sends the console: webhook events and REST answers, parsed with cJSON. */
#include "jelou/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "jelou/cause.h"
#include "jelou/utf8.h"
#include "jelou/xalloc.h"
#include "jelou/json.h"

/* cJSON reads every number as a double, which holds every integer only below 2^53. */
#define EXACT_LIMIT 9007199254740992.0

static const char *const kind_names[] = {
    [EV_MESSAGE] = "message",
    [EV_CONV_START] = "conversation.start",
    [EV_CONV_CLOSE] = "conversation.close",
    [EV_UNKNOWN] = "unknown",
};

/* The member named key, or NULL when absent or null (Jelou may write null for "none"). A key
 * given twice is refused: parsers disagree on which copy wins, and the signature covers
 * both. */
static int
member(const cJSON *obj, const char *key, const char *path, const cJSON **out, char **cause)
{
    const cJSON *it, *found = NULL;

    *out = NULL;
    if (obj == NULL)
        return 0;
    cJSON_ArrayForEach(it, obj) {
        if (it->string == NULL || strcmp(it->string, key) != 0)
            continue;
        if (found != NULL)
            return cause_fail(cause, xasprintf("%s appears more than once", path));
        found = it;
    }
    if (found != NULL && !cJSON_IsNull(found))
        *out = found;
    return 0;
}

/* A string member, valid UTF-8, or NULL when absent. */
static int
str_at(const cJSON *obj, const char *key, const char *path, const char **out, char **cause)
{
    const cJSON *it;

    *out = NULL;
    if (member(obj, key, path, &it, cause) != 0)
        return -1;
    if (it == NULL)
        return 0;
    if (!cJSON_IsString(it) || it->valuestring == NULL)
        return cause_fail(cause, xasprintf("%s must be a string", path));
    if (!utf8_valid(it->valuestring, strlen(it->valuestring)))
        return cause_fail(cause, xasprintf("%s is not valid UTF-8", path));
    *out = it->valuestring;
    return 0;
}

/* An object member, or NULL when absent. */
static int
obj_at(const cJSON *obj, const char *key, const char *path, const cJSON **out, char **cause)
{
    if (member(obj, key, path, out, cause) != 0)
        return -1;
    if (*out != NULL && !cJSON_IsObject(*out))
        return cause_fail(cause, xasprintf("%s must be an object", path));
    return 0;
}

/* The first present of several places for one value: keys[i] is either "name" at the top
 * or "parent.name" one level down. A value in a later place is still type-checked, so a
 * malformed field is refused wherever it is. */
static int
first_str(const cJSON *root, const char *const *places, char **dst, char **cause)
{
    for (; *places != NULL; places++) {
        const char *place = *places, *dot = strchr(place, '.'), *v;
        const cJSON *parent = root;
        if (dot != NULL) {
            char *name = xstrndup(place, (size_t)(dot - place));
            int rc = obj_at(root, name, name, &parent, cause);
            free(name);
            if (rc != 0)
                return -1;
            if (parent == NULL)
                continue;
        }
        if (str_at(parent, dot ? dot + 1 : place, place, &v, cause) != 0)
            return -1;
        if (v != NULL && *dst == NULL)
            *dst = xstrdup(v);
    }
    return 0;
}

static int
read_timestamp(const cJSON *root, long long *out, char **cause)
{
    const cJSON *it;

    *out = 0;
    if (member(root, "timestamp", "timestamp", &it, cause) != 0)
        return -1;
    if (it == NULL)
        return 0;
    double d = cJSON_IsNumber(it) ? it->valuedouble : -1;
    if (!(d >= 0 && d < EXACT_LIMIT) || d != (double)(long long)d)
        return cause_fail(cause, xstrdup("timestamp must be a whole number of milliseconds"));
    *out = (long long)d;
    return 0;
}

static enum event_kind
kind_for(const char *name)
{
    for (int k = EV_MESSAGE; k < EV_UNKNOWN; k++) {
        if (strcmp(name, kind_names[k]) == 0)
            return (enum event_kind)k;
    }
    return EV_UNKNOWN;
}

/* value of a message: {id, type, content} with content of the type's shape (section 1).
 * Extra content keys are ignored; an inbound media URL is whatever Jelou hands over, so
 * it is not held to the https rule of outgoing messages. */
static int
read_value(const cJSON *root, struct event *e, char **cause)
{
    const cJSON *value, *content;
    const char *id, *type, *body, *url, *mime, *caption, *filename;

    if (obj_at(root, "value", "value", &value, cause) != 0)
        return -1;
    if (value == NULL)
        return cause_fail(cause, xstrdup("value is missing"));
    if (str_at(value, "id", "value.id", &id, cause) != 0 ||
        str_at(value, "type", "value.type", &type, cause) != 0)
        return -1;
    if (id == NULL || *id == '\0')
        return cause_fail(cause, xstrdup(id ? "value.id is empty" : "value.id is missing"));
    if (type == NULL)
        return cause_fail(cause, xstrdup("value.type is missing"));
    enum msg_type t = msg_type_parse(type);
    if (*type == '\0')
        return cause_fail(cause, xstrdup("value.type is empty"));
    e->value_type = xstrdup(type);
    if (obj_at(value, "content", "value.content", &content, cause) != 0)
        return -1;
    if (content == NULL && t != MSG_NONE)
        return cause_fail(cause, xstrdup("value.content is missing"));
    if (content == NULL)
        content = value; /* no content: nothing below is found, which is fine */
    if (str_at(content, "body", "value.content.body", &body, cause) != 0 ||
        str_at(content, "url", "value.content.url", &url, cause) != 0 ||
        str_at(content, "mime_type", "value.content.mime_type", &mime, cause) != 0 ||
        str_at(content, "caption", "value.content.caption", &caption, cause) != 0 ||
        str_at(content, "filename", "value.content.filename", &filename, cause) != 0)
        return -1;

    struct message *m = message_new();
    e->msg = m;
    m->id = xstrdup(id);
    m->type = t;
    if (t == MSG_NONE) {
        /* WhatsApp has stickers, locations, contacts...: refusing them would make Jelou
         * retry or drop the user's message. Kept with whatever text or URL came along. */
        m->body = body ? xstrdup(body) : NULL;
        m->url = url ? xstrdup(url) : NULL;
        m->mime = mime ? xstrdup(mime) : NULL;
    } else if (t == MSG_TEXT) {
        if (body == NULL)
            return cause_fail(cause, xstrdup("value.content.body is missing"));
        m->body = xstrdup(body);
    } else {
        if (url == NULL || *url == '\0')
            return cause_fail(cause, xstrdup(url ? "value.content.url is empty"
                                                 : "value.content.url is missing"));
        m->url = xstrdup(url);
        m->mime = mime ? xstrdup(mime) : NULL;
        m->caption = caption ? xstrdup(caption) : NULL;
        m->filename = filename ? xstrdup(filename) : NULL;
    }
    /* What arrives is what the sender chose, not one of the console's guesses. */
    m->mime_forced = 1;
    m->project = e->project ? xstrdup(e->project) : NULL;
    m->room = e->room ? xstrdup(e->room) : NULL;
    m->bot = e->bot ? xstrdup(e->bot) : NULL;
    m->user = e->user ? xstrdup(e->user) : NULL;
    return 0;
}

/* The closing message may come as text or, like the REST call's redirectPayload, as
 * {"type":"text","text":"..."}. */
static int
read_close(const cJSON *root, struct event *e, char **cause)
{
    static const char *const reason[] = {
        "reason", "endedReason", "conversation.endedReason", NULL,
    };
    const cJSON *it;

    if (first_str(root, reason, &e->close_reason, cause) != 0)
        return -1;
    if (member(root, "message", "message", &it, cause) != 0)
        return -1;
    if (it == NULL)
        return 0;
    if (cJSON_IsObject(it)) {
        static const char *const text[] = {"message.text", "message.body", NULL};
        return first_str(root, text, &e->close_message, cause);
    }
    const char *v;
    if (str_at(root, "message", "message", &v, cause) != 0)
        return -1;
    e->close_message = xstrdup(v);
    return 0;
}

static int
read_event(const cJSON *root, struct event *e, char **cause)
{
    static const char *const room[] = {"room_id", "room.id", "roomId", NULL};
    static const char *const bot[] = {"bot.id", "bot_id", NULL};
    static const char *const bot_name[] = {"bot.name", NULL};
    static const char *const user[] = {
        "contact.id", "user_id", "user.id", "contact_id", NULL,
    };
    static const char *const user_name[] = {"contact.name", "user.name", NULL};
    static const char *const conversation[] = {
        "conversation.id", "conversation_id", "conversationId", NULL,
    };
    const char *name, *name2, *project;

    if (!cJSON_IsObject(root))
        return cause_fail(cause, xstrdup("body is not a JSON object"));
    if (str_at(root, "event", "event", &name, cause) != 0 ||
        str_at(root, "event_type", "event_type", &name2, cause) != 0)
        return -1;
    if (name == NULL || *name == '\0')
        name = name2;
    if (name == NULL || *name == '\0')
        return cause_fail(cause, xstrdup("not an event: event and event_type are missing"));
    e->name = xstrdup(name);
    e->kind = kind_for(name);
    if (read_timestamp(root, &e->timestamp_ms, cause) != 0 ||
        str_at(root, "project_id", "project_id", &project, cause) != 0 ||
        first_str(root, room, &e->room, cause) != 0 ||
        first_str(root, bot, &e->bot, cause) != 0 ||
        first_str(root, bot_name, &e->bot_name, cause) != 0 ||
        first_str(root, user, &e->user, cause) != 0 ||
        first_str(root, user_name, &e->user_name, cause) != 0 ||
        first_str(root, conversation, &e->conversation, cause) != 0)
        return -1;
    e->project = project ? xstrdup(project) : NULL;
    if (e->kind == EV_MESSAGE)
        return read_value(root, e, cause);
    if (e->kind == EV_CONV_CLOSE)
        return read_close(root, e, cause);
    return 0;
}

int
event_parse(const char *body, size_t len, struct event **out, char **cause)
{
    *out = NULL;
    cJSON *root = json_parse_strict(body, len, "body", cause);
    if (root == NULL)
        return -1;
    struct event *e = xcalloc(1, sizeof *e);
    int rc = read_event(root, e, cause);
    cJSON_Delete(root);
    /* Strings in keys or in fields nobody reads must be UTF-8 too: the raw body goes into
     * the journal as it came, and a JSON line cannot carry broken UTF-8. */
    if (rc == 0 && !utf8_valid(body, len))
        rc = cause_fail(cause, xstrdup("body is not valid UTF-8"));
    if (rc != 0) {
        event_free(e);
        return -1;
    }
    *out = e;
    return 0;
}

void
event_free(struct event *e)
{
    if (e == NULL)
        return;
    free(e->name);
    free(e->project);
    free(e->room);
    free(e->bot);
    free(e->bot_name);
    free(e->user);
    free(e->user_name);
    free(e->conversation);
    message_free(e->msg);
    free(e->value_type);
    free(e->close_reason);
    free(e->close_message);
    free(e);
}

static void
add_str(cJSON *obj, const char *key, const char *value)
{
    if (value != NULL)
        json_need(cJSON_AddStringToObject(obj, key, value));
}

/* {"id":..., "name":...} under key, left out when both are absent. */
static void
add_ref(cJSON *root, const char *key, const char *id, const char *name)
{
    if (id == NULL && name == NULL)
        return;
    cJSON *o = json_need(cJSON_AddObjectToObject(root, key));
    add_str(o, "id", id);
    add_str(o, "name", name);
}

static const char *
pick(const char *a, const char *b)
{
    return a != NULL ? a : b;
}

char *
event_serialize(const struct event *e, size_t *len)
{
    if (e == NULL)
        return NULL;
    const struct message *m = e->kind == EV_MESSAGE ? e->msg : NULL;
    const char *name = e->name;
    if (name == NULL)
        name = (unsigned)e->kind <= EV_UNKNOWN ? kind_names[e->kind] : "unknown";

    cJSON *root = json_need(cJSON_CreateObject());
    if (e->kind == EV_MESSAGE) {
        add_str(root, "field", "messages");
        add_str(root, "object", "message_event");
        add_str(root, "event_type", name);
    } else {
        add_str(root, "event", name);
    }
    if (e->timestamp_ms != 0) {
        /* cJSON would print a double; the digits are ours. */
        char text[32];
        snprintf(text, sizeof text, "%lld", e->timestamp_ms);
        json_need(cJSON_AddRawToObject(root, "timestamp", text));
    }
    add_str(root, "project_id", pick(e->project, m ? m->project : NULL));
    add_str(root, "room_id", pick(e->room, m ? m->room : NULL));
    add_ref(root, "contact", pick(e->user, m ? m->user : NULL), e->user_name);
    add_ref(root, "conversation", e->conversation, NULL);
    add_ref(root, "bot", pick(e->bot, m ? m->bot : NULL), e->bot_name);
    if (e->kind == EV_CONV_CLOSE) {
        add_str(root, "reason", e->close_reason);
        add_str(root, "message", e->close_message);
    }
    if (m != NULL) {
        cJSON *value = json_need(cJSON_AddObjectToObject(root, "value"));
        add_str(value, "id", m->id);
        add_str(value, "type", e->value_type ? e->value_type : msg_type_name(m->type));
        message_add_content(value, m);
    }

    char *out = json_print(root, len);
    cJSON_Delete(root);
    return out;
}

/* REST answers are read leniently: a field of an unexpected type is left out rather than
 * failing the whole answer, which the caller still wants to show. */

static const cJSON *
get(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static char *
rest_str(const cJSON *it)
{
    if (cJSON_IsString(it) && it->valuestring != NULL &&
        utf8_valid(it->valuestring, strlen(it->valuestring)))
        return xstrdup(it->valuestring);
    return NULL;
}

/* Ids are strings in the documentation; a numeric one is still an id. */
static char *
rest_id(const cJSON *it)
{
    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;
        if (d > -EXACT_LIMIT && d < EXACT_LIMIT && d == (double)(long long)d)
            return xasprintf("%lld", (long long)d);
        return NULL;
    }
    return rest_str(it);
}

static int
digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

/* "2026-04-14T10:00:00.000Z", fractions of any length, "Z" or "+HH:MM"/"-HH:MM", also
 * without seconds' fraction. Returns 0 with ms since the epoch, or -1. */
static int
iso8601_ms(const char *s, long long *out)
{
    int y, mo, d, h, mi, sec, ms = 0, oh = 0, om = 0, sign = 0;

    if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
        digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' '))
        return -1;
    s++;
    if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' ||
        digits(&s, 2, &sec))
        return -1;
    if (*s == '.') {
        s++;
        int scale = 100, any = 0;
        for (; *s >= '0' && *s <= '9'; s++, any = 1) {
            ms += (*s - '0') * scale;
            scale /= 10;
        }
        if (!any)
            return -1;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '-' ? -1 : 1;
        if (digits(&s, 2, &oh) != 0)
            return -1;
        if (*s == ':')
            s++;
        if (digits(&s, 2, &om) != 0)
            return -1;
    } else {
        return -1;
    }
    if (*s != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
        oh > 23 || om > 59)
        return -1;
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
        .tm_hour = h, .tm_min = mi, .tm_sec = sec,
    };
    long long t = (long long)timegm(&tm);
    t -= (long long)sign * (oh * 3600 + om * 60);
    *out = t * 1000 + ms;
    return 0;
}

static long long
rest_time(const cJSON *it)
{
    long long ms = 0;
    if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;
        if (d > -EXACT_LIMIT && d < EXACT_LIMIT)
            return (long long)d;
        return 0;
    }
    if (cJSON_IsString(it) && it->valuestring != NULL && iso8601_ms(it->valuestring, &ms) == 0)
        return ms;
    return 0;
}

int
event_parse_rest_answer(const char *body, size_t len, struct rest_answer *out, char **cause)
{
    memset(out, 0, sizeof *out);
    cJSON *root = json_parse_strict(body, len, "answer", cause);
    if (root == NULL)
        return -1;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cause_fail(cause, xstrdup("answer is not a JSON object"));
    }

    const cJSON *status = get(root, "status");
    const cJSON *status_message = get(root, "statusMessage");
    out->ok = (cJSON_IsNumber(status) && status->valuedouble == 1) ||
              (cJSON_IsString(status_message) &&
               strcasecmp(status_message->valuestring, "success") == 0);

    /* An error's description says more than its message ("Unauthorized"). */
    const cJSON *message = get(root, "message");
    if (!out->ok)
        out->message = rest_str(get(get(root, "error"), "description"));
    if (out->message == NULL && cJSON_IsArray(message)) {
        const cJSON *it;
        cJSON_ArrayForEach(it, message) {
            if ((out->message = rest_str(it)) != NULL)
                break;
        }
    } else if (out->message == NULL) {
        out->message = rest_str(message);
    }
    if (out->message == NULL)
        out->message = rest_str(get(get(root, "error"), "description"));

    const cJSON *data = get(root, "data");
    out->conversation = rest_id(get(data, "_id"));
    out->room = rest_id(get(data, "roomId"));
    out->state = rest_str(get(data, "state"));
    out->ended_reason = rest_str(get(data, "endedReason"));
    out->user = rest_id(get(get(data, "User"), "id"));
    out->user_name = rest_str(get(get(data, "User"), "names"));
    out->bot = rest_id(get(get(data, "Bot"), "id"));
    out->start_at = rest_time(get(data, "startAt"));
    out->end_at = rest_time(get(data, "endAt"));
    /* The integration's answer is documented without the envelope; either shape is read. */
    const cJSON *in = cJSON_IsObject(data) ? data : root;
    out->integration = rest_id(get(in, "id"));
    out->webhook_url = rest_str(get(in, "webhookUrl"));
    out->auth_type = rest_str(get(in, "authType"));
    out->signing_secret = rest_str(get(in, "signingSecret"));
    out->created_at = rest_str(get(in, "createdAt"));
    out->updated_at = rest_str(get(in, "updatedAt"));
    cJSON_Delete(root);
    return 0;
}

void
rest_answer_clear(struct rest_answer *a)
{
    if (a == NULL)
        return;
    free(a->message);
    free(a->conversation);
    free(a->room);
    free(a->state);
    free(a->ended_reason);
    free(a->user);
    free(a->user_name);
    free(a->bot);
    free(a->integration);
    free(a->webhook_url);
    free(a->auth_type);
    if (a->signing_secret != NULL)
        explicit_bzero(a->signing_secret, strlen(a->signing_secret));
    free(a->signing_secret);
    free(a->created_at);
    free(a->updated_at);
    memset(a, 0, sizeof *a);
}
