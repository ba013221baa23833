/* What Jelou sends the console: webhook events and REST answers, parsed (cJSON). */
#ifndef JELOU_EVENT_H
#define JELOU_EVENT_H

#include <stddef.h>

#include "jelou/message.h"

enum event_kind {
    EV_MESSAGE,       /* the end user wrote (event_type "message") */
    EV_CONV_START,    /* "conversation.start" */
    EV_CONV_CLOSE,    /* "conversation.close" */
    EV_UNKNOWN,       /* anything else: logged and answered 200 */
};

struct event {
    enum event_kind kind;
    char *name;             /* the event name as sent, e.g. "message" */
    long long timestamp_ms; /* 0 when absent */
    char *project;          /* project_id */
    char *room;             /* room_id (also read from room.id / roomId when present) */
    char *bot;              /* bot.id (or bot_id) */
    char *bot_name;
    char *user;             /* contact.id (or user_id / user.id / contact_id) */
    char *user_name;        /* contact.name */
    char *conversation;     /* conversation.id */
    struct message *msg;    /* EV_MESSAGE: value as a message (type, id, body/url/mime/...),
                               with project/room/bot/user filled from the event; a type the
                               console does not know (a sticker, a location) is MSG_NONE */
    char *value_type;       /* EV_MESSAGE: value.type exactly as sent */
    char *close_reason;     /* EV_CONV_CLOSE, when present (reason / endedReason) */
    char *close_message;
};

/* Parses a webhook body. Routes on "event", falling back to "event_type". Tolerates missing
 * fields where the documentation is silent; unknown keys are ignored. A message needs
 * value.{id,type} and content of the type's shape. Returns 0 with *out, or -1 with a
 * one-line *cause (not JSON, not an object, wrong types, missing value...). */
int event_parse(const char *body, size_t len, struct event **out, char **cause);
void event_free(struct event *e);

/* Serializes an event the way Jelou shapes it (the sandbox's emitter and tests use this):
 * "message" with event_type, the conversation events with "event". Newly allocated JSON. */
char *event_serialize(const struct event *e, size_t *len);

/* An answer of the REST conversation API. */
struct rest_answer {
    int ok;                 /* "status":1 or "statusMessage":"success" */
    char *message;          /* message (string or first of an array) or error.description */
    char *conversation;     /* data._id */
    char *room;             /* data.roomId */
    char *state;            /* data.state: "active" / "closed" */
    char *ended_reason;     /* data.endedReason */
    char *user;             /* data.User.id */
    char *user_name;        /* data.User.names */
    char *bot;              /* data.Bot.id */
    long long start_at, end_at; /* ms, 0 when absent (ISO dates and numbers accepted) */
    /* The integration calls' data (or the answer itself when it has no data). */
    char *integration;      /* id */
    char *webhook_url;      /* webhookUrl */
    char *auth_type;        /* authType */
    char *signing_secret;   /* signingSecret: only in a create answer; wiped when cleared */
    char *created_at;       /* createdAt / updatedAt, as Jelou wrote them */
    char *updated_at;
};

/* Parses a REST answer body (tolerant: any field may be missing). 0, or -1 with *cause
 * when it is not a JSON object. */
int event_parse_rest_answer(const char *body, size_t len, struct rest_answer *out,
                            char **cause);
void rest_answer_clear(struct rest_answer *a);

#endif
