/* Unit tests for event: Jelou's webhook events and REST answers, parsed and serialized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/event.h"
#include "jelou/xalloc.h"

/* The documented message event (jelou-api.md section 3), value spliced in. */
#define MSG_HEAD                                                                           \
    "{\"field\":\"messages\",\"object\":\"message_event\",\"event_type\":\"message\","      \
    "\"timestamp\":1776134278574,\"project_id\":\"P\",\"room_id\":\"R\","                  \
    "\"contact\":{\"id\":\"U\",\"name\":\"Ana\"},\"conversation\":{\"id\":\"C\"},"          \
    "\"bot\":{\"id\":\"B\",\"name\":\"Support bot\"},\"value\":"

static struct event *
parse_ok(const char *body)
{
    struct event *e = NULL;
    char *cause = NULL;
    int rc = event_parse(body, strlen(body), &e, &cause);
    if (rc != 0)
        fprintf(stderr, "unexpected cause: %s\n", cause);
    assert_int_equal(rc, 0);
    assert_null(cause);
    assert_non_null(e);
    return e;
}

/* Parses a body that must be refused, and checks the cause exactly. */
static void
refused_n(const char *body, size_t len, const char *want)
{
    struct event *e = (struct event *)1;
    char *cause = NULL;
    assert_int_equal(event_parse(body, len, &e, &cause), -1);
    assert_null(e);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    assert_null(strchr(cause, '\n'));
    free(cause);
}

static void
refused(const char *body, const char *want)
{
    refused_n(body, strlen(body), want);
}

static void
test_message_text(void **state)
{
    (void)state;
    struct event *e = parse_ok(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\","
                               "\"content\":{\"body\":\"Hola\"}}}");
    assert_int_equal(e->kind, EV_MESSAGE);
    assert_string_equal(e->name, "message");
    assert_true(e->timestamp_ms == 1776134278574LL);
    assert_string_equal(e->project, "P");
    assert_string_equal(e->room, "R");
    assert_string_equal(e->bot, "B");
    assert_string_equal(e->bot_name, "Support bot");
    assert_string_equal(e->user, "U");
    assert_string_equal(e->user_name, "Ana");
    assert_string_equal(e->conversation, "C");
    assert_null(e->close_reason);
    assert_null(e->close_message);
    struct message *m = e->msg;
    assert_non_null(m);
    assert_int_equal(m->type, MSG_TEXT);
    assert_string_equal(m->id, "M");
    assert_string_equal(m->body, "Hola");
    assert_null(m->url);
    /* Everything needed to reply: bot.id -> bot, contact.id -> user. */
    assert_string_equal(m->project, "P");
    assert_string_equal(m->room, "R");
    assert_string_equal(m->bot, "B");
    assert_string_equal(m->user, "U");
    event_free(e);
}

static void
test_message_media(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        enum msg_type type;
        const char *url, *mime, *caption, *filename;
    } cases[] = {
        {"{\"id\":\"M1\",\"type\":\"image\",\"content\":{\"url\":\"https://c.example/a.jpg\","
         "\"mime_type\":\"image/jpeg\",\"caption\":\"mira\"}}",
         MSG_IMAGE, "https://c.example/a.jpg", "image/jpeg", "mira", NULL},
        {"{\"id\":\"M2\",\"type\":\"video\",\"content\":{\"url\":\"https://c.example/v.mp4\","
         "\"mime_type\":\"video/mp4\"}}",
         MSG_VIDEO, "https://c.example/v.mp4", "video/mp4", NULL, NULL},
        /* Inbound media URLs are whatever Jelou gives, http included. */
        {"{\"id\":\"M3\",\"type\":\"audio\",\"content\":{\"url\":\"http://c.example/s.ogg\","
         "\"mime_type\":\"audio/ogg; codecs=opus\"}}",
         MSG_AUDIO, "http://c.example/s.ogg", "audio/ogg; codecs=opus", NULL, NULL},
        {"{\"id\":\"M4\",\"type\":\"document\",\"content\":{\"url\":\"https://c.example/d.pdf\","
         "\"mime_type\":\"application/pdf\",\"filename\":\"factura.pdf\",\"extra\":1}}",
         MSG_DOCUMENT, "https://c.example/d.pdf", "application/pdf", NULL, "factura.pdf"},
        /* mime_type missing is tolerated. */
        {"{\"id\":\"M5\",\"type\":\"image\",\"content\":{\"url\":\"https://c.example/b\"}}",
         MSG_IMAGE, "https://c.example/b", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *body = xasprintf(MSG_HEAD "%s}", cases[i].value);
        struct event *e = parse_ok(body);
        struct message *m = e->msg;
        assert_int_equal(e->kind, EV_MESSAGE);
        assert_int_equal(m->type, cases[i].type);
        assert_null(m->body);
        assert_string_equal(m->url, cases[i].url);
#define STR_OR_NULL(got, want)                  \
        if ((want) == NULL)                     \
            assert_null(got);                   \
        else                                    \
            assert_string_equal(got, want)
        STR_OR_NULL(m->mime, cases[i].mime);
        STR_OR_NULL(m->caption, cases[i].caption);
        STR_OR_NULL(m->filename, cases[i].filename);
        event_free(e);
        free(body);
    }
}

