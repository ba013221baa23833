/* Unit tests for message (validation, exact wire bytes, event and batch parsing) and record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/message.h"
#include "jelou/record.h"
#include "jelou/xalloc.h"

/* Everything before value.type in a serialized event built by mk(). */
#define HEAD                                                                              \
    "{\"field\":\"messages\",\"object\":\"message_event\",\"event_type\":\"incoming_message\"," \
    "\"project_id\":\"P1\",\"room_id\":\"R1\",\"bot_id\":\"B1\",\"user_id\":\"U1\","          \
    "\"value\":{\"id\":\"M1\",\"type\":"

static struct message *
mk(enum msg_type t)
{
    struct message *m = message_new();
    m->project = xstrdup("P1");
    m->room = xstrdup("R1");
    m->bot = xstrdup("B1");
    m->user = xstrdup("U1");
    m->id = xstrdup("M1");
    m->type = t;
    switch (t) {
    case MSG_TEXT:
        m->body = xstrdup("Hola");
        break;
    case MSG_IMAGE:
        m->url = xstrdup("https://cdn.example.com/a.png");
        m->mime = xstrdup("image/png");
        break;
    case MSG_VIDEO:
        m->url = xstrdup("https://cdn.example.com/v.mp4");
        m->mime = xstrdup("video/mp4");
        break;
    case MSG_AUDIO:
        m->url = xstrdup("https://cdn.example.com/s.mp3");
        m->mime = xstrdup("audio/mpeg");
        break;
    case MSG_DOCUMENT:
        m->url = xstrdup("https://cdn.example.com/d.pdf");
        m->mime = xstrdup("application/pdf");
        break;
    default:
        break;
    }
    return m;
}

