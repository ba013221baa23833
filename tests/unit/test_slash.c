/* Unit tests for the compose box's helpers: slash commands, canned replies and the media
 * catalog (loading from files, errors naming PATH:LINE, expansion, completion, filtering). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jelou/catalog.h"
#include "jelou/replies.h"
#include "jelou/slash.h"

/* ---- slash commands ---- */

static void
plain_is(const char *text, const char *want)
{
    struct slash s;
    char *plain = (char *)1, *cause = NULL;
    assert_int_equal(slash_parse(text, &s, &plain, &cause), 0);
    assert_null(cause);
    if (want == NULL) {
        assert_null(plain);
    } else {
        assert_non_null(plain);
        assert_string_equal(plain, want);
    }
    free(plain);
}

static void
test_plain_text(void **state)
{
    (void)state;
    plain_is("hola, ¿cómo estás?", NULL);
    plain_is("", NULL);
    plain_is(" /image https://cdn.example.com/a.png", NULL);
    plain_is("a/b", NULL);
    plain_is("//x", "/x");
    plain_is("//", "/");
    plain_is("//image not a command", "/image not a command");
}

/* Parses a command and checks every field; NULL means the field must be NULL. */
static void
cmd_is(const char *text, enum slash_cmd cmd, const char *arg, const char *arg2,
       const char *rest, int n)
{
    struct slash s;
    char *plain = NULL, *cause = NULL;

    assert_int_equal(slash_parse(text, &s, &plain, &cause), 1);
    assert_null(cause);
    assert_null(plain);
    assert_int_equal(s.cmd, cmd);
    if (arg)
        assert_string_equal(s.arg, arg);
    else
        assert_null(s.arg);
    if (arg2)
        assert_string_equal(s.arg2, arg2);
    else
        assert_null(s.arg2);
    if (rest)
        assert_string_equal(s.rest, rest);
    else
        assert_null(s.rest);
    assert_int_equal(s.n, n);
    slash_clear(&s);
    assert_null(s.arg);
    assert_null(s.rest);
}

#define PNG "https://cdn.example.com/a.png"

static void
test_commands(void **state)
{
    (void)state;
    cmd_is("/image " PNG, SLASH_IMAGE, PNG, NULL, NULL, 1);
    cmd_is("/image   " PNG "   Así   pagas  ", SLASH_IMAGE, PNG, NULL, "Así   pagas", 1);
    cmd_is("/video " PNG " mira esto", SLASH_VIDEO, PNG, NULL, "mira esto", 1);
    cmd_is("/video " PNG, SLASH_VIDEO, PNG, NULL, NULL, 1);
    cmd_is("/audio " PNG, SLASH_AUDIO, PNG, NULL, NULL, 1);
    cmd_is("/audio " PNG "  ", SLASH_AUDIO, PNG, NULL, NULL, 1);
    cmd_is("/doc " PNG " My guide.pdf", SLASH_DOC, PNG, NULL, "My guide.pdf", 1);
    cmd_is("/doc " PNG, SLASH_DOC, PNG, NULL, NULL, 1);
    cmd_is("/attach " PNG, SLASH_ATTACH, PNG, NULL, NULL, 1);
    cmd_is("/media", SLASH_MEDIA, NULL, NULL, NULL, 1);
    cmd_is("/history", SLASH_HISTORY, NULL, NULL, NULL, 1);
    cmd_is("/history  ", SLASH_HISTORY, NULL, NULL, NULL, 1);
    cmd_is("/retry", SLASH_RETRY, NULL, NULL, NULL, 1);
    cmd_is("/retry 3", SLASH_RETRY, NULL, NULL, NULL, 3);
    cmd_is("/retry  12 ", SLASH_RETRY, NULL, NULL, NULL, 12);
    cmd_is("/open R1 U1", SLASH_OPEN, "R1", "U1", NULL, 1);
    cmd_is("/open R1 U1 Ana María  López ", SLASH_OPEN, "R1", "U1", "Ana María  López", 1);
    cmd_is("/reply hello", SLASH_REPLY, "hello", NULL, NULL, 1);
    cmd_is("/edit", SLASH_EDIT, NULL, NULL, NULL, 1);
    cmd_is("/sort", SLASH_SORT, NULL, NULL, NULL, 1);
    cmd_is("/sort waiting", SLASH_SORT, "waiting", NULL, NULL, 1);
    cmd_is("/sort recent", SLASH_SORT, "recent", NULL, NULL, 1);
    cmd_is("/mute", SLASH_MUTE, NULL, NULL, NULL, 1);
    cmd_is("/help", SLASH_HELP, NULL, NULL, NULL, 1);
    cmd_is("/quit", SLASH_QUIT, NULL, NULL, NULL, 1);
    /* A multi-line draft: the caption keeps its inner newline. */
    cmd_is("/image " PNG " line one\nline two\n", SLASH_IMAGE, PNG, NULL,
           "line one\nline two", 1);
    cmd_is("/quit\n", SLASH_QUIT, NULL, NULL, NULL, 1);
}