static void
test_conversation_start(void **state)
{
    (void)state;
    struct event *e = parse_ok(
        "{\"event\":\"conversation.start\",\"timestamp\":1776134000000,\"project_id\":\"P\","
        "\"room_id\":\"R\",\"contact\":{\"id\":\"U\"},\"bot\":{\"id\":\"B\"},"
        "\"conversation\":{\"id\":\"C\",\"state\":\"active\"},\"whatever\":[1,{\"x\":null}]}");
    assert_int_equal(e->kind, EV_CONV_START);
    assert_string_equal(e->name, "conversation.start");
    assert_true(e->timestamp_ms == 1776134000000LL);
    assert_string_equal(e->project, "P");
    assert_string_equal(e->room, "R");
    assert_string_equal(e->user, "U");
    assert_string_equal(e->bot, "B");
    assert_string_equal(e->conversation, "C");
    assert_null(e->msg);
    assert_null(e->close_reason);
    event_free(e);

    /* Only the documented minimum: the event, its time and the project. */
    e = parse_ok("{\"event\":\"conversation.start\",\"timestamp\":5,\"project_id\":\"P\"}");
    assert_int_equal(e->kind, EV_CONV_START);
    assert_true(e->timestamp_ms == 5);
    assert_null(e->room);
    assert_null(e->user);
    assert_null(e->bot);
    assert_null(e->conversation);
    event_free(e);

    /* The other documented places of the ids. */
    e = parse_ok("{\"event\":\"conversation.start\",\"roomId\":\"R2\",\"user_id\":\"U2\","
                 "\"bot_id\":\"B2\",\"conversation_id\":\"C2\"}");
    assert_string_equal(e->room, "R2");
    assert_string_equal(e->user, "U2");
    assert_string_equal(e->bot, "B2");
    assert_string_equal(e->conversation, "C2");
    assert_true(e->timestamp_ms == 0);
    event_free(e);
    e = parse_ok("{\"event\":\"conversation.start\",\"room\":{\"id\":\"R3\"},"
                 "\"user\":{\"id\":\"U3\",\"name\":\"Kenji\"}}");
    assert_string_equal(e->room, "R3");
    assert_string_equal(e->user, "U3");
    assert_string_equal(e->user_name, "Kenji");
    event_free(e);
}