static void
expect_bytes(const struct message *m, const char *want)
{
    size_t len = 0;
    char *cause = NULL;
    char *out = message_serialize(m, &len, &cause);

    assert_null(cause);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

/* Frees m. */
static void
expect_refused(struct message *m, const char *want)
{
    char *cause = NULL;
    size_t len = 12345;

    assert_int_equal(message_validate(m, &cause), -1);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
    cause = NULL;
    /* serialize refuses with the same words: nothing is built from a bad message */
    assert_null(message_serialize(m, &len, &cause));
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
    message_free(m);
}

static void
expect_valid(struct message *m)
{
    char *cause = NULL;
    assert_int_equal(message_validate(m, &cause), 0);
    assert_null(cause);
    message_free(m);
}

/* ---- type names ---- */

static void
test_type_names(void **state)
{
    (void)state;
    assert_string_equal(msg_type_name(MSG_TEXT), "text");
    assert_string_equal(msg_type_name(MSG_IMAGE), "image");
    assert_string_equal(msg_type_name(MSG_VIDEO), "video");
    assert_string_equal(msg_type_name(MSG_AUDIO), "audio");
    assert_string_equal(msg_type_name(MSG_DOCUMENT), "document");
    assert_string_equal(msg_type_name(MSG_NONE), "?");
    assert_string_equal(msg_type_name(MSG_TYPE_COUNT), "?");
    assert_int_equal(msg_type_parse("text"), MSG_TEXT);
    assert_int_equal(msg_type_parse("image"), MSG_IMAGE);
    assert_int_equal(msg_type_parse("video"), MSG_VIDEO);
    assert_int_equal(msg_type_parse("audio"), MSG_AUDIO);
    assert_int_equal(msg_type_parse("document"), MSG_DOCUMENT);
    assert_int_equal(msg_type_parse("Text"), MSG_NONE);
    assert_int_equal(msg_type_parse("sticker"), MSG_NONE);
    assert_int_equal(msg_type_parse(""), MSG_NONE);
    assert_int_equal(msg_type_parse(NULL), MSG_NONE);
}

static void
test_type_for_mime(void **state)
{
    (void)state;
    assert_int_equal(msg_type_for_mime(NULL), MSG_NONE);
    assert_int_equal(msg_type_for_mime("image/png"), MSG_IMAGE);
    assert_int_equal(msg_type_for_mime("IMAGE/PNG"), MSG_IMAGE);
    assert_int_equal(msg_type_for_mime("Video/MP4"), MSG_VIDEO);
    assert_int_equal(msg_type_for_mime("audio/ogg"), MSG_AUDIO);
    assert_int_equal(msg_type_for_mime("application/pdf"), MSG_DOCUMENT);
    assert_int_equal(msg_type_for_mime("text/plain"), MSG_DOCUMENT);
    assert_int_equal(msg_type_for_mime("image"), MSG_DOCUMENT);
    assert_int_equal(msg_type_for_mime("imagex/png"), MSG_DOCUMENT);
    assert_int_equal(msg_type_for_mime(""), MSG_DOCUMENT);
}

static void
test_new_and_free(void **state)
{
    (void)state;
    struct message *m = message_new();
    assert_int_equal(m->type, MSG_NONE);
    assert_null(m->id);
    assert_null(m->body);
    assert_int_equal(m->mime_forced, 0);
    message_free(m);
    message_free(NULL);
}

/* ---- exact bytes ---- */

static void
test_serialize_text(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    expect_bytes(m, HEAD "\"text\",\"content\":{\"body\":\"Hola\"}}}");
    message_free(m);
}

static void
test_serialize_image(void **state)
{
    (void)state;
    struct message *m = mk(MSG_IMAGE);
    expect_bytes(m, HEAD "\"image\",\"content\":{\"url\":\"https://cdn.example.com/a.png\","
                 "\"mime_type\":\"image/png\"}}}");
    m->caption = xstrdup("Our menu");
    expect_bytes(m, HEAD "\"image\",\"content\":{\"url\":\"https://cdn.example.com/a.png\","
                 "\"mime_type\":\"image/png\",\"caption\":\"Our menu\"}}}");
    message_free(m);
}

static void
test_serialize_video(void **state)
{
    (void)state;
    struct message *m = mk(MSG_VIDEO);
    expect_bytes(m, HEAD "\"video\",\"content\":{\"url\":\"https://cdn.example.com/v.mp4\","
                 "\"mime_type\":\"video/mp4\"}}}");
    m->caption = xstrdup("How to");
    expect_bytes(m, HEAD "\"video\",\"content\":{\"url\":\"https://cdn.example.com/v.mp4\","
                 "\"mime_type\":\"video/mp4\",\"caption\":\"How to\"}}}");
    message_free(m);
}

static void
test_serialize_audio(void **state)
{
    (void)state;
    struct message *m = mk(MSG_AUDIO);
    expect_bytes(m, HEAD "\"audio\",\"content\":{\"url\":\"https://cdn.example.com/s.mp3\","
                 "\"mime_type\":\"audio/mpeg\"}}}");
    message_free(m);
}

static void
test_serialize_document(void **state)
{
    (void)state;
    struct message *m = mk(MSG_DOCUMENT);
    expect_bytes(m, HEAD "\"document\",\"content\":{\"url\":\"https://cdn.example.com/d.pdf\","
                 "\"mime_type\":\"application/pdf\"}}}");
    m->filename = xstrdup("invoice 2024.pdf");
    expect_bytes(m, HEAD "\"document\",\"content\":{\"url\":\"https://cdn.example.com/d.pdf\","
                 "\"mime_type\":\"application/pdf\",\"filename\":\"invoice 2024.pdf\"}}}");
    message_free(m);
}

static void
test_serialize_len_may_be_null(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    char *out = message_serialize(m, NULL, NULL);
    assert_string_equal(out, HEAD "\"text\",\"content\":{\"body\":\"Hola\"}}}");
    free(out);
    message_free(m);
}

/* Quotes, backslash, the named escapes, other control bytes as \u00XX, DEL and '/' as is,
 * and UTF-8 (emoji, CJK, a right-to-left mark) passed through byte for byte. */
static const char tricky[] =
    "say \"hi\" \\ back\nnew\ttab\rcr\bbs\ffe\x01" "one\x1f" "us\x7f" "del a/b "
    "\xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87 \xe2\x80\x8f" "rlm";
static const char tricky_json[] =
    "say \\\"hi\\\" \\\\ back\\nnew\\ttab\\rcr\\bbs\\ffe\\u0001one\\u001fus\x7f" "del a/b "
    "\xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87 \xe2\x80\x8f" "rlm";

static void
test_serialize_escaping(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    xstrset(&m->body, tricky);
    expect_bytes(m, HEAD "\"text\",\"content\":{\"body\":\"" "" "say \\\"hi\\\" \\\\ back"
                 "\\nnew\\ttab\\rcr\\bbs\\ffe\\u0001one\\u001fus\x7f" "del a/b "
                 "\xf0\x9f\x98\x80 \xe4\xb8\xad\xe6\x96\x87 \xe2\x80\x8f" "rlm\"}}}");

    /* ids and captions are escaped the same way */
    message_free(m);
    m = mk(MSG_IMAGE);
    xstrset(&m->room, "r\"1\\");
    xstrset(&m->caption, "line1\nline2\t\xe4\xb8\xad");
    expect_bytes(m,
                 "{\"field\":\"messages\",\"object\":\"message_event\","
                 "\"event_type\":\"incoming_message\",\"project_id\":\"P1\","
                 "\"room_id\":\"r\\\"1\\\\\",\"bot_id\":\"B1\",\"user_id\":\"U1\","
                 "\"value\":{\"id\":\"M1\",\"type\":\"image\",\"content\":{"
                 "\"url\":\"https://cdn.example.com/a.png\",\"mime_type\":\"image/png\","
                 "\"caption\":\"line1\\nline2\\t\xe4\xb8\xad\"}}}");
    message_free(m);
}

static void
test_escaping_round_trip(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT), *back = NULL;
    char *cause = NULL;
    size_t len;
    xstrset(&m->body, tricky);
    char *out = message_serialize(m, &len, &cause);
    assert_non_null(out);
    assert_non_null(strstr(out, tricky_json));
    assert_int_equal(message_parse_event(out, len, &back, &cause), 0);
    assert_null(cause);
    assert_string_equal(back->body, tricky);
    free(out);
    message_free(back);
    message_free(m);
}

/* ---- refusals ---- */

