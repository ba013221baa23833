/* The outgoing message event: type names, validation, serialization and parsing (cJSON). */
#include "jelou/message.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "jelou/url.h"
#include "jelou/utf8.h"
#include "jelou/cause.h"
#include "jelou/xalloc.h"
#include "jelou/json.h"

/* Longest piece of user input quoted back in a cause, so that a cause stays one short line. */

static const char *const type_names[MSG_TYPE_COUNT] = {
    "text", "image", "video", "audio", "document",
};

/* The keys a batch line may carry; an index here is a bit in the duplicate check and a slot
 * in parse_batch_object. */
static const char *const batch_keys[] = {
    "room", "user", "type", "text", "url", "caption", "filename", "mime", "id", "project",
    "bot",
};
#define BATCH_KEY_COUNT (sizeof batch_keys / sizeof batch_keys[0])

static const char *const content_keys[] = {
    "body", "url", "mime_type", "caption", "filename",
};
#define CONTENT_KEY_COUNT (sizeof content_keys / sizeof content_keys[0])

const char *
msg_type_name(enum msg_type t)
{
    if ((int)t < 0 || (int)t >= MSG_TYPE_COUNT)
        return "?";
    return type_names[t];
}

const char *
send_state_name(enum send_state s)
{
    switch (s) {
    case SEND_QUEUED:
        return "queued";
    case SEND_SENDING:
        return "sending";
    case SEND_ACCEPTED:
        return "accepted";
    case SEND_FAILED:
        return "failed";
    }
    return "?";
}

enum msg_type
msg_type_parse(const char *s)
{
    if (s == NULL)
        return MSG_NONE;
    for (int t = 0; t < MSG_TYPE_COUNT; t++) {
        if (strcmp(s, type_names[t]) == 0)
            return (enum msg_type)t;
    }
    return MSG_NONE;
}

enum msg_type
msg_type_for_mime(const char *mime)
{
    if (mime == NULL)
        return MSG_NONE;
    if (strncasecmp(mime, "image/", 6) == 0)
        return MSG_IMAGE;
    if (strncasecmp(mime, "video/", 6) == 0)
        return MSG_VIDEO;
    if (strncasecmp(mime, "audio/", 6) == 0)
        return MSG_AUDIO;
    return MSG_DOCUMENT;
}

struct message *
message_new(void)
{
    struct message *m = xcalloc(1, sizeof *m);
    m->type = MSG_NONE;
    return m;
}

void
message_free(struct message *m)
{
    if (m == NULL)
        return;
    free(m->id);
    free(m->project);
    free(m->room);
    free(m->bot);
    free(m->user);
    free(m->body);
    free(m->url);
    free(m->mime);
    free(m->caption);
    free(m->filename);
    free(m);
}

/* prefix 'value' suffix, with value quoted as an excerpt. */
static int
fail_quoting(char **cause, const char *prefix, const char *value, const char *suffix)
{
    char *e = cause_excerpt(value, strlen(value));
    char *msg = xasprintf("%s'%s'%s", prefix, e, suffix);
    free(e);
    return cause_fail(cause, msg);
}

static int
check_required(const char *name, const char *v, char **cause)
{
    if (v == NULL || *v == '\0')
        return cause_fail(cause, xasprintf("%s is empty", name));
    if (!utf8_valid(v, strlen(v)))
        return cause_fail(cause, xasprintf("%s is not valid UTF-8", name));
    return 0;
}

static int
check_utf8(const char *name, const char *v, char **cause)
{
    if (v != NULL && !utf8_valid(v, strlen(v)))
        return cause_fail(cause, xasprintf("%s is not valid UTF-8", name));
    return 0;
}

/* RFC 6838 restricted names: "type/subtype" and nothing else, so no parameters, spaces or
 * control characters end up in mime_type. */
static int
mime_form_ok(const char *s)
{
    const char *slash = strchr(s, '/');

    if (slash == NULL || slash == s || slash[1] == '\0' || strchr(slash + 1, '/') != NULL)
        return 0;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c != '/' && !isalnum(c) && strchr("!#$&^_.+-", c) == NULL)
            return 0;
    }
    return 1;
}

static int
validate_text(const struct message *m, char **cause)
{
    if (m->body == NULL || *m->body == '\0')
        return cause_fail(cause, xstrdup("value.content.body is empty"));
    if (m->url != NULL)
        return cause_fail(cause,
                          xstrdup("url is only allowed for image, video, audio and document"));
    if (m->mime != NULL)
        return cause_fail(cause, xstrdup("mime_type is only allowed for image, video, audio and "
                                   "document"));
    if (m->caption != NULL)
        return cause_fail(cause, xstrdup("caption is only allowed for image and video"));
    if (m->filename != NULL)
        return cause_fail(cause, xstrdup("filename is only allowed for document"));
    return 0;
}