static void
test_conversation_close(void **state)
{
    (void)state;
    struct event *e = parse_ok(
        "{\"event\":\"conversation.close\",\"timestamp\":1776134999000,\"project_id\":\"P\","
        "\"room_id\":\"R\",\"contact\":{\"id\":\"U\"},\"conversation\":{\"id\":\"C\"},"
        "\"reason\":\"closed_by_operator\",\"message\":\"Gracias por escribirnos\"}");
    assert_int_equal(e->kind, EV_CONV_CLOSE);
    assert_string_equal(e->name, "conversation.close");
    assert_string_equal(e->close_reason, "closed_by_operator");
    assert_string_equal(e->close_message, "Gracias por escribirnos");
    assert_string_equal(e->conversation, "C");
    assert_null(e->msg);
    event_free(e);

    e = parse_ok("{\"event\":\"conversation.close\",\"endedReason\":\"expired\","
                 "\"message\":{\"type\":\"text\",\"text\":\"Adiós\"}}");
    assert_string_equal(e->close_reason, "expired");
    assert_string_equal(e->close_message, "Adiós");
    event_free(e);

    e = parse_ok("{\"event\":\"conversation.close\"}");
    assert_null(e->close_reason);
    assert_null(e->close_message);
    event_free(e);
}

static void
test_routing(void **state)
{
    (void)state;
    /* "event" wins over "event_type". */
    struct event *e = parse_ok("{\"event\":\"conversation.close\",\"event_type\":\"message\"}");
    assert_int_equal(e->kind, EV_CONV_CLOSE);
    event_free(e);
    /* event_type alone routes conversation events too. */
    e = parse_ok("{\"event_type\":\"conversation.start\"}");
    assert_int_equal(e->kind, EV_CONV_START);
    assert_string_equal(e->name, "conversation.start");
    event_free(e);
    /* A message keyed by "event" is a message. */
    e = parse_ok("{\"event\":\"message\",\"value\":{\"id\":\"M\",\"type\":\"text\","
                 "\"content\":{\"body\":\"x\"}}}");
    assert_int_equal(e->kind, EV_MESSAGE);
    assert_string_equal(e->msg->body, "x");
    event_free(e);
    /* Unknown names are events nobody handles, not errors; their value is not read. */
    e = parse_ok("{\"event\":\"conversation.transfer\",\"room_id\":\"R\",\"value\":7}");
    assert_int_equal(e->kind, EV_UNKNOWN);
    assert_string_equal(e->name, "conversation.transfer");
    assert_string_equal(e->room, "R");
    assert_null(e->msg);
    event_free(e);
    e = parse_ok("{\"event_type\":\"incoming_message\"}");
    assert_int_equal(e->kind, EV_UNKNOWN);
    event_free(e);
    /* null is "absent": the fallback applies. */
    e = parse_ok("{\"event\":null,\"event_type\":\"conversation.start\",\"room_id\":null}");
    assert_int_equal(e->kind, EV_CONV_START);
    assert_null(e->room);
    event_free(e);
}

/* A kind of message the console does not know is kept, never refused: a 400 would make
 * Jelou retry it or drop the user's words. */
static void
test_unknown_message_type(void **state)
{
    (void)state;
    struct event *e = parse_ok(MSG_HEAD "{\"id\":\"S\",\"type\":\"sticker\",\"content\":"
                               "{\"url\":\"https://x.example/s.webp\",\"mime_type\":\"image/webp\"}}}");
    assert_int_equal(e->kind, EV_MESSAGE);
    assert_int_equal(e->msg->type, MSG_NONE);
    assert_string_equal(e->value_type, "sticker");
    assert_string_equal(e->msg->url, "https://x.example/s.webp");
    size_t len;
    char *again = event_serialize(e, &len);
    assert_non_null(strstr(again, "\"type\":\"sticker\""));
    free(again);
    event_free(e);
    /* Found by fuzz_event_in: the text of an unknown kind must survive a round trip. */
    e = parse_ok(MSG_HEAD "{\"id\":\"K\",\"type\":\"sticker\",\"content\":{\"body\":\"hola\"}}}");
    again = event_serialize(e, &len);
    struct event *back = parse_ok(again);
    assert_string_equal(back->msg->body, "hola");
    event_free(back);
    free(again);
    event_free(e);
    e = parse_ok(MSG_HEAD "{\"id\":\"L\",\"type\":\"location\"}}");
    assert_int_equal(e->msg->type, MSG_NONE);
    assert_string_equal(e->value_type, "location");
    assert_null(e->msg->body);
    event_free(e);
}

