/* Shared by fuzz_batch and fuzz_event_out: the serialize / parse-back round-trip property. */
#ifndef JELOU_FUZZ_MESSAGE_H
#define JELOU_FUZZ_MESSAGE_H

#include "fuzz.h"
#include "jelou/message.h"

static inline int
fuzz_str_eq(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static inline void
fuzz_same_message(const struct message *a, const struct message *b)
{
    FUZZ_CHECK(a->type == b->type);
    FUZZ_CHECK(fuzz_str_eq(a->id, b->id));
    FUZZ_CHECK(fuzz_str_eq(a->project, b->project));
    FUZZ_CHECK(fuzz_str_eq(a->room, b->room));
    FUZZ_CHECK(fuzz_str_eq(a->bot, b->bot));
    FUZZ_CHECK(fuzz_str_eq(a->user, b->user));
    FUZZ_CHECK(fuzz_str_eq(a->body, b->body));
    FUZZ_CHECK(fuzz_str_eq(a->url, b->url));
    FUZZ_CHECK(fuzz_str_eq(a->mime, b->mime));
    FUZZ_CHECK(fuzz_str_eq(a->caption, b->caption));
    FUZZ_CHECK(fuzz_str_eq(a->filename, b->filename));
}

/* m has passed message_validate. What it serializes to must pass the sandbox's schema check
 * (message_parse_event), carry the same fields back, and serialize to the same bytes: the
 * bytes that were signed are the bytes the server sees. */
static inline void
fuzz_round_trip(const struct message *m)
{
    size_t len1 = 0, len2 = 0;
    char *cause = NULL;
    struct message *back = NULL;

    char *s1 = message_serialize(m, &len1, &cause);
    if (s1 == NULL) {
        fprintf(stderr, "valid message not serialized: %s\n", cause ? cause : "(no cause)");
        abort();
    }
    FUZZ_CHECK(cause == NULL);
    FUZZ_CHECK(strlen(s1) == len1);
    if (message_parse_event(s1, len1, &back, &cause) != 0) {
        fprintf(stderr, "serialized: %s\nrefused by message_parse_event: %s\n", s1,
                cause ? cause : "(no cause)");
        abort();
    }
    FUZZ_CHECK(back != NULL && cause == NULL);
    fuzz_same_message(m, back);

    char *s2 = message_serialize(back, &len2, &cause);
    FUZZ_CHECK(s2 != NULL && cause == NULL);
    if (len1 != len2 || memcmp(s1, s2, len1) != 0) {
        fprintf(stderr, "first:  %s\nsecond: %s\n", s1, s2);
        abort();
    }
    free(s2);
    free(s1);
    message_free(back);
}

#endif