static int
validate_media(const struct message *m, char **cause)
{
    char *why = NULL;

    if (m->body != NULL)
        return cause_fail(cause, xstrdup("body is only allowed for text"));
    if (m->caption != NULL && m->type != MSG_IMAGE && m->type != MSG_VIDEO)
        return cause_fail(cause, xstrdup("caption is only allowed for image and video"));
    if (m->filename != NULL && m->type != MSG_DOCUMENT)
        return cause_fail(cause, xstrdup("filename is only allowed for document"));
    if (m->url == NULL || *m->url == '\0')
        return cause_fail(cause, xstrdup("value.content.url is empty"));
    if (url_check_media(m->url, &why) != 0) {
        int rc = cause_fail(cause, xasprintf("value.content.url: %s", why));
        free(why);
        return rc;
    }
    if (m->mime == NULL || *m->mime == '\0')
        return cause_fail(cause, xstrdup("value.content.mime_type is empty"));
    if (!mime_form_ok(m->mime))
        return fail_quoting(cause, "value.content.mime_type ", m->mime,
                            " is not of the form type/subtype");

    enum msg_type family = msg_type_for_mime(m->mime);
    if (m->type != MSG_DOCUMENT && family != m->type) {
        char *e = cause_excerpt(m->mime, strlen(m->mime));
        int rc = cause_fail(cause, xasprintf("mime_type %s does not match type %s (expected %s/*)",
                                       e, msg_type_name(m->type), msg_type_name(m->type)));
        free(e);
        return rc;
    }
    /* A PNG sent as a document is usually a slip (the user sees a file, not a picture);
     * a mime given by hand says the sender really means it. */
    if (m->type == MSG_DOCUMENT && family != MSG_DOCUMENT && !m->mime_forced) {
        char *e = cause_excerpt(m->mime, strlen(m->mime));
        int rc = cause_fail(cause, xasprintf("mime_type %s does not match type document (send it "
                                       "as %s, or give the mime type by hand)",
                                       e, msg_type_name(family)));
        free(e);
        return rc;
    }
    if (m->caption != NULL && *m->caption == '\0')
        return cause_fail(cause, xstrdup("value.content.caption is empty"));
    if (m->filename != NULL && *m->filename == '\0')
        return cause_fail(cause, xstrdup("value.content.filename is empty"));
    return 0;
}

int
message_validate(const struct message *m, char **cause)
{
    if (m == NULL)
        return cause_fail(cause, xstrdup("message is missing"));
    if (check_required("project_id", m->project, cause) != 0 ||
        check_required("room_id", m->room, cause) != 0 ||
        check_required("bot_id", m->bot, cause) != 0 ||
        check_required("user_id", m->user, cause) != 0 ||
        check_required("value.id", m->id, cause) != 0)
        return -1;
    if (m->type == MSG_NONE)
        return cause_fail(cause, xstrdup("type is missing"));
    if ((int)m->type < 0 || (int)m->type >= MSG_TYPE_COUNT)
        return cause_fail(cause, xstrdup("type must be text, image, video, audio or document"));
    if (check_utf8("value.content.body", m->body, cause) != 0 ||
        check_utf8("value.content.url", m->url, cause) != 0 ||
        check_utf8("value.content.mime_type", m->mime, cause) != 0 ||
        check_utf8("value.content.caption", m->caption, cause) != 0 ||
        check_utf8("value.content.filename", m->filename, cause) != 0)
        return -1;
    if (m->type == MSG_TEXT)
        return validate_text(m, cause);
    return validate_media(m, cause);
}

static void
add_str(cJSON *obj, const char *key, const char *value)
{
    json_need(cJSON_AddStringToObject(obj, key, value));
}

/* The content serializer's NULL rule: a NULL field is left out. */
static void
add_opt_str(cJSON *obj, const char *key, const char *value)
{
    if (value != NULL)
        add_str(obj, key, value);
}

void
message_add_content(cJSON *value, const struct message *m)
{
    cJSON *content = json_need(cJSON_AddObjectToObject(value, "content"));
    if (m->type == MSG_TEXT || m->type == MSG_NONE)
        add_opt_str(content, "body", m->body);
    if (m->type != MSG_TEXT) {
        add_opt_str(content, "url", m->url);
        add_opt_str(content, "mime_type", m->mime);
        add_opt_str(content, "caption", m->caption);
        add_opt_str(content, "filename", m->filename);
    }
}

