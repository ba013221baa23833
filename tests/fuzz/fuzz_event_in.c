/* libFuzzer target: webhook events from Jelou (event_parse) and REST answers, round-tripped. */
#include "fuzz_message.h"
#include "jelou/event.h"
#include "jelou/utf8.h"

static void
same_event(const struct event *a, const struct event *b)
{
    FUZZ_CHECK(a->kind == b->kind);
    FUZZ_CHECK(fuzz_str_eq(a->name, b->name));
    FUZZ_CHECK(a->timestamp_ms == b->timestamp_ms);
    FUZZ_CHECK(fuzz_str_eq(a->project, b->project));
    FUZZ_CHECK(fuzz_str_eq(a->room, b->room));
    FUZZ_CHECK(fuzz_str_eq(a->bot, b->bot));
    FUZZ_CHECK(fuzz_str_eq(a->bot_name, b->bot_name));
    FUZZ_CHECK(fuzz_str_eq(a->user, b->user));
    FUZZ_CHECK(fuzz_str_eq(a->user_name, b->user_name));
    FUZZ_CHECK(fuzz_str_eq(a->conversation, b->conversation));
    FUZZ_CHECK(fuzz_str_eq(a->value_type, b->value_type));
    FUZZ_CHECK(fuzz_str_eq(a->close_reason, b->close_reason));
    FUZZ_CHECK(fuzz_str_eq(a->close_message, b->close_message));
    FUZZ_CHECK((a->msg == NULL) == (b->msg == NULL));
    if (a->msg != NULL) {
        fuzz_same_message(a->msg, b->msg);
        FUZZ_CHECK(a->msg->mime_forced == b->msg->mime_forced);
    }
}

/* Every string handed out is valid UTF-8: it is drawn, journaled and quoted in causes. */
static void
check_utf8(const char *s)
{
    FUZZ_CHECK(s == NULL || utf8_valid(s, strlen(s)));
}

static void
check_event(const struct event *e)
{
    FUZZ_CHECK(e->name != NULL && e->name[0] != '\0');
    FUZZ_CHECK(e->timestamp_ms >= 0);
    FUZZ_CHECK((e->kind == EV_MESSAGE) == (e->msg != NULL));
    check_utf8(e->name);
    check_utf8(e->project);
    check_utf8(e->room);
    check_utf8(e->bot);
    check_utf8(e->bot_name);
    check_utf8(e->user);
    check_utf8(e->user_name);
    check_utf8(e->conversation);
    check_utf8(e->close_reason);
    check_utf8(e->close_message);
    if (e->msg != NULL) {
        FUZZ_CHECK(e->msg->id != NULL && e->msg->id[0] != '\0');
        /* A type the console does not know (a sticker, a location) is kept as MSG_NONE,
         * with value.type as sent. */
        FUZZ_CHECK(e->msg->type >= MSG_NONE && e->msg->type < MSG_TYPE_COUNT);
        FUZZ_CHECK(e->value_type != NULL && e->value_type[0] != '\0');
        FUZZ_CHECK(e->msg->type == msg_type_parse(e->value_type));
        if (e->msg->type == MSG_TEXT)
            FUZZ_CHECK(e->msg->body != NULL);
        else if (e->msg->type != MSG_NONE)
            FUZZ_CHECK(e->msg->url != NULL);
        check_utf8(e->value_type);
        check_utf8(e->msg->body);
        check_utf8(e->msg->url);
        check_utf8(e->msg->mime);
        check_utf8(e->msg->caption);
        check_utf8(e->msg->filename);
    }
}

/* What the emitter writes, the listener reads back to the same event and the same bytes. */
static void
round_trip(const struct event *e)
{
    size_t len1 = 0, len2 = 0;
    char *cause = NULL;
    struct event *back = NULL;

    char *s1 = event_serialize(e, &len1);
    FUZZ_CHECK(s1 != NULL && strlen(s1) == len1);
    if (event_parse(s1, len1, &back, &cause) != 0) {
        fprintf(stderr, "serialized: %s\nrefused by event_parse: %s\n", s1,
                cause ? cause : "(no cause)");
        abort();
    }
    same_event(e, back);
    char *s2 = event_serialize(back, &len2);
    if (s2 == NULL || len1 != len2 || memcmp(s1, s2, len1) != 0) {
        fprintf(stderr, "first:  %s\nsecond: %s\n", s1, s2 ? s2 : "(null)");
        abort();
    }
    free(s2);
    free(s1);
    event_free(back);
}

static void
check_rest_answer(const uint8_t *data, size_t size)
{
    struct rest_answer a;
    char *cause = NULL;

    if (event_parse_rest_answer((const char *)data, size, &a, &cause) != 0) {
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
    } else {
        FUZZ_CHECK(cause == NULL);
        check_utf8(a.message);
        check_utf8(a.conversation);
        check_utf8(a.room);
        check_utf8(a.state);
        check_utf8(a.ended_reason);
        check_utf8(a.user);
        check_utf8(a.user_name);
        check_utf8(a.bot);
    }
    rest_answer_clear(&a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct event *e = (struct event *)1;
    char *cause = NULL;

    if (event_parse((const char *)data, size, &e, &cause) != 0) {
        FUZZ_CHECK(e == NULL);
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
    } else {
        FUZZ_CHECK(e != NULL && cause == NULL);
        check_event(e);
        round_trip(e);
        event_free(e);
    }
    check_rest_answer(data, size);
    return 0;
}