static void
test_malformed(void **state)
{
    (void)state;
    refused("", "body is empty");
    refused("  \n", "body is empty");
    refused("hello", "body is not valid JSON (at byte 0)");
    refused("{\"event\":\"message\"", "body is not valid JSON (at byte 17)");
    refused("{\"event\":\"x\"} {}", "body is not valid JSON (extra data at byte 14)");
    refused("[1,2]", "body is not a JSON object");
    refused("\"message\"", "body is not a JSON object");
    refused("{}", "not an event: event and event_type are missing");
    refused("{\"event\":\"\"}", "not an event: event and event_type are missing");
    refused("{\"event\":7}", "event must be a string");
    refused("{\"event_type\":[\"message\"]}", "event_type must be a string");
    refused("{\"event\":\"x\",\"timestamp\":\"1776134278574\"}",
            "timestamp must be a whole number of milliseconds");
    refused("{\"event\":\"x\",\"timestamp\":1.5}",
            "timestamp must be a whole number of milliseconds");
    refused("{\"event\":\"x\",\"timestamp\":-1}",
            "timestamp must be a whole number of milliseconds");
    refused("{\"event\":\"x\",\"project_id\":5}", "project_id must be a string");
    refused("{\"event\":\"x\",\"room_id\":{}}", "room_id must be a string");
    refused("{\"event\":\"x\",\"contact\":\"U\"}", "contact must be an object");
    refused("{\"event\":\"x\",\"contact\":{\"id\":12}}", "contact.id must be a string");
    refused("{\"event\":\"x\",\"bot\":{\"name\":false}}", "bot.name must be a string");
    refused("{\"event\":\"x\",\"conversation\":{\"id\":[]}}",
            "conversation.id must be a string");
    refused("{\"event\":\"x\",\"room_id\":\"a\",\"room_id\":\"b\"}",
            "room_id appears more than once");
    refused("{\"event\":\"conversation.close\",\"reason\":3}", "reason must be a string");
    refused("{\"event\":\"conversation.close\",\"message\":[\"a\"]}",
            "message must be a string");
    refused("{\"event\":\"conversation.close\",\"message\":{\"text\":1}}",
            "message.text must be a string");

    /* Messages. */
    refused("{\"event_type\":\"message\"}", "value is missing");
    refused("{\"event_type\":\"message\",\"value\":\"hi\"}", "value must be an object");
    refused(MSG_HEAD "{\"type\":\"text\",\"content\":{\"body\":\"x\"}}}",
            "value.id is missing");
    refused(MSG_HEAD "{\"id\":\"\",\"type\":\"text\",\"content\":{\"body\":\"x\"}}}",
            "value.id is empty");
    refused(MSG_HEAD "{\"id\":1,\"type\":\"text\",\"content\":{\"body\":\"x\"}}}",
            "value.id must be a string");
    refused(MSG_HEAD "{\"id\":\"M\",\"content\":{\"body\":\"x\"}}}", "value.type is missing");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"\",\"content\":{}}}", "value.type is empty");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\"}}", "value.content is missing");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\",\"content\":\"x\"}}",
            "value.content must be an object");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\",\"content\":{}}}",
            "value.content.body is missing");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\",\"content\":{\"body\":1}}}",
            "value.content.body must be a string");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"image\",\"content\":{\"mime_type\":\"a/b\"}}}",
            "value.content.url is missing");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"image\",\"content\":{\"url\":\"\"}}}",
            "value.content.url is empty");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"image\",\"content\":{\"url\":\"u\","
            "\"caption\":true}}}", "value.content.caption must be a string");
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"document\",\"content\":{\"url\":\"u\","
            "\"filename\":{}}}}", "value.content.filename must be a string");
}