static void
test_refuse_ids(void **state)
{
    (void)state;
    struct message *m;
    char *cause = NULL;

    assert_int_equal(message_validate(NULL, &cause), -1);
    assert_string_equal(cause, "message is missing");
    free(cause);

    m = mk(MSG_TEXT); xstrset(&m->project, "");
    expect_refused(m, "project_id is empty");
    m = mk(MSG_TEXT); xstrset(&m->project, NULL);
    expect_refused(m, "project_id is empty");
    m = mk(MSG_TEXT); xstrset(&m->room, "");
    expect_refused(m, "room_id is empty");
    m = mk(MSG_TEXT); xstrset(&m->room, NULL);
    expect_refused(m, "room_id is empty");
    m = mk(MSG_TEXT); xstrset(&m->bot, "");
    expect_refused(m, "bot_id is empty");
    m = mk(MSG_TEXT); xstrset(&m->user, NULL);
    expect_refused(m, "user_id is empty");
    m = mk(MSG_TEXT); xstrset(&m->id, "");
    expect_refused(m, "value.id is empty");
    m = mk(MSG_TEXT); xstrset(&m->room, "R\xff");
    expect_refused(m, "room_id is not valid UTF-8");
    m = mk(MSG_TEXT); xstrset(&m->id, "\xed\xa0\x80");
    expect_refused(m, "value.id is not valid UTF-8");
    /* the first problem in wire order is the one reported */
    m = mk(MSG_TEXT); xstrset(&m->user, ""); xstrset(&m->room, "");
    expect_refused(m, "room_id is empty");
}

static void
test_refuse_type(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    m->type = MSG_NONE;
    expect_refused(m, "type is missing");
    m = mk(MSG_TEXT);
    m->type = MSG_TYPE_COUNT;
    expect_refused(m, "type must be text, image, video, audio or document");
}

static void
test_refuse_invalid_utf8(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    xstrset(&m->body, "caf\xc3");
    expect_refused(m, "value.content.body is not valid UTF-8");
    m = mk(MSG_TEXT);
    xstrset(&m->body, "\xc0\x80");
    expect_refused(m, "value.content.body is not valid UTF-8");
    m = mk(MSG_IMAGE);
    xstrset(&m->caption, "\xf4\x90\x80\x80");
    expect_refused(m, "value.content.caption is not valid UTF-8");
    m = mk(MSG_DOCUMENT);
    xstrset(&m->filename, "a\xffz.pdf");
    expect_refused(m, "value.content.filename is not valid UTF-8");
    m = mk(MSG_IMAGE);
    xstrset(&m->url, "https://cdn.example.com/\xe4\xb8");
    expect_refused(m, "value.content.url is not valid UTF-8");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image/\x80");
    expect_refused(m, "value.content.mime_type is not valid UTF-8");
}

static void
test_refuse_text_rules(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    xstrset(&m->body, "");
    expect_refused(m, "value.content.body is empty");
    m = mk(MSG_TEXT);
    xstrset(&m->body, NULL);
    expect_refused(m, "value.content.body is empty");
    m = mk(MSG_TEXT);
    m->url = xstrdup("https://cdn.example.com/a.png");
    expect_refused(m, "url is only allowed for image, video, audio and document");
    m = mk(MSG_TEXT);
    m->mime = xstrdup("text/plain");
    expect_refused(m, "mime_type is only allowed for image, video, audio and document");
    m = mk(MSG_TEXT);
    m->caption = xstrdup("c");
    expect_refused(m, "caption is only allowed for image and video");
    m = mk(MSG_TEXT);
    m->filename = xstrdup("f.txt");
    expect_refused(m, "filename is only allowed for document");
}

static void
test_refuse_media_rules(void **state)
{
    (void)state;
    struct message *m = mk(MSG_IMAGE);
    m->body = xstrdup("hello");
    expect_refused(m, "body is only allowed for text");
    m = mk(MSG_AUDIO);
    m->caption = xstrdup("c");
    expect_refused(m, "caption is only allowed for image and video");
    m = mk(MSG_DOCUMENT);
    m->caption = xstrdup("c");
    expect_refused(m, "caption is only allowed for image and video");
    m = mk(MSG_IMAGE);
    m->filename = xstrdup("a.png");
    expect_refused(m, "filename is only allowed for document");
    m = mk(MSG_VIDEO);
    m->filename = xstrdup("a.mp4");
    expect_refused(m, "filename is only allowed for document");
    m = mk(MSG_IMAGE);
    m->caption = xstrdup("");
    expect_refused(m, "value.content.caption is empty");
    m = mk(MSG_DOCUMENT);
    m->filename = xstrdup("");
    expect_refused(m, "value.content.filename is empty");
}

static void
test_refuse_media_url(void **state)
{
    (void)state;
    struct message *m = mk(MSG_IMAGE);
    xstrset(&m->url, NULL);
    expect_refused(m, "value.content.url is empty");
    m = mk(MSG_VIDEO);
    xstrset(&m->url, "");
    expect_refused(m, "value.content.url is empty");
    m = mk(MSG_IMAGE);
    xstrset(&m->url, "http://cdn.example.com/a.png");
    expect_refused(m, "value.content.url: media URL must start with https:// "
                   "(got http://cdn.example.com/a.png)");
    m = mk(MSG_AUDIO);
    xstrset(&m->url, "https://");
    expect_refused(m, "value.content.url: media URL has an empty host");
    m = mk(MSG_DOCUMENT);
    xstrset(&m->url, "https://u:p@cdn.example.com/d.pdf");
    expect_refused(m, "value.content.url: media URL must not contain user info "
                   "('@' before the host)");
}