static void
error_is(const char *text, const char *want)
{
    struct slash s;
    char *plain = (char *)1, *cause = NULL;

    assert_int_equal(slash_parse(text, &s, &plain, &cause), -1);
    assert_null(plain);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
    /* Nothing is left to free after an error. */
    assert_null(s.arg);
    assert_null(s.arg2);
    assert_null(s.rest);
    slash_clear(&s);
}

static void
test_errors(void **state)
{
    (void)state;
    error_is("/foo", "unknown command /foo; /help lists them");
    error_is("/foo bar baz", "unknown command /foo; /help lists them");
    error_is("/Image " PNG, "unknown command /Image; /help lists them");
    error_is("/HELP", "unknown command /HELP; /help lists them");
    error_is("/abcdefghijklmnopqrstuvwxyz0123456789",
             "unknown command /abcdefghijklmnopqrstuvwx...; /help lists them");
    error_is("/a\x1b[2Jb", "unknown command /a?[2Jb; /help lists them");
    error_is("/", "a lone / is not a command; /help lists them (// sends a /)");
    error_is("/ image", "a lone / is not a command; /help lists them (// sends a /)");

    error_is("/image", "/image needs a URL: /image URL [caption]");
    error_is("/image   ", "/image needs a URL: /image URL [caption]");
    error_is("/video", "/video needs a URL: /video URL [caption]");
    error_is("/audio", "/audio needs a URL: /audio URL");
    error_is("/audio " PNG " caption", "/audio takes only a URL: /audio URL");
    error_is("/doc", "/doc needs a URL: /doc URL [filename]");
    error_is("/attach", "/attach needs a URL: /attach URL");
    error_is("/attach " PNG " x", "/attach takes only a URL: /attach URL");

    error_is("/media x", "/media takes no arguments");
    error_is("/history all", "/history takes no arguments");
    error_is("/edit now", "/edit takes no arguments");
    error_is("/mute on", "/mute takes no arguments");
    error_is("/help image", "/help takes no arguments");
    error_is("/quit now", "/quit takes no arguments");

    error_is("/retry 0", "/retry wants a number, like /retry 2");
    error_is("/retry -1", "/retry wants a number, like /retry 2");
    error_is("/retry +2", "/retry wants a number, like /retry 2");
    error_is("/retry two", "/retry wants a number, like /retry 2");
    error_is("/retry 2x", "/retry wants a number, like /retry 2");
    error_is("/retry 2 3", "/retry wants a number, like /retry 2");
    error_is("/retry 99999999999", "/retry wants a number, like /retry 2");

    error_is("/open", "/open needs a room and a user: /open ROOM USER [name]");
    error_is("/open R1", "/open needs a room and a user: /open ROOM USER [name]");
    error_is("/reply", "/reply needs a name: /reply NAME");
    error_is("/reply hello there", "/reply takes only a name: /reply NAME");
    error_is("/sort up", "/sort wants waiting or recent: /sort [waiting|recent]");
    error_is("/sort Waiting", "/sort wants waiting or recent: /sort [waiting|recent]");
    error_is("/sort waiting now", "/sort wants waiting or recent: /sort [waiting|recent]");

    /* A caller that does not want the cause. */
    struct slash s;
    assert_int_equal(slash_parse("/nope", &s, NULL, NULL), -1);
}