static void
test_bytes(void **state)
{
    (void)state;
    /* Raw invalid UTF-8 in a field, in a key, and in a field nobody reads. */
    refused(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\",\"content\":{\"body\":\"a\xff\"}}}",
            "value.content.body is not valid UTF-8");
    refused("{\"event\":\"x\",\"contact\":{\"name\":\"\xc3\x28\"}}",
            "contact.name is not valid UTF-8");
    refused("{\"event\":\"x\",\"ign\xc0\xafored\":1}", "body is not valid UTF-8");
    refused("{\"event\":\"x\",\"extra\":\"\xed\xa0\x80\"}", "body is not valid UTF-8");
    /* An escaped lone surrogate is not UTF-8 either. */
    refused("{\"event\":\"x\",\"room_id\":\"\\ud800\"}", "body is not valid JSON (at byte 24)");
    /* \u0000 would cut the string short; raw control bytes are not JSON. */
    refused("{\"event\":\"x\",\"room_id\":\"a\\u0000b\"}",
            "body has a string with \\u0000 (NUL) at byte 25");
    refused("{\"event\":\"x\",\"room_id\":\"a\x01\"}",
            "body is not valid JSON (control byte 0x01 at byte 25)");
    refused_n("{\"event\":\"x\"}\0", 15, "body is not valid JSON (control byte 0x00 at byte 13)");
    /* A NUL inside the length is seen even though the C string stops there. */
    refused_n("{\"event\":\"x\0\"}", 14, "body is not valid JSON (control byte 0x00 at byte 11)");

    /* Escapes are fine: \n in a text, and escaped non-ASCII. */
    struct event *e = parse_ok(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\",\"content\":"
                               "{\"body\":\"l\\u00edne 1\\nline 2 \xe2\x9c\x93\"}}}");
    assert_string_equal(e->msg->body, "l\xc3\xadne 1\nline 2 \xe2\x9c\x93");
    event_free(e);
}

static void
test_huge(void **state)
{
    (void)state;
    /* A 1 MB text: nothing is truncated on the way in. */
    size_t n = 1000 * 1000;
    char *text = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++)
        text[i] = (char)('a' + i % 26);
    text[n] = '\0';
    char *body = xasprintf(MSG_HEAD "{\"id\":\"M\",\"type\":\"text\",\"content\":"
                           "{\"body\":\"%s\"}}}", text);
    struct event *e = parse_ok(body);
    assert_int_equal(strlen(e->msg->body), n);
    assert_string_equal(e->msg->body, text);
    event_free(e);
    free(body);
    free(text);
}

static int
same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
assert_same_event(const struct event *a, const struct event *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_true(same(a->name, b->name));
    assert_true(a->timestamp_ms == b->timestamp_ms);
    assert_true(same(a->project, b->project));
    assert_true(same(a->room, b->room));
    assert_true(same(a->bot, b->bot));
    assert_true(same(a->bot_name, b->bot_name));
    assert_true(same(a->user, b->user));
    assert_true(same(a->user_name, b->user_name));
    assert_true(same(a->conversation, b->conversation));
    assert_true(same(a->close_reason, b->close_reason));
    assert_true(same(a->close_message, b->close_message));
    assert_int_equal(a->msg == NULL, b->msg == NULL);
    if (a->msg != NULL) {
        const struct message *x = a->msg, *y = b->msg;
        assert_int_equal(x->type, y->type);
        assert_true(same(x->id, y->id));
        assert_true(same(x->project, y->project));
        assert_true(same(x->room, y->room));
        assert_true(same(x->bot, y->bot));
        assert_true(same(x->user, y->user));
        assert_true(same(x->body, y->body));
        assert_true(same(x->url, y->url));
        assert_true(same(x->mime, y->mime));
        assert_true(same(x->caption, y->caption));
        assert_true(same(x->filename, y->filename));
    }
}

