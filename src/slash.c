/* Slash commands typed in the compose box: parsing only, no effects. */
#include "jelou/slash.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/cause.h"
#include "jelou/i18n.h"
#include "jelou/inbox.h"
#include "jelou/xalloc.h"

#define SPACE " \t\r\n"

/* How much of an unknown command is quoted back, so that the cause stays one short line. */
/* A typo quoted back on screen is cut this short (never inside a character). */
#define NAME_MAX_SHOWN 24

enum shape {
    URL_REST,  /* URL, then free text */
    URL_ONLY,
    NO_ARGS,
    RETRY,
    OPEN,
    ONE_NAME,
    SORT,
    TEXT_ONLY, /* optional free text */
    USER_REST, /* a user id, then optional free text */
    VIEW,      /* optional: one of the inbox's views */
    TEXT_NEEDED, /* free text that must be there */
    STATUS,    /* pending, resolved, open, or snoozed and a duration */
};

struct command {
    const char *name;
    enum slash_cmd cmd;
    enum shape shape;
    const char *usage;
};

#define COMMAND_ITEM(id, name, shape, usage, ...) {#name, SLASH_##id, shape, usage},
static const struct command commands[] = {SLASH_COMMANDS(COMMAND_ITEM)};
#undef COMMAND_ITEM

#define NAME_ITEM(id, name, ...) "/" #name,
const char *const slash_names[] = {SLASH_COMMANDS(NAME_ITEM) NULL};
#undef NAME_ITEM

/* The next word at *p (advanced past it), newly allocated, or NULL at the end. */
static char *
next_word(const char **p)
{
    const char *s = *p + strspn(*p, SPACE);
    size_t n = strcspn(s, SPACE);

    *p = s + n;
    return n ? xstrndup(s, n) : NULL;
}

/* What is left of the line, trimmed, or NULL when nothing is. */
static char *
rest_of(const char *p)
{
    size_t n;

    p += strspn(p, SPACE);
    n = strlen(p);
    while (n > 0 && strchr(SPACE, p[n - 1]) != NULL)
        n--;
    return n ? xstrndup(p, n) : NULL;
}

/* A positive decimal at the start of w (no sign, no blank): 0 with *v and *end, or -1. */
static int
leading_number(const char *w, long *v, char **end)
{
    if (w[0] < '0' || w[0] > '9')
        return -1;
    errno = 0;
    *v = strtol(w, end, 10);
    return errno != 0 || *v < 1 ? -1 : 0;
}

static int
parse_count(const char *w, int *n)
{
    char *end;
    long v;

    if (leading_number(w, &v, &end) != 0 || *end != '\0' || v > INT_MAX)
        return -1;
    *n = (int)v;
    return 0;
}

/* "30m", "2h", "1d" in seconds: 0, or -1 for anything else (up to a year). */
static int
parse_duration(const char *w, int *secs)
{
    char *end;
    long v;

    if (leading_number(w, &v, &end) != 0)
        return -1;
    long unit = end[0] == 'm' ? 60 : end[0] == 'h' ? 3600 : end[0] == 'd' ? 86400 : 0;
    if (unit == 0 || end[1] != '\0' || v > 366L * 86400 / unit)
        return -1;
    *secs = (int)(v * unit);
    return 0;
}