static void
test_conversation_commands(void **state)
{
    (void)state;
    struct slash s;
    char *cause = NULL;
    assert_int_equal(slash_parse("/close", &s, NULL, &cause), 1);
    assert_int_equal(s.cmd, SLASH_CLOSE);
    assert_null(s.rest);
    slash_clear(&s);
    assert_int_equal(slash_parse("/close  Gracias por escribirnos ", &s, NULL, &cause), 1);
    assert_string_equal(s.rest, "Gracias por escribirnos");
    slash_clear(&s);
    assert_int_equal(slash_parse("/start u-9 Hola, te escribimos de soporte", &s, NULL, &cause), 1);
    assert_int_equal(s.cmd, SLASH_START);
    assert_string_equal(s.arg, "u-9");
    assert_string_equal(s.rest, "Hola, te escribimos de soporte");
    slash_clear(&s);
    assert_int_equal(slash_parse("/start", &s, NULL, &cause), -1);
    assert_string_equal(cause, "/start needs a user: /start USER [message]");
    free(cause);
    assert_int_equal(slash_parse("/info now", &s, NULL, &cause), -1);
    assert_string_equal(cause, "/info takes no arguments");
    free(cause);
}

/* Team mode's commands: the parser's part (the console says "team mode only" itself). */
static void
test_team_commands(void **state)
{
    (void)state;
    cmd_is("/view mine", SLASH_VIEW, "mine", NULL, NULL, 1);
    cmd_is("/view Unassigned", SLASH_VIEW, "Unassigned", NULL, NULL, 1);
    cmd_is("/view all", SLASH_VIEW, "all", NULL, NULL, 1);
    cmd_is("/view mentions ", SLASH_VIEW, "mentions", NULL, NULL, 1);
    cmd_is("/view", SLASH_VIEW, NULL, NULL, NULL, 1);
    cmd_is("/take", SLASH_TAKE, NULL, NULL, NULL, 1);
    cmd_is("/release", SLASH_RELEASE, NULL, NULL, NULL, 1);
    cmd_is("/assign laura", SLASH_ASSIGN, "laura", NULL, NULL, 1);
    cmd_is("/note  @laura VIP, be kind ", SLASH_NOTE, NULL, NULL, "@laura VIP, be kind", 1);
    cmd_is("/status pending", SLASH_STATUS, "pending", NULL, NULL, 1);
    cmd_is("/status resolved", SLASH_STATUS, "resolved", NULL, NULL, 1);
    cmd_is("/status snoozed 30m", SLASH_STATUS, "snoozed", NULL, NULL, 1800);
    cmd_is("/status snoozed 2h", SLASH_STATUS, "snoozed", NULL, NULL, 7200);
    cmd_is("/status snoozed 1d", SLASH_STATUS, "snoozed", NULL, NULL, 86400);

    error_is("/view yours", "/view wants one of: /view [mine|unassigned|all|mentions]");
    error_is("/view mine all", "/view wants one of: /view [mine|unassigned|all|mentions]");
    error_is("/take now", "/take takes no arguments");
    error_is("/assign", "/assign needs a name: /assign NAME");
    error_is("/assign laura ana", "/assign takes only a name: /assign NAME");
    error_is("/note", "/note needs a text: /note TEXT");
    error_is("/note   ", "/note needs a text: /note TEXT");
    error_is("/status", "/status wants: /status pending|snoozed DURATION|resolved");
    error_is("/status asleep", "/status wants: /status pending|snoozed DURATION|resolved");
    error_is("/status pending 2h", "/status wants: /status pending|snoozed DURATION|resolved");
    const char *snooze = "/status snoozed wants a duration, like 30m, 2h or 1d";
    error_is("/status snoozed", snooze);
    error_is("/status snoozed 2", snooze);
    error_is("/status snoozed 2w", snooze);
    error_is("/status snoozed 0m", snooze);
    error_is("/status snoozed 2hh", snooze);
    error_is("/status snoozed -1h", snooze);
    error_is("/status snoozed 400d", snooze);
    error_is("/status snoozed 2h later", snooze);
}