static void
test_refuse_mime_form(void **state)
{
    (void)state;
    struct message *m = mk(MSG_IMAGE);
    xstrset(&m->mime, NULL);
    expect_refused(m, "value.content.mime_type is empty");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "");
    expect_refused(m, "value.content.mime_type is empty");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image");
    expect_refused(m, "value.content.mime_type 'image' is not of the form type/subtype");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image/");
    expect_refused(m, "value.content.mime_type 'image/' is not of the form type/subtype");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "/png");
    expect_refused(m, "value.content.mime_type '/png' is not of the form type/subtype");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image/png/x");
    expect_refused(m, "value.content.mime_type 'image/png/x' is not of the form type/subtype");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image/ png");
    expect_refused(m, "value.content.mime_type 'image/ png' is not of the form type/subtype");
    m = mk(MSG_DOCUMENT);
    xstrset(&m->mime, "text/plain; charset=utf-8");
    expect_refused(m, "value.content.mime_type 'text/plain; charset=utf-8' is not of the form "
                   "type/subtype");
    /* a control byte is shown as '?' so the cause stays on one line */
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image/png\n");
    expect_refused(m, "value.content.mime_type 'image/png?' is not of the form type/subtype");
    /* the RFC 6838 characters are all accepted */
    m = mk(MSG_DOCUMENT);
    xstrset(&m->mime, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect_valid(m);
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "image/svg+xml");
    expect_valid(m);
}

static void
test_refuse_mime_family(void **state)
{
    (void)state;
    struct message *m = mk(MSG_VIDEO);
    xstrset(&m->mime, "image/png");
    expect_refused(m, "mime_type image/png does not match type video (expected video/*)");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "video/mp4");
    expect_refused(m, "mime_type video/mp4 does not match type image (expected image/*)");
    m = mk(MSG_AUDIO);
    xstrset(&m->mime, "application/ogg");
    expect_refused(m, "mime_type application/ogg does not match type audio (expected audio/*)");
    m = mk(MSG_IMAGE);
    xstrset(&m->mime, "IMAGE/PNG");
    expect_valid(m);

    m = mk(MSG_DOCUMENT);
    xstrset(&m->mime, "image/png");
    expect_refused(m, "mime_type image/png does not match type document "
                   "(send it as image, or give the mime type by hand)");
    m = mk(MSG_DOCUMENT);
    xstrset(&m->mime, "audio/mpeg");
    expect_refused(m, "mime_type audio/mpeg does not match type document "
                   "(send it as audio, or give the mime type by hand)");
    m = mk(MSG_DOCUMENT);
    xstrset(&m->mime, "image/png");
    m->mime_forced = 1;
    expect_valid(m);
    /* forcing only lifts the document check */
    m = mk(MSG_VIDEO);
    xstrset(&m->mime, "image/png");
    m->mime_forced = 1;
    expect_refused(m, "mime_type image/png does not match type video (expected video/*)");
}

/* ---- parse_event ---- */

static void
round_trip(struct message *m)
{
    size_t len = 0;
    char *cause = NULL;
    struct message *back = NULL;
    char *out = message_serialize(m, &len, &cause);

    assert_non_null(out);
    assert_int_equal(message_parse_event(out, len, &back, &cause), 0);
    assert_null(cause);
    assert_non_null(back);
    assert_string_equal(back->project, m->project);
    assert_string_equal(back->room, m->room);
    assert_string_equal(back->bot, m->bot);
    assert_string_equal(back->user, m->user);
    assert_string_equal(back->id, m->id);
    assert_int_equal(back->type, m->type);
#define SAME(f)                                  \
    do {                                         \
        if (m->f == NULL)                        \
            assert_null(back->f);                \
        else                                     \
            assert_string_equal(back->f, m->f);  \
    } while (0)
    SAME(body);
    SAME(url);
    SAME(mime);
    SAME(caption);
    SAME(filename);
#undef SAME
    assert_int_equal(back->mime_forced, 1);

    /* and serializing the parsed copy gives the same bytes */
    size_t len2 = 0;
    char *again = message_serialize(back, &len2, &cause);
    assert_non_null(again);
    assert_int_equal(len2, len);
    assert_memory_equal(again, out, len);
    free(again);
    free(out);
    message_free(back);
    message_free(m);
}

static void
test_parse_event_round_trip(void **state)
{
    (void)state;
    struct message *m;

    round_trip(mk(MSG_TEXT));
    round_trip(mk(MSG_IMAGE));
    m = mk(MSG_IMAGE);
    m->caption = xstrdup("Menu \xf0\x9f\x8d\x95");
    round_trip(m);
    round_trip(mk(MSG_VIDEO));
    m = mk(MSG_VIDEO);
    m->caption = xstrdup("\"quoted\"\n");
    round_trip(m);
    round_trip(mk(MSG_AUDIO));
    round_trip(mk(MSG_DOCUMENT));
    m = mk(MSG_DOCUMENT);
    m->filename = xstrdup("\xe5\xa0\xb1\xe5\x91\x8a.pdf");
    round_trip(m);
    /* a document carrying image/ is accepted from the wire (the sender chose it) */
    m = mk(MSG_DOCUMENT);
    xstrset(&m->mime, "image/png");
    m->mime_forced = 1;
    round_trip(m);
}