static int
parse_args(const struct command *c, const char *p, struct slash *out, char **cause)
{
    char *extra = NULL;
    int rc = 0;

    switch (c->shape) {
    case URL_REST:
        out->arg = next_word(&p);
        if (out->arg == NULL)
            return cause_fail(cause, xasprintf(_("/%s needs a URL: %s"), c->name, c->usage));
        out->rest = rest_of(p);
        return 0;
    case URL_ONLY:
        out->arg = next_word(&p);
        if (out->arg == NULL)
            return cause_fail(cause, xasprintf(_("/%s needs a URL: %s"), c->name, c->usage));
        if ((extra = next_word(&p)) != NULL)
            rc = cause_fail(cause, xasprintf(_("/%s takes only a URL: %s"), c->name, c->usage));
        break;
    case NO_ARGS:
        if ((extra = next_word(&p)) != NULL)
            rc = cause_fail(cause, xasprintf(_("/%s takes no arguments"), c->name));
        break;
    case RETRY: {
        char *w = next_word(&p);
        extra = next_word(&p);
        if (w != NULL && (extra != NULL || parse_count(w, &out->n) != 0))
            rc = cause_fail(cause, xstrdup(_("/retry wants a number, like /retry 2")));
        free(w);
        break;
    }
    case OPEN:
        out->arg = next_word(&p);
        out->arg2 = next_word(&p);
        if (out->arg2 == NULL)
            return cause_fail(cause, xasprintf(_("/open needs a room and a user: %s"), c->usage));
        out->rest = rest_of(p);
        return 0;
    case ONE_NAME:
        out->arg = next_word(&p);
        if (out->arg == NULL)
            return cause_fail(cause, xasprintf(_("/%s needs a name: %s"), c->name, c->usage));
        if ((extra = next_word(&p)) != NULL)
            rc = cause_fail(cause, xasprintf(_("/%s takes only a name: %s"), c->name, c->usage));
        break;
    case TEXT_ONLY:
        out->rest = rest_of(p);
        return 0;
    case USER_REST:
        out->arg = next_word(&p);
        if (out->arg == NULL)
            return cause_fail(cause, xasprintf(_("/%s needs a user: %s"), c->name, c->usage));
        out->rest = rest_of(p);
        return 0;
    case VIEW:
        out->arg = next_word(&p);
        extra = next_word(&p);
        if (extra != NULL || (out->arg != NULL && inbox_view_parse(out->arg) == VIEW_COUNT))
            rc = cause_fail(cause, xasprintf(_("/view wants one of: %s"), c->usage));
        break;
    case TEXT_NEEDED:
        out->rest = rest_of(p);
        if (out->rest == NULL)
            return cause_fail(cause, xasprintf(_("/%s needs a text: %s"), c->name, c->usage));
        return 0;
    case STATUS: {
        out->arg = next_word(&p);
        char *d = next_word(&p);
        extra = next_word(&p);
        int snoozed = out->arg != NULL && strcmp(out->arg, "snoozed") == 0;
        int plain = out->arg != NULL && (strcmp(out->arg, "pending") == 0 ||
                                         strcmp(out->arg, "resolved") == 0 ||
                                         strcmp(out->arg, "open") == 0);
        if (snoozed && (d == NULL || extra != NULL || parse_duration(d, &out->n) != 0))
            rc = cause_fail(cause, xstrdup(_("/status snoozed wants a duration, like 30m, 2h "
                                             "or 1d")));
        else if (!snoozed && (!plain || d != NULL))
            rc = cause_fail(cause, xasprintf(_("/status wants: %s"), c->usage));
        free(d);
        break;
    }
    case SORT:
        out->arg = next_word(&p);
        extra = next_word(&p);
        if (extra != NULL || (out->arg != NULL && strcmp(out->arg, "waiting") != 0 &&
                              strcmp(out->arg, "recent") != 0))
            rc = cause_fail(cause, xasprintf(_("/sort wants waiting or recent: %s"), c->usage));
        break;
    }
    free(extra);
    return rc;
}

int
slash_parse(const char *text, struct slash *out, char **plain, char **cause)
{
    const char *p;
    size_t n;

    memset(out, 0, sizeof *out);
    out->n = 1;
    if (plain != NULL)
        *plain = NULL;
    if (text == NULL || text[0] != '/')
        return 0;
    if (text[1] == '/') {
        if (plain != NULL)
            *plain = xstrdup(text + 1);
        return 0;
    }
    p = text + 1;
    n = strcspn(p, SPACE);
    if (n == 0)
        return cause_fail(cause, xstrdup(_("a lone / is not a command; /help lists them "
                                     "(// sends a /)")));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const struct command *c = &commands[i];
        if (strlen(c->name) != n || strncmp(c->name, p, n) != 0)
            continue;
        out->cmd = c->cmd;
        if (parse_args(c, p + n, out, cause) != 0) {
            slash_clear(out);
            return -1;
        }
        return 1;
    }
    char *shown = cause_excerpt_max(p, n, NAME_MAX_SHOWN);
    int rc = cause_fail(cause, xasprintf(_("unknown command /%s; /help lists them"), shown));
    free(shown);
    return rc;
}

void
slash_clear(struct slash *s)
{
    if (s == NULL)
        return;
    free(s->arg);
    free(s->arg2);
    free(s->rest);
    s->arg = s->arg2 = s->rest = NULL;
}