static void
test_names(void **state)
{
    (void)state;
    static const char *const want[] = {
        "/image", "/video", "/audio", "/doc", "/attach", "/media", "/history", "/retry",
        "/open", "/reply", "/edit", "/sort", "/mute", "/close", "/start", "/info", "/resume",
        "/help", "/quit", "/view", "/take", "/release", "/assign", "/note", "/status",
    };
    size_t n = 0;
    while (slash_names[n] != NULL) {
        assert_true(n < 25);
        assert_string_equal(slash_names[n], want[n]);
        n++;
    }
    assert_int_equal(n, 25);

    /* Every listed name is one the parser knows. */
    for (size_t i = 0; i < n; i++) {
        struct slash s;
        char *cause = NULL;
        int rc = slash_parse(slash_names[i], &s, NULL, &cause);
        if (rc == -1) {
            assert_null(strstr(cause, "unknown command"));
            free(cause);
        } else {
            assert_int_equal(rc, 1);
            slash_clear(&s);
        }
    }
}

/* ---- files for replies and catalog ---- */

struct fixture {
    char dir[64];
    char path[128];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    strcpy(fx->dir, "/tmp/jelou-slash-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/file", fx->dir);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    unlink(fx->path);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void
spill(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* An asset shipped with the sources: $srcdir under make check, else the current directory. */
static char *
asset(const char *name)
{
    const char *srcdir = getenv("srcdir");
    size_t n = strlen(srcdir ? srcdir : ".") + strlen(name) + 16;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/assets/%s", srcdir ? srcdir : ".", name);
    return p;
}

/* ---- canned replies ---- */

static void
test_replies_load(void **state)
{
    struct fixture *fx = *state;
    struct replies r = {0};
    char *cause = NULL;

    spill(fx->path, "\xef\xbb\xbf# canned replies\n"
                    "\n"
                    "hello: Hola {name}, soy {agent}.\n"
                    "   # indented comment\n"
                    "  wait :   Un momento, por favor.   \n"
                    "bye-2: Gracias.\\nAdiós.\r\n"
                    "lit_1: a \\\\n stays, \\t stays\n"
                    "help-desk: x: y");
    assert_int_equal(replies_load(fx->path, &r, &cause), 0);
    assert_null(cause);
    assert_int_equal(r.n, 5);
    assert_string_equal(r.items[0].name, "hello");
    assert_string_equal(r.items[0].text, "Hola {name}, soy {agent}.");
    assert_string_equal(r.items[1].name, "wait");
    assert_string_equal(r.items[1].text, "Un momento, por favor.");
    assert_string_equal(r.items[2].name, "bye-2");
    assert_string_equal(r.items[2].text, "Gracias.\nAdiós.");
    assert_string_equal(r.items[3].text, "a \\n stays, \\t stays");
    assert_string_equal(r.items[4].name, "help-desk");
    assert_string_equal(r.items[4].text, "x: y");

    assert_ptr_equal(replies_find(&r, "wait"), &r.items[1]);
    assert_null(replies_find(&r, "Wait"));
    assert_null(replies_find(&r, "nope"));

    const char *out[8];
    assert_int_equal(replies_complete(&r, "h", out, 8), 2);
    assert_string_equal(out[0], "hello");
    assert_string_equal(out[1], "help-desk");
    assert_int_equal(replies_complete(&r, "hel", out, 1), 1);
    assert_string_equal(out[0], "hello");
    assert_int_equal(replies_complete(&r, "", out, 8), 5);
    assert_string_equal(out[4], "help-desk");
    assert_int_equal(replies_complete(&r, "zzz", out, 8), 0);
    assert_int_equal(replies_complete(&r, "hello!", out, 8), 0);
    replies_clear(&r);
    assert_int_equal(r.n, 0);
    assert_null(r.items);
    replies_clear(&r);
}

static void
test_replies_missing_file(void **state)
{
    struct fixture *fx = *state;
    struct replies r = {(void *)1, 3};
    char *cause = NULL;
    assert_int_equal(replies_load(fx->path, &r, &cause), 0);
    assert_null(cause);
    assert_int_equal(r.n, 0);
    assert_null(r.items);
}

static void
replies_error_is(struct fixture *fx, const char *text, int line, const char *want)
{
    struct replies r = {0};
    char *cause = NULL;
    char full[256];

    spill(fx->path, text);
    assert_int_equal(replies_load(fx->path, &r, &cause), -1);
    snprintf(full, sizeof full, "%s:%d: %s", fx->path, line, want);
    assert_non_null(cause);
    assert_string_equal(cause, full);
    free(cause);
    assert_int_equal(r.n, 0);
    assert_null(r.items);
}

static void
test_replies_errors(void **state)
{
    struct fixture *fx = *state;
    replies_error_is(fx, "hello: a\n# c\nwait: b\nhello: c\n", 4,
                     "duplicate shortcode hello (first on line 1)");
    replies_error_is(fx, "hello: a\njust some text\n", 2, "expected 'shortcode: text'");
    replies_error_is(fx, "Hello: a\n", 1, "shortcode 'Hello' may only use a-z, 0-9, _ and -");
    replies_error_is(fx, "two words: a\n", 1,
                     "shortcode 'two words' may only use a-z, 0-9, _ and -");
    replies_error_is(fx, "ok: a\n: text\n", 2, "missing shortcode before ':'");
    replies_error_is(fx, "\n\nempty:   \n", 3, "reply empty has no text");
    replies_error_is(fx, "bad: caf\xe9\n", 1, "not valid UTF-8");
}

static void
expand_is(const char *text, const char *name, const char *agent, const char *want)
{
    struct reply r = {"x", (char *)text};
    char *got = replies_expand(&r, name, agent);
    assert_string_equal(got, want);
    free(got);
}

static void
test_replies_expand(void **state)
{
    (void)state;
    expand_is("Hola {name}, soy {agent}.", "Ana", "Luis", "Hola Ana, soy Luis.");
    expand_is("Hola {name}, soy {agent}.", NULL, NULL, "Hola there, soy your agent.");
    expand_is("Hola {name}, soy {agent}.", "", "", "Hola there, soy your agent.");
    expand_is("{name}{name} {agent}!", "A", "B", "AA B!");
    expand_is("{Name} {x} {name {} {agent", "Ana", "Luis", "{Name} {x} {name {} {agent");
    expand_is("no variables\nat all", "Ana", "Luis", "no variables\nat all");
    /* A name that looks like a variable is not expanded again. */
    expand_is("{name} / {agent}", "{agent}", "Luis", "{agent} / Luis");
    expand_is("", "Ana", "Luis", "");
}

static void
test_replies_example(void **state)
{
    (void)state;
    char *path = asset("replies.example");
    struct replies r = {0};
    char *cause = NULL;

    assert_int_equal(access(path, R_OK), 0);
    assert_int_equal(replies_load(path, &r, &cause), 0);
    assert_null(cause);
    static const char *const names[] = {"hello", "wait", "thanks", "bye", "docs"};
    for (size_t i = 0; i < 5; i++) {
        const struct reply *one = replies_find(&r, names[i]);
        assert_non_null(one);
        char *text = replies_expand(one, "Ana", "Luis");
        assert_null(strchr(text, '{'));
        assert_true(strstr(text, "Ana") != NULL || strstr(text, "Luis") != NULL);
        free(text);
    }
    replies_clear(&r);
    free(path);
}

/* ---- media catalog ---- */

static void
item_is(const struct media_item *it, const char *url, enum msg_type type, const char *label,
        const char *caption)
{
    assert_string_equal(it->url, url);
    assert_int_equal(it->type, type);
    if (label)
        assert_string_equal(it->label, label);
    else
        assert_null(it->label);
    if (caption)
        assert_string_equal(it->caption, caption);
    else
        assert_null(it->caption);
    assert_null(it->mime);
    assert_true(it->size == -1);
    assert_int_equal(it->from_session, 0);
}

static void
test_catalog_load(void **state)
{
    struct fixture *fx = *state;
    struct catalog c = {0};
    char *cause = NULL;

    spill(fx->path, "# media\n"
                    "\n"
                    "https://cdn.example.com/pay.png | image | How to pay | Así pagas\n"
                    "  https://cdn.example.com/v.mp4|video|Reset|  \n"
                    "https://cdn.example.com/a.mp3 | audio\n"
                    "https://cdn.example.com/guide.pdf | document | Guide (PDF)\r\n"
                    "https://cdn.example.com/any.bin\n"
                    "https://cdn.example.com/x.png |  | Pipes | a | b |c\n"
                    "https://cdn.example.com/pay.png | | | second caption\n");
    assert_int_equal(catalog_load(fx->path, &c, &cause), 0);
    assert_null(cause);
    assert_int_equal(c.n, 6);
    item_is(&c.items[0], "https://cdn.example.com/pay.png", MSG_IMAGE, "How to pay",
            "Así pagas");
    item_is(&c.items[1], "https://cdn.example.com/v.mp4", MSG_VIDEO, "Reset", NULL);
    item_is(&c.items[2], "https://cdn.example.com/a.mp3", MSG_AUDIO, NULL, NULL);
    item_is(&c.items[3], "https://cdn.example.com/guide.pdf", MSG_DOCUMENT, "Guide (PDF)",
            NULL);
    item_is(&c.items[4], "https://cdn.example.com/any.bin", MSG_NONE, NULL, NULL);
    item_is(&c.items[5], "https://cdn.example.com/x.png", MSG_NONE, "Pipes", "a | b |c");
    catalog_clear(&c);
    assert_int_equal(c.n, 0);
    assert_null(c.items);

    unlink(fx->path);
    assert_int_equal(catalog_load(fx->path, &c, &cause), 0);
    assert_null(cause);
    assert_int_equal(c.n, 0);
}

static void
catalog_error_is(struct fixture *fx, const char *text, int line, const char *want)
{
    struct catalog c = {0};
    char *cause = NULL;
    char full[256];

    /* What the catalog held before a failed load stays as it was. */
    catalog_add(&c, "https://cdn.example.com/kept.png", MSG_IMAGE, NULL, "kept", NULL, 1);
    spill(fx->path, text);
    assert_int_equal(catalog_load(fx->path, &c, &cause), -1);
    snprintf(full, sizeof full, "%s:%d: %s", fx->path, line, want);
    assert_non_null(cause);
    assert_string_equal(cause, full);
    free(cause);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.items[0].label, "kept");
    catalog_clear(&c);
}

static void
test_catalog_errors(void **state)
{
    struct fixture *fx = *state;
    catalog_error_is(fx, "https://cdn.example.com/a.png | image\n"
                         "https://cdn.example.com/b.gif | gif | B\n", 2,
                     "type 'gif' is not image, video, audio or document (or empty)");
    catalog_error_is(fx, "https://cdn.example.com/a.png | Image\n", 1,
                     "type 'Image' is not image, video, audio or document (or empty)");
    catalog_error_is(fx, "# c\nhttps://cdn.example.com/a.txt | text\n", 2,
                     "type 'text' is not image, video, audio or document (or empty)");
    catalog_error_is(fx, "\nhttp://cdn.example.com/a.png | image\n", 2,
                     "media URL must start with https:// (got http://cdn.example.com/a.png)");
    catalog_error_is(fx, " | image | label\n", 1, "missing URL (URL | type | label | caption)");
    catalog_error_is(fx, "https://cdn.example.com/caf\xe9.png\n", 1, "not valid UTF-8");
}

static void
test_catalog_add(void **state)
{
    (void)state;
    struct catalog c = {0};

    catalog_add(&c, "https://cdn.example.com/a.png", MSG_NONE, NULL, "A", NULL, 0);
    catalog_add(&c, "https://cdn.example.com/b.pdf", MSG_DOCUMENT, "application/pdf", NULL,
                NULL, 1);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.items[1].from_session, 1);
    assert_string_equal(c.items[1].mime, "application/pdf");
    assert_true(c.items[1].size == -1);