static void
test_serialize(void **state)
{
    (void)state;
    /* A message comes out exactly like the documented example. */
    const char *doc =
        "{\"field\":\"messages\",\"object\":\"message_event\",\"event_type\":\"message\","
        "\"timestamp\":1776134278574,\"project_id\":\"P\",\"room_id\":\"R\","
        "\"contact\":{\"id\":\"U\",\"name\":\"Ana\"},\"conversation\":{\"id\":\"C\"},"
        "\"bot\":{\"id\":\"B\",\"name\":\"Support bot\"},"
        "\"value\":{\"id\":\"M\",\"type\":\"text\",\"content\":{\"body\":\"Hola\"}}}";
    struct event *e = parse_ok(doc);
    size_t len = 0;
    char *out = event_serialize(e, &len);
    assert_string_equal(out, doc);
    assert_int_equal(len, strlen(doc));
    free(out);
    event_free(e);

    const char *close_doc =
        "{\"event\":\"conversation.close\",\"timestamp\":1776134999000,\"project_id\":\"P\","
        "\"room_id\":\"R\",\"contact\":{\"id\":\"U\"},\"conversation\":{\"id\":\"C\"},"
        "\"bot\":{\"id\":\"B\"},\"reason\":\"closed_by_operator\",\"message\":\"Chao \\\"x\\\"\"}";
    e = parse_ok(close_doc);
    out = event_serialize(e, &len);
    assert_string_equal(out, close_doc);
    free(out);
    event_free(e);

    /* Round trips of every shape, built by hand. */
    static const char *const bodies[] = {
        MSG_HEAD "{\"id\":\"M1\",\"type\":\"image\",\"content\":{\"url\":\"http://x/a\","
        "\"mime_type\":\"image/png\",\"caption\":\"c \xc3\xb1\"}}}",
        MSG_HEAD "{\"id\":\"M2\",\"type\":\"document\",\"content\":{\"url\":\"https://x/d\","
        "\"filename\":\"f.pdf\"}}}",
        MSG_HEAD "{\"id\":\"M3\",\"type\":\"audio\",\"content\":{\"url\":\"https://x/s\"}}}",
        MSG_HEAD "{\"id\":\"M4\",\"type\":\"text\",\"content\":{\"body\":\"a\\nb\\t\\\"\"}}}",
        "{\"event\":\"conversation.start\",\"timestamp\":1,\"user_id\":\"U\",\"roomId\":\"R\"}",
        "{\"event\":\"conversation.close\",\"message\":{\"text\":\"bye\"}}",
        "{\"event_type\":\"something.new\",\"project_id\":\"P\",\"bot_id\":\"B\"}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct event *a = parse_ok(bodies[i]);
        out = event_serialize(a, &len);
        assert_int_equal(len, strlen(out));
        struct event *b = parse_ok(out);
        assert_same_event(a, b);
        /* And the second serialization is the same bytes. */
        char *again = event_serialize(b, NULL);
        assert_string_equal(again, out);
        free(again);
        free(out);
        event_free(a);
        event_free(b);
    }

    /* An event built in memory (the sandbox's emitter does this). */
    struct event *c = xcalloc(1, sizeof *c);
    c->kind = EV_CONV_START;
    c->timestamp_ms = 1776134000123LL;
    c->project = xstrdup("P");
    c->room = xstrdup("R");
    c->user = xstrdup("U");
    c->conversation = xstrdup("C");
    out = event_serialize(c, NULL);
    assert_string_equal(out, "{\"event\":\"conversation.start\",\"timestamp\":1776134000123,"
                             "\"project_id\":\"P\",\"room_id\":\"R\",\"contact\":{\"id\":\"U\"},"
                             "\"conversation\":{\"id\":\"C\"}}");
    struct event *d = parse_ok(out);
    assert_int_equal(d->kind, EV_CONV_START);
    assert_string_equal(d->name, "conversation.start");
    free(out);
    event_free(c);
    event_free(d);
    assert_null(event_serialize(NULL, NULL));
}