char *
message_serialize(const struct message *m, size_t *len, char **cause)
{
    if (message_validate(m, cause) != 0)
        return NULL;

    cJSON *root = json_need(cJSON_CreateObject());
    add_str(root, "field", "messages");
    add_str(root, "object", "message_event");
    add_str(root, "event_type", "incoming_message");
    add_str(root, "project_id", m->project);
    add_str(root, "room_id", m->room);
    add_str(root, "bot_id", m->bot);
    add_str(root, "user_id", m->user);
    cJSON *value = json_need(cJSON_AddObjectToObject(root, "value"));
    add_str(value, "id", m->id);
    add_str(value, "type", msg_type_name(m->type));
    message_add_content(value, m);

    char *out = json_print(root, len);
    cJSON_Delete(root);
    return out;
}

char *
message_team_request(const struct message *m, size_t *len, char **cause)
{
    if (m == NULL) {
        cause_fail(cause, xstrdup("message is missing"));
        return NULL;
    }
    /* The team server fills project, bot and user from the room, and probes a media URL's
     * type unless it was given by hand: check everything else as Jelou would, with
     * stand-ins for what is not known here. */
    struct message v = *m;
    v.project = m->project ? m->project : "team";
    v.bot = m->bot ? m->bot : "team";
    v.user = m->user ? m->user : "team";
    if (m->type != MSG_TEXT && m->type > MSG_NONE && m->type < MSG_TYPE_COUNT &&
        (m->mime == NULL || !m->mime_forced)) {
        static const char *const family[] = {
            [MSG_IMAGE] = "image/x", [MSG_VIDEO] = "video/x", [MSG_AUDIO] = "audio/x",
            [MSG_DOCUMENT] = "application/octet-stream",
        };
        v.mime = (char *)family[m->type];
        v.mime_forced = 0;
    }
    if (message_validate(&v, cause) != 0)
        return NULL;

    /* Exactly what serve/messages.c reads; "mime" only when given by hand. */
    cJSON *root = json_need(cJSON_CreateObject());
    add_str(root, "id", m->id);
    add_str(root, "room", m->room);
    add_str(root, "type", msg_type_name(m->type));
    if (m->type == MSG_TEXT) {
        add_str(root, "text", m->body);
    } else {
        add_str(root, "url", m->url);
        add_opt_str(root, "caption", m->caption);
        add_opt_str(root, "filename", m->filename);
        if (m->mime_forced)
            add_opt_str(root, "mime", m->mime);
    }
    char *out = json_print(root, len);
    cJSON_Delete(root);
    return out;
}

/* The one member named key, or NULL; a key given twice is refused because parsers
 * disagree on which copy wins. */
static int
member(const cJSON *obj, const char *key, const char *path, const cJSON **out, char **cause)
{
    const cJSON *it, *found = NULL;

    cJSON_ArrayForEach(it, obj) {
        if (it->string == NULL || strcmp(it->string, key) != 0)
            continue;
        if (found != NULL)
            return cause_fail(cause, xasprintf("%s appears more than once", path));
        found = it;
    }
    *out = found;
    return 0;
}

static int
string_member(const cJSON *obj, const char *key, const char *path, int required,
              const char **out, char **cause)
{
    const cJSON *it;

    *out = NULL;
    if (member(obj, key, path, &it, cause) != 0)
        return -1;
    if (it == NULL)
        return required ? cause_fail(cause, xasprintf("%s is missing", path)) : 0;
    if (!cJSON_IsString(it) || it->valuestring == NULL)
        return cause_fail(cause, xasprintf("%s must be a string", path));
    *out = it->valuestring;
    return 0;
}

static int
object_member(const cJSON *obj, const char *key, const char *path, const cJSON **out,
              char **cause)
{
    if (member(obj, key, path, out, cause) != 0)
        return -1;
    if (*out == NULL)
        return cause_fail(cause, xasprintf("%s is missing", path));
    if (!cJSON_IsObject(*out))
        return cause_fail(cause, xasprintf("%s must be an object", path));
    return 0;
}