static void
event_refused(const char *body, const char *want)
{
    struct message *out = (struct message *)1;
    char *cause = NULL;

    assert_int_equal(message_parse_event(body, strlen(body), &out, &cause), -1);
    assert_null(out);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

static struct message *
event_ok(const char *body)
{
    struct message *out = NULL;
    char *cause = NULL;

    assert_int_equal(message_parse_event(body, strlen(body), &out, &cause), 0);
    assert_null(cause);
    assert_non_null(out);
    return out;
}

#define TOP(rest)                                                                          \
    "{\"field\":\"messages\",\"object\":\"message_event\",\"event_type\":\"incoming_message\"," \
    "\"project_id\":\"P1\",\"room_id\":\"R1\",\"bot_id\":\"B1\",\"user_id\":\"U1\"," rest "}"
#define VAL(type, content) \
    "\"value\":{\"id\":\"M1\",\"type\":\"" type "\",\"content\":" content "}"

static void
test_parse_event_refusals(void **state)
{
    (void)state;
    struct message *out = NULL;
    char *cause = NULL;

    assert_int_equal(message_parse_event("", 0, &out, &cause), -1);
    assert_string_equal(cause, "body is empty");
    free(cause);
    assert_int_equal(message_parse_event(NULL, 0, &out, &cause), -1);
    assert_string_equal(cause, "body is empty");
    free(cause);

    event_refused("not json", "body is not valid JSON (at byte 0)");
    event_refused("{\"field\":", "body is not valid JSON (at byte 8)");
    event_refused("[1,2]", "body is not a JSON object");
    event_refused("\"messages\"", "body is not a JSON object");
    event_refused(TOP(VAL("text", "{\"body\":\"x\"}")) " {}",
                  "body is not valid JSON (extra data at byte 197)");
    event_refused("{\"object\":\"message_event\"}", "field is missing");
    event_refused("{\"field\":\"message\"}", "field must be 'messages' (got 'message')");
    event_refused("{\"field\":1}", "field must be a string");
    event_refused("{\"field\":\"messages\",\"object\":\"event\"}",
                  "object must be 'message_event' (got 'event')");
    event_refused("{\"field\":\"messages\",\"object\":\"message_event\","
                  "\"event_type\":\"message\"}",
                  "event_type must be 'incoming_message' (got 'message')");
    event_refused("{\"field\":\"messages\",\"object\":\"message_event\","
                  "\"event_type\":\"incoming_message\"}", "project_id is missing");
    event_refused("{\"field\":\"messages\",\"object\":\"message_event\","
                  "\"event_type\":\"incoming_message\",\"project_id\":\"P\",\"room_id\":7}",
                  "room_id must be a string");
    event_refused("{\"field\":\"messages\",\"object\":\"message_event\","
                  "\"event_type\":\"incoming_message\",\"project_id\":\"P\",\"room_id\":null}",
                  "room_id must be a string");
    event_refused(TOP("\"room_id\":\"R2\"," VAL("text", "{\"body\":\"x\"}")),
                  "room_id appears more than once");
    event_refused(TOP("\"x\":1"), "value is missing");
    event_refused(TOP("\"value\":\"hi\""), "value must be an object");
    event_refused(TOP("\"value\":{\"type\":\"text\"}"), "value.id is missing");
    event_refused(TOP("\"value\":{\"id\":1}"), "value.id must be a string");
    event_refused(TOP("\"value\":{\"id\":\"M\"}"), "value.type is missing");
    event_refused(TOP("\"value\":{\"id\":\"M\",\"type\":\"sticker\"}"),
                  "value.type must be text, image, video, audio or document (got 'sticker')");
    event_refused(TOP("\"value\":{\"id\":\"M\",\"type\":\"text\"}"), "value.content is missing");
    event_refused(TOP(VAL("text", "[]")), "value.content must be an object");
    event_refused(TOP(VAL("text", "{\"body\":\"x\",\"foo\":\"y\"}")),
                  "value.content: unknown key 'foo'");
    event_refused(TOP(VAL("text", "{\"body\":5}")), "value.content.body must be a string");
    event_refused(TOP(VAL("text", "{\"body\":\"a\",\"body\":\"b\"}")),
                  "value.content.body appears more than once");
    event_refused(TOP(VAL("text", "{}")), "value.content.body is empty");
    event_refused(TOP(VAL("text", "{\"body\":\"\"}")), "value.content.body is empty");
    event_refused(TOP(VAL("audio", "{\"url\":\"https://c.example/s.mp3\","
                          "\"mime_type\":\"audio/mpeg\",\"caption\":\"c\"}")),
                  "caption is only allowed for image and video");
    event_refused(TOP(VAL("text", "{\"body\":\"x\",\"url\":\"https://c.example/a\"}")),
                  "url is only allowed for image, video, audio and document");
    event_refused(TOP(VAL("image", "{\"url\":\"http://c.example/a.png\","
                          "\"mime_type\":\"image/png\"}")),
                  "value.content.url: media URL must start with https:// "
                  "(got http://c.example/a.png)");
    event_refused("{\"field\":\"messages\",\"object\":\"message_event\","
                  "\"event_type\":\"incoming_message\",\"project_id\":\"\",\"room_id\":\"R\","
                  "\"bot_id\":\"B\",\"user_id\":\"U\"," VAL("text", "{\"body\":\"x\"}") "}",
                  "project_id is empty");
    event_refused(TOP(VAL("text", "{\"body\":\"caf\xc3\"}")),
                  "value.content.body is not valid UTF-8");
}

static void
test_parse_event_raw_bytes(void **state)
{
    (void)state;
    struct message *out = NULL;
    char *cause = NULL;
    /* A raw NUL would cut the text short inside cJSON: refused before parsing. */
    static const char with_nul[] = "{\"field\":\"mess\0ages\"}";

    assert_int_equal(message_parse_event(with_nul, sizeof with_nul - 1, &out, &cause), -1);
    assert_string_equal(cause, "body is not valid JSON (control byte 0x00 at byte 14)");
    free(cause);
    event_refused("{\"field\":\"a\x01z\"}",
                  "body is not valid JSON (control byte 0x01 at byte 11)");
    event_refused("{\"field\":\"a\nz\"}",
                  "body is not valid JSON (control byte 0x0a at byte 11)");
    event_refused("{\x01\"field\":\"messages\"}",
                  "body is not valid JSON (control byte 0x01 at byte 1)");
    event_refused(TOP(VAL("text", "{\"body\":\"a\\u0000b\"}")),
                  "body has a string with \\u0000 (NUL) at byte 192");
    /* lone surrogate escapes are not text */
    event_refused(TOP(VAL("text", "{\"body\":\"\\ud800\"}")),
                  "body is not valid JSON (at byte 191)");
}

static void
test_parse_event_accepts(void **state)
{
    (void)state;
    struct message *m;

    /* an escaped backslash followed by u0000 is six ordinary characters */
    m = event_ok(TOP(VAL("text", "{\"body\":\"a\\\\u0000b\"}")));
    assert_string_equal(m->body, "a\\u0000b");
    message_free(m);
    /* \u escapes, surrogate pairs included, arrive as UTF-8 */
    m = event_ok(TOP(VAL("text", "{\"body\":\"\\u00e9\\ud83d\\ude00\\u200f\\/\"}")));
    assert_string_equal(m->body, "\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\x8f/");
    message_free(m);
    /* whitespace around and inside, and keys Jelou may add at the top level */
    m = event_ok("\n {\"timestamp\":1776134278574, \"field\":\"messages\",\"object\":"
                 "\"message_event\",\"event_type\":\"incoming_message\",\"project_id\":\"P\","
                 "\"room_id\":\"R\",\"bot_id\":\"B\",\"user_id\":\"U\",\"value\":{\"id\":\"M\","
                 "\"type\":\"text\",\"content\":{\"body\":\"x\"}}}\r\n");
    assert_string_equal(m->room, "R");
    assert_int_equal(m->type, MSG_TEXT);
    message_free(m);
}

static void
test_parse_event_huge_string(void **state)
{
    (void)state;
    const size_t n = 1 << 20;
    struct message *m = mk(MSG_TEXT), *back = NULL;
    char *big = xmalloc(n + 1), *cause = NULL;
    size_t len;

    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    xstrset(&m->body, big);
    char *out = message_serialize(m, &len, &cause);
    assert_non_null(out);
    assert_int_equal(len, strlen(HEAD "\"text\",\"content\":{\"body\":\"\"}}}") + n);
    assert_int_equal(message_parse_event(out, len, &back, &cause), 0);
    assert_int_equal(strlen(back->body), n);
    assert_string_equal(back->body, big);
    free(out);
    free(big);
    message_free(back);
    message_free(m);
}

/* ---- batch lines ---- */

static struct message *
batch_ok(const char *line)
{
    struct message *out = NULL;
    char *cause = NULL;

    assert_int_equal(message_parse_batch_line(line, strlen(line), &out, &cause), 0);
    assert_null(cause);
    assert_non_null(out);
    return out;
}

static void
batch_refused(const char *line, const char *want)
{
    struct message *out = (struct message *)1;
    char *cause = NULL;

    assert_int_equal(message_parse_batch_line(line, strlen(line), &out, &cause), -1);
    assert_null(out);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
}

static void
test_batch_full(void **state)
{
    (void)state;
    struct message *m = batch_ok(
        "{\"room\":\"R\",\"user\":\"U\",\"type\":\"document\",\"text\":\"T\","
        "\"url\":\"https://c.example/d\",\"caption\":\"C\",\"filename\":\"F.pdf\","
        "\"mime\":\"image/png\",\"id\":\"I\",\"project\":\"P\",\"bot\":\"B\"}\n");
    assert_string_equal(m->room, "R");
    assert_string_equal(m->user, "U");
    assert_int_equal(m->type, MSG_DOCUMENT);
    assert_string_equal(m->body, "T");
    assert_string_equal(m->url, "https://c.example/d");
    assert_string_equal(m->caption, "C");
    assert_string_equal(m->filename, "F.pdf");
    assert_string_equal(m->mime, "image/png");
    assert_int_equal(m->mime_forced, 1);
    assert_string_equal(m->id, "I");
    assert_string_equal(m->project, "P");
    assert_string_equal(m->bot, "B");
    message_free(m);
}

static void
test_batch_minimal(void **state)
{
    (void)state;
    struct message *m = batch_ok("{\"room\":\"R\",\"user\":\"U\",\"text\":\"hi \\u00e9\"}");
    assert_string_equal(m->room, "R");
    assert_string_equal(m->user, "U");
    assert_string_equal(m->body, "hi \xc3\xa9");
    assert_int_equal(m->type, MSG_NONE);
    assert_int_equal(m->mime_forced, 0);
    assert_null(m->url);
    assert_null(m->mime);
    assert_null(m->id);
    assert_null(m->project);
    assert_null(m->bot);
    message_free(m);

    m = batch_ok("{}");
    assert_null(m->room);
    assert_int_equal(m->type, MSG_NONE);
    message_free(m);

    /* shape only: what is wrong with the values is left to message_validate */
    m = batch_ok("{\"room\":\"\",\"type\":\"text\",\"url\":\"http://x\"}");
    assert_string_equal(m->room, "");
    assert_int_equal(m->type, MSG_TEXT);
    assert_string_equal(m->url, "http://x");
    message_free(m);
}

static void
test_batch_refusals(void **state)
{
    (void)state;
    struct message *out = NULL;
    char *cause = NULL;

    assert_int_equal(message_parse_batch_line("", 0, &out, &cause), -1);
    assert_string_equal(cause, "line is empty");
    free(cause);
    batch_refused(" \t\r\n", "line is empty");
    batch_refused("room=R", "line is not valid JSON (at byte 0)");
    batch_refused("{\"room\":\"R\"", "line is not valid JSON (at byte 10)");
    batch_refused("{\"room\":\"R\"} {\"user\":\"U\"}",
                  "line is not valid JSON (extra data at byte 13)");
    batch_refused("[\"room\"]", "line is not a JSON object");
    batch_refused("\"room\"", "line is not a JSON object");
    batch_refused("42", "line is not a JSON object");
    batch_refused("{\"colour\":\"red\"}", "unknown key 'colour'");
    batch_refused("{\"room\":\"R\",\"Room\":\"R\"}", "unknown key 'Room'");
    batch_refused("{\"a\\nb\":\"x\"}", "unknown key 'a?b'");
    batch_refused("{\"room\":5}", "room must be a string");
    batch_refused("{\"user\":null}", "user must be a string");
    batch_refused("{\"text\":[\"a\"]}", "text must be a string");
    batch_refused("{\"mime\":true}", "mime must be a string");
    batch_refused("{\"bot\":{}}", "bot must be a string");
    batch_refused("{\"type\":\"sticker\"}", "type must be text, image, video, audio or document");
    batch_refused("{\"type\":\"Image\"}", "type must be text, image, video, audio or document");
    batch_refused("{\"type\":\"\"}", "type must be text, image, video, audio or document");
    batch_refused("{\"room\":\"a\",\"room\":\"b\"}", "duplicate key 'room'");
    batch_refused("{\"text\":\"a\\u0000b\"}", "line has a string with \\u0000 (NUL) at byte 10");
}

/* ---- record ---- */

static void
test_record_types_and_order(void **state)
{
    (void)state;
    struct record *r = record_new();
    record_str(r, "id", "M1");
    record_int(r, "min", -9223372036854775807LL - 1);
    record_int(r, "big", 9007199254740993LL);
    record_int(r, "zero", 0);
    record_num(r, "d", 1.5);
    record_num(r, "tenth", 0.1);
    record_num(r, "whole", 3.0);
    record_num(r, "nan", NAN);
    record_bool(r, "t", 1);
    record_bool(r, "f", 0);
    record_bool(r, "t2", 7);
    record_str(r, "error", NULL);
    record_strn(r, "n", NULL, 3);
    char *line = record_finish(r);
    assert_string_equal(line, "{\"id\":\"M1\",\"min\":-9223372036854775808,"
                        "\"big\":9007199254740993,\"zero\":0,\"d\":1.5,\"tenth\":0.1,"
                        "\"whole\":3,\"nan\":null,\"t\":true,\"f\":false,\"t2\":true,"
                        "\"error\":null,\"n\":null}");
    free(line);
    assert_null(record_finish(NULL));
}

static void
test_record_strings(void **state)
{
    (void)state;
    struct record *r = record_new();
    record_strn(r, "cut", "abcdef", 3);
    record_str(r, "esc", "q\"b\\n\nt\t\x01 \xf0\x9f\x98\x80");
    /* invalid bytes and NUL become U+FFFD, one per byte, so the line stays valid JSON */
    record_strn(r, "bad", "a\xff" "b\xc3", 4);
    record_strn(r, "nul", "a\0b", 3);
    record_strn(r, "sur", "\xed\xa0\x80!", 4);
    record_str(r, "", "empty key");
    char *line = record_finish(r);
    assert_string_equal(line, "{\"cut\":\"abc\","
                        "\"esc\":\"q\\\"b\\\\n\\nt\\t\\u0001 \xf0\x9f\x98\x80\","
                        "\"bad\":\"a\xef\xbf\xbd" "b\xef\xbf\xbd\","
                        "\"nul\":\"a\xef\xbf\xbd" "b\","
                        "\"sur\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!\","
                        "\"\":\"empty key\"}");
    free(line);
}

static void
test_record_same_key_replaces(void **state)
{
    (void)state;
    struct record *r = record_new();
    record_str(r, "status", "queued");
    record_int(r, "attempts", 1);
    record_str(r, "status", "sent");
    char *line = record_finish(r);
    assert_string_equal(line, "{\"status\":\"sent\",\"attempts\":1}");
    free(line);

    line = record_finish(record_new());
    assert_string_equal(line, "{}");
    free(line);
}

static void
test_record_append_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/jelou-test-record-XXXXXX";
    char path[128], missing[160], buf[256];
    char *cause = NULL;
    struct stat st;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/journal.jsonl", dir);
    mode_t old = umask(022);
    assert_int_equal(record_append_file(path, "{\"a\":1}", 0, &cause), 0);
    assert_null(cause);
    assert_int_equal(record_append_file(path, "{\"b\":2}", 1, &cause), 0);
    assert_int_equal(record_append_file(path, "", 0, &cause), 0);
    umask(old);

    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"a\":1}\n{\"b\":2}\n\n");

    snprintf(missing, sizeof missing, "%s/nope/journal.jsonl", dir);
    assert_int_equal(record_append_file(missing, "{}", 1, &cause), -1);
    assert_non_null(cause);
    snprintf(buf, sizeof buf, "cannot write %s: No such file or directory", missing);
    assert_string_equal(cause, buf);
    free(cause);
    cause = NULL;

    /* a directory cannot be opened for writing */
    assert_int_equal(record_append_file(dir, "{}", 0, &cause), -1);
    snprintf(buf, sizeof buf, "cannot write %s: Is a directory", dir);
    assert_string_equal(cause, buf);
    free(cause);

    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* The team server's request body: exactly what serve/messages.c reads. */