    /* Seen again: fills what is missing, keeps what is known, does not add a row. */
    catalog_add(&c, "https://cdn.example.com/a.png", MSG_IMAGE, "image/png", "other label",
                "caption", 1);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.items[0].type, MSG_IMAGE);
    assert_string_equal(c.items[0].mime, "image/png");
    assert_string_equal(c.items[0].label, "A");
    assert_string_equal(c.items[0].caption, "caption");
    assert_int_equal(c.items[0].from_session, 1);
    catalog_add(&c, "https://cdn.example.com/a.png", MSG_VIDEO, "video/mp4", NULL, NULL, 0);
    assert_int_equal(c.items[0].type, MSG_IMAGE);
    assert_string_equal(c.items[0].mime, "image/png");
    assert_int_equal(c.items[0].from_session, 1);

    catalog_add(&c, NULL, MSG_IMAGE, NULL, NULL, NULL, 1);
    catalog_add(&c, "", MSG_IMAGE, NULL, NULL, NULL, 1);
    assert_int_equal(c.n, 2);
    for (int i = 0; i < 40; i++) {
        char url[64];
        snprintf(url, sizeof url, "https://cdn.example.com/%d.png", i);
        catalog_add(&c, url, MSG_IMAGE, NULL, NULL, NULL, 1);
    }
    assert_int_equal(c.n, 42);
    assert_string_equal(c.items[41].url, "https://cdn.example.com/39.png");
    catalog_clear(&c);
}