static int
fixed_member(const cJSON *obj, const char *key, const char *want, char **cause)
{
    const char *got;

    if (string_member(obj, key, key, 1, &got, cause) != 0)
        return -1;
    if (strcmp(got, want) != 0) {
        char *e = cause_excerpt(got, strlen(got));
        int rc = cause_fail(cause, xasprintf("%s must be '%s' (got '%s')", key, want, e));
        free(e);
        return rc;
    }
    return 0;
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static int
parse_content(const cJSON *content, struct message *m, char **cause)
{
    const cJSON *it;
    const char *v[CONTENT_KEY_COUNT];

    cJSON_ArrayForEach(it, content) {
        size_t k = 0;
        while (k < CONTENT_KEY_COUNT && strcmp(it->string, content_keys[k]) != 0)
            k++;
        if (k == CONTENT_KEY_COUNT)
            return fail_quoting(cause, "value.content: unknown key ", it->string, "");
    }
    for (size_t k = 0; k < CONTENT_KEY_COUNT; k++) {
        char path[64];
        snprintf(path, sizeof path, "value.content.%s", content_keys[k]);
        if (string_member(content, content_keys[k], path, 0, &v[k], cause) != 0)
            return -1;
    }
    m->body = dup_or_null(v[0]);
    m->url = dup_or_null(v[1]);
    m->mime = dup_or_null(v[2]);
    m->caption = dup_or_null(v[3]);
    m->filename = dup_or_null(v[4]);
    return 0;
}

static int
parse_event_object(const cJSON *root, struct message *m, char **cause)
{
    const cJSON *value, *content;
    const char *project, *room, *bot, *user, *id, *type;

    if (!cJSON_IsObject(root))
        return cause_fail(cause, xstrdup("body is not a JSON object"));
    if (fixed_member(root, "field", "messages", cause) != 0 ||
        fixed_member(root, "object", "message_event", cause) != 0 ||
        fixed_member(root, "event_type", "incoming_message", cause) != 0 ||
        string_member(root, "project_id", "project_id", 1, &project, cause) != 0 ||
        string_member(root, "room_id", "room_id", 1, &room, cause) != 0 ||
        string_member(root, "bot_id", "bot_id", 1, &bot, cause) != 0 ||
        string_member(root, "user_id", "user_id", 1, &user, cause) != 0 ||
        object_member(root, "value", "value", &value, cause) != 0 ||
        string_member(value, "id", "value.id", 1, &id, cause) != 0 ||
        string_member(value, "type", "value.type", 1, &type, cause) != 0)
        return -1;
    m->type = msg_type_parse(type);
    if (m->type == MSG_NONE)
        return fail_quoting(cause, "value.type must be text, image, video, audio or document "
                            "(got ", type, ")");
    if (object_member(value, "content", "value.content", &content, cause) != 0)
        return -1;
    m->project = xstrdup(project);
    m->room = xstrdup(room);
    m->bot = xstrdup(bot);
    m->user = xstrdup(user);
    m->id = xstrdup(id);
    if (parse_content(content, m, cause) != 0)
        return -1;
    /* What arrives is what the sender chose; only the console's own guesses get the
     * document/mime family check. */
    m->mime_forced = 1;
    return message_validate(m, cause);
}

int
message_parse_event(const char *body, size_t len, struct message **out, char **cause)
{
    struct message *m;
    cJSON *root;

    *out = NULL;
    root = json_parse_strict(body, len, "body", cause);
    if (root == NULL)
        return -1;
    m = message_new();
    if (parse_event_object(root, m, cause) != 0) {
        cJSON_Delete(root);
        message_free(m);
        return -1;
    }
    cJSON_Delete(root);
    *out = m;
    return 0;
}

static int
parse_batch_object(const cJSON *root, struct message *m, char **cause)
{
    const cJSON *it;
    unsigned seen = 0;
    /* Where each of batch_keys goes; "type" (NULL) is parsed instead of copied. */
    char **const slots[BATCH_KEY_COUNT] = {
        &m->room, &m->user, NULL, &m->body, &m->url, &m->caption, &m->filename, &m->mime,
        &m->id, &m->project, &m->bot,
    };

    if (!cJSON_IsObject(root))
        return cause_fail(cause, xstrdup("line is not a JSON object"));
    cJSON_ArrayForEach(it, root) {
        size_t k = 0;
        while (k < BATCH_KEY_COUNT && strcmp(it->string, batch_keys[k]) != 0)
            k++;
        if (k == BATCH_KEY_COUNT)
            return fail_quoting(cause, "unknown key ", it->string, "");
        if (seen & (1u << k))
            return cause_fail(cause, xasprintf("duplicate key '%s'", batch_keys[k]));
        seen |= 1u << k;
        if (!cJSON_IsString(it) || it->valuestring == NULL)
            return cause_fail(cause, xasprintf("%s must be a string", batch_keys[k]));

        if (slots[k] != NULL) {
            xstrset(slots[k], it->valuestring);
        } else {
            m->type = msg_type_parse(it->valuestring);
            if (m->type == MSG_NONE)
                return cause_fail(cause, xstrdup("type must be text, image, video, audio or "
                                           "document"));
        }
    }
    /* A mime given by hand in the batch is as deliberate as --mime on the command line. */
    if (m->mime != NULL)
        m->mime_forced = 1;
    return 0;
}

int
message_parse_batch_line(const char *line, size_t len, struct message **out, char **cause)
{
    struct message *m;
    cJSON *root;

    *out = NULL;
    root = json_parse_strict(line, len, "line", cause);
    if (root == NULL)
        return -1;
    m = message_new();
    if (parse_batch_object(root, m, cause) != 0) {
        cJSON_Delete(root);
        message_free(m);
        return -1;
    }
    cJSON_Delete(root);
    *out = m;
    return 0;
}