static void
expect_team(const struct message *m, const char *want)
{
    size_t len = 0;
    char *cause = NULL;
    char *out = message_team_request(m, &len, &cause);

    assert_null(cause);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

static void
expect_team_refused(const struct message *m, const char *why)
{
    size_t len = 0;
    char *cause = NULL;
    assert_null(message_team_request(m, &len, &cause));
    assert_non_null(cause);
    assert_non_null(strstr(cause, why));
    free(cause);
}

static void
test_team_request_bytes(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    /* The server takes project, bot and user from the room: not needed, not sent. */
    free(m->project);
    free(m->bot);
    free(m->user);
    m->project = m->bot = m->user = NULL;
    expect_team(m, "{\"id\":\"M1\",\"room\":\"R1\",\"type\":\"text\",\"text\":\"Hola\"}");
    message_free(m);

    m = mk(MSG_IMAGE);
    m->caption = xstrdup("mira \"esto\"");
    /* A probed mime is the server's to find again: left out. */
    expect_team(m, "{\"id\":\"M1\",\"room\":\"R1\",\"type\":\"image\","
                   "\"url\":\"https://cdn.example.com/a.png\",\"caption\":\"mira \\\"esto\\\"\"}");
    message_free(m);

    m = mk(MSG_DOCUMENT);
    free(m->mime);
    m->mime = xstrdup("image/png");
    m->mime_forced = 1;
    m->filename = xstrdup("plano.png");
    expect_team(m, "{\"id\":\"M1\",\"room\":\"R1\",\"type\":\"document\","
                   "\"url\":\"https://cdn.example.com/d.pdf\",\"filename\":\"plano.png\","
                   "\"mime\":\"image/png\"}");
    message_free(m);

    m = mk(MSG_AUDIO);
    free(m->mime);
    m->mime = NULL;
    expect_team(m, "{\"id\":\"M1\",\"room\":\"R1\",\"type\":\"audio\","
                   "\"url\":\"https://cdn.example.com/s.mp3\"}");
    message_free(m);
}

static void
test_team_request_refused(void **state)
{
    (void)state;
    struct message *m = mk(MSG_TEXT);
    free(m->room);
    m->room = NULL;
    expect_team_refused(m, "room_id");
    message_free(m);

    m = mk(MSG_TEXT);
    free(m->id);
    m->id = xstrdup("");
    expect_team_refused(m, "value.id");
    message_free(m);

    m = mk(MSG_IMAGE);
    free(m->url);
    m->url = xstrdup("http://cdn.example.com/a.png");
    expect_team_refused(m, "value.content.url");
    message_free(m);

    m = mk(MSG_DOCUMENT);
    m->caption = xstrdup("no");
    expect_team_refused(m, "caption is only allowed");
    message_free(m);

    m = mk(MSG_VIDEO);
    free(m->mime);
    m->mime = xstrdup("audio/mpeg");
    m->mime_forced = 1;
    expect_team_refused(m, "does not match type video");
    message_free(m);

    expect_team_refused(NULL, "missing");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_type_for_mime),
        cmocka_unit_test(test_new_and_free),
        cmocka_unit_test(test_serialize_text),
        cmocka_unit_test(test_team_request_bytes),
        cmocka_unit_test(test_team_request_refused),
        cmocka_unit_test(test_serialize_image),
        cmocka_unit_test(test_serialize_video),
        cmocka_unit_test(test_serialize_audio),
        cmocka_unit_test(test_serialize_document),
        cmocka_unit_test(test_serialize_len_may_be_null),
        cmocka_unit_test(test_serialize_escaping),
        cmocka_unit_test(test_escaping_round_trip),
        cmocka_unit_test(test_refuse_ids),
        cmocka_unit_test(test_refuse_type),
        cmocka_unit_test(test_refuse_invalid_utf8),
        cmocka_unit_test(test_refuse_text_rules),
        cmocka_unit_test(test_refuse_media_rules),
        cmocka_unit_test(test_refuse_media_url),
        cmocka_unit_test(test_refuse_mime_form),
        cmocka_unit_test(test_refuse_mime_family),
        cmocka_unit_test(test_parse_event_round_trip),
        cmocka_unit_test(test_parse_event_refusals),
        cmocka_unit_test(test_parse_event_raw_bytes),
        cmocka_unit_test(test_parse_event_accepts),
        cmocka_unit_test(test_parse_event_huge_string),
        cmocka_unit_test(test_batch_full),
        cmocka_unit_test(test_batch_minimal),
        cmocka_unit_test(test_batch_refusals),
        cmocka_unit_test(test_record_types_and_order),
        cmocka_unit_test(test_record_strings),
        cmocka_unit_test(test_record_same_key_replaces),
        cmocka_unit_test(test_record_append_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