static void
test_rest_success(void **state)
{
    (void)state;
    const char *body =
        "{\"message\":[\"Conversation found\",\"second\"],\"statusMessage\":\"success\","
        "\"status\":1,\"data\":{\"_id\":\"C1\",\"roomId\":\"R1\",\"state\":\"closed\","
        "\"startAt\":\"2026-04-14T10:00:00.000Z\",\"endAt\":\"2026-04-14T10:30:05.250Z\","
        "\"endedReason\":\"closed_by_operator\",\"User\":{\"id\":\"U1\",\"names\":\"Ana P\","
        "\"referenceId\":\"593999\"},\"Bot\":{\"id\":\"B1\",\"name\":\"bot\"}}}";
    struct rest_answer a;
    char *cause = NULL;
    assert_int_equal(event_parse_rest_answer(body, strlen(body), &a, &cause), 0);
    assert_null(cause);
    assert_int_equal(a.ok, 1);
    assert_string_equal(a.message, "Conversation found");
    assert_string_equal(a.conversation, "C1");
    assert_string_equal(a.room, "R1");
    assert_string_equal(a.state, "closed");
    assert_string_equal(a.ended_reason, "closed_by_operator");
    assert_string_equal(a.user, "U1");
    assert_string_equal(a.user_name, "Ana P");
    assert_string_equal(a.bot, "B1");
    assert_true(a.start_at == 1776160800000LL);
    assert_true(a.end_at == 1776162605250LL);
    rest_answer_clear(&a);
    assert_null(a.message);

    /* Numbers for dates, a string message, statusMessage alone, offsets. */
    body = "{\"message\":\"started\",\"statusMessage\":\"success\",\"data\":{"
           "\"startAt\":1776160800000,\"endAt\":\"2026-04-14T12:00:00+02:00\",\"_id\":42}}";
    assert_int_equal(event_parse_rest_answer(body, strlen(body), &a, &cause), 0);
    assert_int_equal(a.ok, 1);
    assert_string_equal(a.message, "started");
    assert_string_equal(a.conversation, "42");
    assert_true(a.start_at == 1776160800000LL);
    assert_true(a.end_at == 1776160800000LL);
    assert_null(a.room);
    assert_null(a.user);
    rest_answer_clear(&a);

    /* Odd shapes are left out, not fatal. */
    body = "{\"status\":1,\"data\":{\"startAt\":\"yesterday\",\"state\":5,\"User\":\"U\"}}";
    assert_int_equal(event_parse_rest_answer(body, strlen(body), &a, &cause), 0);
    assert_int_equal(a.ok, 1);
    assert_null(a.message);
    assert_null(a.state);
    assert_null(a.user);
    assert_true(a.start_at == 0);
    rest_answer_clear(&a);
}

static void
test_rest_error(void **state)
{
    (void)state;
    const char *body =
        "{\"message\":\"Unauthorized\",\"statusMessage\":\"failure\",\"status\":401,"
        "\"error\":{\"code\":\"E401\",\"key\":\"INVALID_API_KEY\","
        "\"description\":\"The api key is not valid\"}}";
    struct rest_answer a;
    char *cause = NULL;
    assert_int_equal(event_parse_rest_answer(body, strlen(body), &a, &cause), 0);
    assert_int_equal(a.ok, 0);
    assert_string_equal(a.message, "The api key is not valid");
    assert_null(a.conversation);
    rest_answer_clear(&a);

    body = "{\"message\":[\"user is required\"],\"status\":422}";
    assert_int_equal(event_parse_rest_answer(body, strlen(body), &a, &cause), 0);
    assert_int_equal(a.ok, 0);
    assert_string_equal(a.message, "user is required");
    rest_answer_clear(&a);

    static const struct {
        const char *body;
        const char *cause;
    } bad[] = {
        {"", "answer is empty"},
        {"<html>Bad Gateway</html>", "answer is not valid JSON (at byte 0)"},
        {"[\"x\"]", "answer is not a JSON object"},
        {"null", "answer is not a JSON object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&a, 0x55, sizeof a);
        assert_int_equal(event_parse_rest_answer(bad[i].body, strlen(bad[i].body), &a,
                                                 &cause), -1);
        assert_string_equal(cause, bad[i].cause);
        free(cause);
        cause = NULL;
        /* Cleared even on failure: rest_answer_clear is safe afterwards. */
        assert_null(a.message);
        rest_answer_clear(&a);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_message_text),
        cmocka_unit_test(test_message_media),
        cmocka_unit_test(test_conversation_start),
        cmocka_unit_test(test_conversation_close),
        cmocka_unit_test(test_routing),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_unknown_message_type),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_huge),
        cmocka_unit_test(test_serialize),
        cmocka_unit_test(test_rest_success),
        cmocka_unit_test(test_rest_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