static void
filter_is(const struct catalog *c, const char *filter, const char *want)
{
    size_t idx[16];
    char got[17] = {0};
    size_t n = catalog_filter(c, filter, idx, 16);
    for (size_t i = 0; i < n; i++)
        got[i] = (char)('0' + idx[i]);
    assert_string_equal(got, want);
}

static void
test_catalog_filter(void **state)
{
    (void)state;
    struct catalog c = {0};
    catalog_add(&c, "https://cdn.example.com/pay.png", MSG_IMAGE, NULL, "How to pay",
                "Así pagas", 0);
    catalog_add(&c, "https://cdn.example.com/reset.mp4", MSG_VIDEO, "video/mp4",
                "Reset password", NULL, 0);
    catalog_add(&c, "https://cdn.example.com/guide.pdf", MSG_DOCUMENT, "application/pdf",
                "User guide", NULL, 1);
    catalog_add(&c, "https://files.example.org/raw", MSG_NONE, NULL, NULL, NULL, 1);

    filter_is(&c, "", "0123");
    filter_is(&c, NULL, "0123");
    filter_is(&c, "  ", "0123");
    filter_is(&c, "PAY", "0");          /* label and url, any case */
    filter_is(&c, "así", "0");          /* caption */
    filter_is(&c, "cdn", "012");        /* url */
    filter_is(&c, "video", "1");        /* type name and mime */
    filter_is(&c, "image", "0");        /* type name alone */
    filter_is(&c, "application/pdf", "2");
    filter_is(&c, "document", "2");
    filter_is(&c, "example", "0123");
    filter_is(&c, "cdn guide", "2");    /* every word */
    filter_is(&c, "cdn  nothing", "");
    filter_is(&c, "raw", "3");

    size_t one[1];
    assert_int_equal(catalog_filter(&c, "example", one, 1), 1);
    assert_int_equal(one[0], 0);
    assert_int_equal(catalog_filter(&c, "example", one, 0), 0);
    catalog_clear(&c);
}

