/* The sandbox's scripted users: lines of a JSON-lines script, emitted one after another. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/loop.h"
#include "jelou/message.h"
#include "jelou/mock.h"
#include "jelou/record.h"
#include "jelou/sign.h"
#include "jelou/xalloc.h"
#include "sandbox.h"

#define MOCK_SCRIPT_MAX_MS (24LL * 3600 * 1000)

struct script_line {
    struct record_view *v;
    long long after_ms;
    unsigned lineno;
};

static int
script_fail(char **cause, const char *path, unsigned lineno, char *msg)
{
    cause_fail(cause, xasprintf("script %s:%u: %s", path, lineno, msg));
    free(msg);
    return -1;
}

/* Checks one line now, so that a typo stops the start, not the demo a minute later. */
static int
script_check(const struct record_view *v, const char *path, unsigned lineno, char **cause)
{
    const char *ev = record_get_str(v, "event");
    long long after = 0;

    if (ev == NULL)
        return script_fail(cause, path, lineno, xstrdup("\"event\" is missing"));
    if (strcmp(ev, "message") != 0 && strcmp(ev, "conversation.start") != 0 &&
        strcmp(ev, "conversation.close") != 0)
        return script_fail(cause, path, lineno, xstrdup("\"event\" must be message, "
                                                        "conversation.start or "
                                                        "conversation.close"));
    if (record_get_int(v, "after_ms", &after) == 0 ? after < 0 || after > MOCK_SCRIPT_MAX_MS
                                                   : record_get_str(v, "after_ms") != NULL)
        return script_fail(cause, path, lineno, xasprintf("\"after_ms\" must be a whole "
                                                          "number from 0 to %ld",
                                                          (long)MOCK_SCRIPT_MAX_MS));
    if (record_get_str(v, "room") == NULL || record_get_str(v, "user") == NULL)
        return script_fail(cause, path, lineno, xstrdup("\"room\" and \"user\" are required"));
    if (strcmp(ev, "message") != 0)
        return 0;
    const char *type = record_get_str(v, "type");
    enum msg_type t = type != NULL ? msg_type_parse(type) : MSG_TEXT;
    if (t == MSG_NONE)
        return script_fail(cause, path, lineno, xstrdup("\"type\" must be text, image, video, "
                                                        "audio or document"));
    if (t == MSG_TEXT && record_get_str(v, "text") == NULL)
        return script_fail(cause, path, lineno, xstrdup("a text message needs \"text\""));
    if (t != MSG_TEXT && record_get_str(v, "url") == NULL)
        return script_fail(cause, path, lineno, xasprintf("a%s %s message needs \"url\"",
                                                          t == MSG_IMAGE || t == MSG_AUDIO ?
                                                          "n" : "", msg_type_name(t)));
    return 0;
}

int
mock_script_load(struct mock *m, const char *path, char **cause)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned lineno = 0;
    int rc = 0;

    if (f == NULL)
        return cause_fail(cause, xasprintf("cannot read script %s: %s", path,
                                           strerror(errno)));
    while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n == 0)
            continue;
        char *why = NULL;
        struct record_view *v = record_parse(line, (size_t)n, &why);
        if (v == NULL) {
            rc = script_fail(cause, path, lineno, why ? why : xstrdup("not valid JSON"));
            break;
        }
        if (script_check(v, path, lineno, cause) != 0) {
            record_view_free(v);
            rc = -1;
            break;
        }
        m->script = xrealloc(m->script, (m->nscript + 1) * sizeof m->script[0]);
        struct script_line *s = &m->script[m->nscript++];
        s->v = v;
        s->lineno = lineno;
        s->after_ms = 0;
        record_get_int(v, "after_ms", &s->after_ms);
    }
    if (rc == 0 && ferror(f))
        rc = cause_fail(cause, xasprintf("cannot read script %s: %s", path, strerror(errno)));
    free(line);
    fclose(f);
    return rc;
}

static char *
with_media(const struct mock *m, const char *url)
{
    char *base = mock_media_base(m);
    const char *hit = base ? strstr(url, "{media}") : NULL;
    char *out = hit ? xasprintf("%.*s%s%s", (int)(hit - url), url, base, hit + 7)
                    : xstrdup(url);
    free(base);
    return out;
}

static void
script_emit(struct mock *m, const struct record_view *v)
{
    const char *name = record_get_str(v, "event");
    const char *room = record_get_str(v, "room"), *user = record_get_str(v, "user");
    const char *uname = record_get_str(v, "name"), *bot = record_get_str(v, "bot");
    if (bot == NULL)
        bot = MOCK_DEFAULT_BOT;

    struct conv *c = mock_conv_active(m, user, NULL);
    if (strcmp(name, "conversation.close") == 0) {
        if (c == NULL)
            c = mock_conv_new(m, user, bot, room, uname);
        const char *reason = record_get_str(v, "reason");
        const char *message = record_get_str(v, "message");
        mock_conv_close(c, reason ? reason : "closed_by_operator");
        mock_emit_conv(m, c, EV_CONV_CLOSE, message ? message : record_get_str(v, "text"));
        return;
    }
    /* A message of a user without a conversation opens one quietly: the script is short. */
    if (c == NULL)
        c = mock_conv_new(m, user, bot, room, uname);
    else if (uname != NULL)
        xstrset(&c->user_name, uname);
    if (strcmp(name, "conversation.start") == 0) {
        mock_emit_conv(m, c, EV_CONV_START, NULL);
        return;
    }

    const char *type = record_get_str(v, "type");
    struct message msg = {0};
    char ev_name[] = "message";
    msg.type = type ? msg_type_parse(type) : MSG_TEXT;
    msg.id = record_get_str(v, "id") ? xstrdup(record_get_str(v, "id")) : sign_uuid4();
    msg.project = m->project;
    msg.room = c->room;
    msg.bot = c->bot;
    msg.user = c->user;
    msg.body = (char *)record_get_str(v, "text");
    char *url = record_get_str(v, "url") ? with_media(m, record_get_str(v, "url")) : NULL;
    msg.url = url;
    const char *mime = record_get_str(v, "mime");
    msg.mime = (char *)(mime ? mime : url ? mock_media_type(url) : NULL);
    msg.caption = (char *)record_get_str(v, "caption");
    msg.filename = (char *)record_get_str(v, "filename");
    struct event ev = mock_conv_event(m, c, EV_MESSAGE, ev_name);
    ev.msg = &msg;
    mock_emit(m, &ev);
    free(msg.id);
    free(url);
}

static void
script_tick(void *arg)
{
    struct mock *m = arg;
    m->script_timer = -1;
    script_emit(m, m->script[m->script_next].v);
    m->script_next++;
    if (m->script_next < m->nscript)
        m->script_timer = loop_after(m->loop, (long)m->script[m->script_next].after_ms,
                                     script_tick, m);
}

void
mock_script_start(struct mock *m)
{
    if (m->nscript > 0)
        m->script_timer = loop_after(m->loop, (long)m->script[0].after_ms, script_tick, m);
}

void
mock_script_free(struct mock *m)
{
    if (m->script_timer >= 0)
        loop_remove(m->loop, m->script_timer);
    m->script_timer = -1;
    for (size_t i = 0; i < m->nscript; i++)
        record_view_free(m->script[i].v);
    free(m->script);
    m->script = NULL;
    m->nscript = m->script_next = 0;
}
