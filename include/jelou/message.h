/* The outgoing message event: types, validation, serialization and parsing (cJSON). */
#ifndef JELOU_MESSAGE_H
#define JELOU_MESSAGE_H

#include <stddef.h>

enum msg_type {
    MSG_NONE = -1,
    MSG_TEXT = 0,
    MSG_IMAGE,
    MSG_VIDEO,
    MSG_AUDIO,
    MSG_DOCUMENT,
    MSG_TYPE_COUNT
};

/* "text", "image", ...; "?" for anything else. */
const char *msg_type_name(enum msg_type t);
/* MSG_NONE if s is not one of the five names. */
enum msg_type msg_type_parse(const char *s);
/* image/... -> image, video/... -> video, audio/... -> audio, anything else -> document. */
enum msg_type msg_type_for_mime(const char *mime);

/* Where one outgoing message is on its way; the outbox moves it, the history and the model
 * keep it, so it lives with the message rather than with the outbox. */
enum send_state {
    SEND_QUEUED,
    SEND_SENDING,
    SEND_ACCEPTED, /* a 2xx arrived: never sent again */
    SEND_FAILED,   /* non-2xx or network failure after the allowed attempts */
};

/* "queued", "sending", "accepted", "failed"; "?" for anything else. */
const char *send_state_name(enum send_state s);

struct message {
    char *id;       /* value.id */
    char *project;  /* project_id */
    char *room;     /* room_id */
    char *bot;      /* bot_id */
    char *user;     /* user_id */
    enum msg_type type;
    char *body;     /* text */
    char *url;      /* media */
    char *mime;     /* media: content.mime_type */
    char *caption;  /* image, video */
    char *filename; /* document */
    int mime_forced; /* the mime was given by hand (--mime): a document may carry image/... */
};

struct message *message_new(void);
void message_free(struct message *m);

/* Checks every rule before anything leaves: non-empty ids, valid UTF-8, non-empty body,
 * https media URL with a host, caption only for image/video, filename only for document,
 * mime family consistent with the type. Returns 0, or -1 with a one-line *cause naming
 * the field (caller frees). */
int message_validate(const struct message *m, char **cause);

/* Validates, then serializes to compact JSON once. Returns the bytes to sign and send
 * (NUL-terminated, length in *len), or NULL with *cause. */
char *message_serialize(const struct message *m, size_t *len, char **cause);

/* The body of the team server's POST /v1/messages for m: {"id","room","type","text"} for
 * text, {"id","room","type","url","caption"?,"filename"?,"mime"?} for media ("mime" only
 * when mime_forced: otherwise the server probes the URL). Validated like
 * message_serialize, except that project, bot and user may be NULL (the server takes them
 * from the room) and so may a probed mime. NULL with *cause. */
char *message_team_request(const struct message *m, size_t *len, char **cause);

/* Parses an outgoing event as Jelou receives it (the sandbox uses this to check the schema):
 * every top-level field, the fixed values, value.{id,type,content}, then message_validate.
 * Returns 0 with *out set, or -1 with *cause naming the field. */
int message_parse_event(const char *body, size_t len, struct message **out, char **cause);

/* Parses one batch input line: {"room","user","type","text"|"url","caption","filename",
 * "mime","id"} and optionally "project", "bot". Unknown keys are refused. No validation
 * beyond the shape: type may be absent (detected later). Returns 0 or -1 with *cause. */
int message_parse_batch_line(const char *line, size_t len, struct message **out,
                             char **cause);

struct cJSON;
/* Adds m's "content" object to value, the one serializer of message content. Text (and a
 * type the console does not know, which keeps what it came with) gets "body"; any other
 * type "url", "mime_type", "caption", "filename", in that order. The NULL rule: a field
 * that is NULL is left out, never written as null (message_serialize validates first, so
 * there the required fields are never NULL). */
void message_add_content(struct cJSON *value, const struct message *m);

#endif