static void
test_catalog_example(void **state)
{
    (void)state;
    char *path = asset("media.example");
    struct catalog c = {0};
    char *cause = NULL;
    int seen[MSG_TYPE_COUNT] = {0};

    assert_int_equal(catalog_load(path, &c, &cause), 0);
    assert_null(cause);
    assert_true(c.n >= 4);
    for (size_t i = 0; i < c.n; i++) {
        assert_non_null(strstr(c.items[i].url, "https://cdn.example.com/"));
        assert_non_null(c.items[i].label);
        if (c.items[i].type != MSG_NONE)
            seen[c.items[i].type]++;
    }
    assert_int_equal(seen[MSG_IMAGE], 1);
    assert_int_equal(seen[MSG_VIDEO], 1);
    assert_int_equal(seen[MSG_AUDIO], 1);
    assert_int_equal(seen[MSG_DOCUMENT], 1);
    catalog_clear(&c);
    free(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_team_commands),
        cmocka_unit_test(test_conversation_commands),
        cmocka_unit_test_setup_teardown(test_replies_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replies_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replies_errors, setup, teardown),
        cmocka_unit_test(test_replies_expand),
        cmocka_unit_test(test_replies_example),
        cmocka_unit_test_setup_teardown(test_catalog_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_errors, setup, teardown),
        cmocka_unit_test(test_catalog_add),
        cmocka_unit_test(test_catalog_filter),
        cmocka_unit_test(test_catalog_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
