/* The model the screen draws: rooms, their users, messages and send states. No curses. */
#include "jelou/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/editbuf.h"
#include "jelou/event.h"
#include "jelou/i18n.h"
#include "jelou/idmap.h"
#include "jelou/xalloc.h"

struct session *
session_new(void)
{
    struct session *s = xcalloc(1, sizeof *s);
    s->sort = SORT_WAITING;
    s->index = idmap_new();
    return s;
}

static void
room_free(struct room *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nmsgs; i++)
        chat_msg_free(r->msgs[i]);
    free(r->msgs);
    editbuf_free(r->draft);
    free(r->id);
    free(r->user);
    free(r->name);
    free(r->project);
    free(r->bot);
    free(r->conversation);
    free(r->close_reason);
    free(r->assignee);
    free(r->typing);
    for (size_t i = 0; i < r->naudit; i++) {
        free(r->audit[i].by);
        free(r->audit[i].to);
        free(r->audit[i].from);
    }
    free(r);
}

void
session_free(struct session *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nrooms; i++)
        room_free(s->rooms[i]);
    free(s->rooms);
    idmap_free(s->index);
    free(s);
}

struct room *
session_room(const struct session *s, const char *room_id)
{
    if (s == NULL || room_id == NULL)
        return NULL;
    return idmap_get(s->index, room_id);
}

/* Events leave fields out or send them empty: neither tells us anything. */
static int
given(const char *s)
{
    return s != NULL && *s != '\0';
}

struct room *
session_open(struct session *s, const char *room_id, const char *user_id, const char *name)
{
    struct room *r;

    if (s == NULL || !given(room_id))
        return NULL;
    r = session_room(s, room_id);
    if (r == NULL) {
        r = xcalloc(1, sizeof *r);
        r->id = xstrdup(room_id);
        r->state = ROOM_UNKNOWN;
        r->draft = editbuf_new();
        if (s->nrooms == s->caprooms) {
            s->caprooms = s->caprooms ? s->caprooms * 2 : 8;
            s->rooms = xrealloc(s->rooms, s->caprooms * sizeof *s->rooms);
        }
        s->rooms[s->nrooms++] = r;
        idmap_put(s->index, r->id, r);
    }
    if (r->user == NULL && given(user_id))
        r->user = xstrdup(user_id);
    if (r->name == NULL && given(name))
        r->name = xstrdup(name);
    return r;
}

struct chat_msg *
chat_msg_new(enum chat_dir dir, enum msg_type type)
{
    struct chat_msg *m = xcalloc(1, sizeof *m);
    m->dir = dir;
    m->type = type;
    m->state = SEND_QUEUED;
    return m;
}

void
chat_msg_free(struct chat_msg *m)
{
    if (m == NULL)
        return;
    free(m->id);
    if (!m->packed)
        free(m->text);
    free(m->url);
    free(m->mime);
    free(m->caption);
    free(m->filename);
    free(m->error);
    free(m->agent);
    /* m->entry belongs to the outbox. */
    free(m);
}

void
chat_msg_pack(struct chat_msg *m, char *id, char *text)
{
    size_t il = id ? strlen(id) + 1 : 0, tl = text ? strlen(text) + 1 : 0;
    if (il == 0 || tl == 0) {
        /* Nothing to share: keep them as they are. */
        m->id = id;
        m->text = text;
        return;
    }
    char *block = xmalloc(il + tl);
    memcpy(block, id, il);
    memcpy(block + il, text, tl);
    free(id);
    free(text);
    m->id = block;
    m->text = block + il;
    m->packed = 1;
}

static int
is_media(enum msg_type t)
{
    return t == MSG_IMAGE || t == MSG_VIDEO || t == MSG_AUDIO || t == MSG_DOCUMENT;
}

void
room_add(struct room *r, struct chat_msg *m)
{
    if (r == NULL || m == NULL) {
        chat_msg_free(m);
        return;
    }
    if (r->nmsgs == r->capmsgs) {
        r->capmsgs = r->capmsgs ? r->capmsgs * 2 : 16;
        r->msgs = xrealloc(r->msgs, r->capmsgs * sizeof *r->msgs);
    }
    r->msgs[r->nmsgs++] = m;

    switch (m->dir) {
    case CHAT_IN:
        r->n_in++;
        if (m->time_ms > r->last_in_ms)
            r->last_in_ms = m->time_ms;
        /* Only a message after the last reply makes the user wait. */
        if (r->waiting_since == 0 && m->time_ms > r->last_out_ms)
            r->waiting_since = m->time_ms;
        break;
    case CHAT_OUT:
        r->n_out++;
        if (is_media(m->type))
            r->n_media_out++;
        /* A reply answers the wait if it came after it, whichever session sent it:
         * history is loaded in any order, so time decides, not arrival. */
        if (r->waiting_since && m->time_ms >= r->waiting_since)
            r->waiting_since = 0;
        if (m->time_ms > r->last_out_ms)
            r->last_out_ms = m->time_ms;
        break;
    case CHAT_NOTE:
    case CHAT_TEAMNOTE:
        return;
    }
    /* History is added after live messages may have arrived: never move the clock back. */
    if (m->time_ms > r->last_ms)
        r->last_ms = m->time_ms;
}

void
room_update_wait(struct room *r)
{
    long long last_reply = 0;
    for (size_t i = 0; i < r->nmsgs; i++) {
        const struct chat_msg *m = r->msgs[i];
        if (m->dir == CHAT_OUT && m->state != SEND_FAILED && m->time_ms > last_reply)
            last_reply = m->time_ms;
    }
    r->waiting_since = 0;
    for (size_t i = 0; i < r->nmsgs; i++) {
        const struct chat_msg *m = r->msgs[i];
        if (m->dir == CHAT_IN && m->time_ms > last_reply &&
            (r->waiting_since == 0 || m->time_ms < r->waiting_since))
            r->waiting_since = m->time_ms;
    }
    /* Every message left on disk is older than those in memory: unless one of these
     * answered the user, a wait that began there still runs. */
    if (last_reply == 0 && r->older_wait != 0 &&
        (r->waiting_since == 0 || r->older_wait < r->waiting_since))
        r->waiting_since = r->older_wait;
}

struct chat_msg *
session_find_msg(const struct session *s, const char *id, struct room **room)
{
    if (room != NULL)
        *room = NULL;
    if (s == NULL || id == NULL)
        return NULL;
    for (size_t i = 0; i < s->nrooms; i++) {
        struct room *r = s->rooms[i];
        for (size_t j = 0; j < r->nmsgs; j++) {
            if (r->msgs[j]->id != NULL && strcmp(r->msgs[j]->id, id) == 0) {
                if (room != NULL)
                    *room = r;
                return r->msgs[j];
            }
        }
    }
    return NULL;
}

int
room_has_msg(const struct room *r, const char *id, enum chat_dir dir)
{
    if (r == NULL || id == NULL)
        return 0;
    for (size_t i = 0; i < r->nmsgs; i++) {
        const struct chat_msg *m = r->msgs[i];
        if (m->dir == dir && m->id != NULL && strcmp(m->id, id) == 0)
            return 1;
    }
    return 0;
}

void
room_add_note(struct room *r, long long when, char *text)
{
    struct chat_msg *n = chat_msg_new(CHAT_NOTE, MSG_TEXT);
    n->text = text;
    n->time_ms = when;
    room_add(r, n);
}

/* The user's message as the transcript shows it. Its id and text are never edited: one
 * block (chat_msg_pack), which counts when a journal of many rooms is read back. */
static struct chat_msg *
incoming(const struct event *ev, long long when)
{
    const struct message *m = ev->msg;
    struct chat_msg *c = chat_msg_new(CHAT_IN, m->type);
    char *text = m->body ? xstrdup(m->body) : NULL;
    if (m->type == MSG_NONE) {
        /* Say what it was rather than drop it: the agent can ask the user. */
        free(text);
        text = xasprintf("[%s] %s%s%s", ev->value_type ? ev->value_type : "?",
                         m->body ? m->body : "", m->body && m->url ? " " : "",
                         m->url ? m->url : "(this console cannot show it)");
    } else {
        xstrset(&c->url, m->url);
    }
    chat_msg_pack(c, xstrdup(m->id), text);
    xstrset(&c->mime, m->mime);
    xstrset(&c->caption, m->caption);
    xstrset(&c->filename, m->filename);
    c->time_ms = when;
    return c;
}

struct room *
session_apply_event(struct session *s, const struct event *ev, long long when,
                    struct chat_msg **added)
{
    struct room *r;

    if (added != NULL)
        *added = NULL;
    if (ev == NULL || ev->kind == EV_UNKNOWN)
        return NULL;
    r = session_open(s, ev->room, ev->user, ev->user_name);
    if (r == NULL)
        return NULL;
    if (ev->project)
        xstrset(&r->project, ev->project);
    if (ev->bot)
        xstrset(&r->bot, ev->bot);
    if (ev->conversation)
        xstrset(&r->conversation, ev->conversation);
    if (ev->kind == EV_CONV_START) {
        r->state = ROOM_ACTIVE;
        xstrset(&r->close_reason, NULL);
        room_add_note(r, when, xstrdup("conversation started"));
    } else if (ev->kind == EV_CONV_CLOSE) {
        r->state = ROOM_CLOSED;
        xstrset(&r->close_reason, ev->close_reason ? ev->close_reason : "closed");
        room_add_note(r, when, ev->close_message
                              ? xasprintf("conversation closed (%s): %s", r->close_reason,
                                          ev->close_message)
                              : xasprintf("conversation closed (%s)", r->close_reason));
    } else if (ev->msg != NULL && ev->msg->id != NULL &&
               !room_has_msg(r, ev->msg->id, CHAT_IN)) {
        struct chat_msg *c = incoming(ev, when);
        room_add(r, c);
        if (r->state == ROOM_UNKNOWN)
            r->state = ROOM_ACTIVE;
        if (added != NULL)
            *added = c;
    }
    return r;
}

/* Stable (a bottom-up merge): a user's message and the reply written in the same
 * millisecond keep the order in which they were read. Already sorted is the common case. */
static void
sort_by_time(struct chat_msg **v, size_t n)
{
    size_t i;
    for (i = 1; i < n && v[i - 1]->time_ms <= v[i]->time_ms; i++)
        ;
    if (i >= n)
        return;
    struct chat_msg **tmp = xmalloc(n * sizeof *tmp), **from = v, **to = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t a = lo, b = mid, o = lo;
            while (a < mid && b < hi)
                to[o++] = from[b]->time_ms < from[a]->time_ms ? from[b++] : from[a++];
            while (a < mid)
                to[o++] = from[a++];
            while (b < hi)
                to[o++] = from[b++];
        }
        struct chat_msg **t = from;
        from = to;
        to = t;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
    free(tmp);
}

size_t
room_trim(struct room *r, size_t keep, void (*on_drop)(void *arg, struct chat_msg *m),
          void *arg)
{
    size_t cut, floor;
    long long oldest;

    if (r == NULL)
        return 0;
    sort_by_time(r->msgs, r->nmsgs);
    if (r->nmsgs <= keep || keep == 0)
        return 0;
    cut = r->nmsgs - keep; /* the first message kept */
    oldest = r->msgs[cut]->time_ms;
    floor = r->nmsgs > 2 * keep ? r->nmsgs - 2 * keep : 0;
    while (cut > floor && r->msgs[cut - 1]->time_ms == oldest)
        cut--;
    if (cut == 0)
        return 0;
    for (size_t i = 0; i < cut; i++) {
        const struct chat_msg *m = r->msgs[i];
        /* The wait as the conversation went, in time order, carried over what an earlier
         * trim dropped: a reply that went through answers it, the next message starts it. */
        if (m->dir == CHAT_OUT && m->state != SEND_FAILED)
            r->older_wait = 0;
        else if (m->dir == CHAT_IN && r->older_wait == 0)
            r->older_wait = m->time_ms;
        if (on_drop != NULL)
            on_drop(arg, r->msgs[i]);
        chat_msg_free(r->msgs[i]);
    }
    memmove(r->msgs, r->msgs + cut, (r->nmsgs - cut) * sizeof *r->msgs);
    r->nmsgs -= cut;
    r->older = 1;
    r->older_before = oldest;
    return cut;
}

void
room_take_older(struct room *r, struct room *from)
{
    if (r == NULL || from == NULL)
        return;
    if (from->nmsgs > 0) {
        size_t n = r->nmsgs + from->nmsgs;
        if (n > r->capmsgs) {
            r->capmsgs = n;
            r->msgs = xrealloc(r->msgs, n * sizeof *r->msgs);
        }
        memmove(r->msgs + from->nmsgs, r->msgs, r->nmsgs * sizeof *r->msgs);
        memcpy(r->msgs, from->msgs, from->nmsgs * sizeof *r->msgs);
        r->nmsgs = n;
        from->nmsgs = 0;
    }
    r->older = from->older;
    r->older_before = from->older_before;
    r->older_wait = from->older_wait;
    room_update_wait(r);
}

struct ranked {
    struct room *room;
    size_t order; /* creation order: qsort is not stable, this makes it so */
    int waiting;
};

static int
cmp_ll(long long a, long long b)
{
    return a < b ? -1 : a > b;
}

static int
cmp_recent(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    int c = cmp_ll(b->room->last_ms, a->room->last_ms);
    return c ? c : cmp_ll((long long)a->order, (long long)b->order);
}

static int
cmp_waiting(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->waiting != b->waiting)
        return b->waiting - a->waiting;
    if (a->waiting) {
        int c = cmp_ll(a->room->waiting_since, b->room->waiting_since);
        if (c)
            return c;
        return cmp_ll((long long)a->order, (long long)b->order);
    }
    return cmp_recent(pa, pb);
}

size_t
session_sorted(const struct session *s, struct room **out, size_t max)
{
    struct ranked *v;
    size_t n;

    if (s == NULL || s->nrooms == 0 || max == 0)
        return 0;
    v = xcalloc(s->nrooms, sizeof *v);
    for (size_t i = 0; i < s->nrooms; i++) {
        v[i].room = s->rooms[i];
        v[i].order = i;
        v[i].waiting = s->rooms[i]->waiting_since != 0;
    }
    qsort(v, s->nrooms, sizeof *v, s->sort == SORT_RECENT ? cmp_recent : cmp_waiting);
    n = s->nrooms < max ? s->nrooms : max;
    for (size_t i = 0; i < n; i++)
        out[i] = v[i].room;
    free(v);
    return n;
}

/* The outbox words a refusal "HTTP 500: body"; the status already says 500. */
static const char *
strip_status(const char *error, long status)
{
    char prefix[32];
    size_t n;

    snprintf(prefix, sizeof prefix, "HTTP %ld", status);
    n = strlen(prefix);
    if (strncmp(error, prefix, n) != 0)
        return error;
    if (error[n] == '\0')
        return error + n;
    if (error[n] == ':' && error[n + 1] == ' ')
        return error + n + 2;
    return error;
}

char *
chat_msg_status(const struct chat_msg *m)
{
    const char *reason;

    if (m == NULL || m->dir != CHAT_OUT)
        return xstrdup("");
    switch (m->state) {
    case SEND_QUEUED:
        return xstrdup(_("queued"));
    case SEND_SENDING:
        if (m->retry_in_s > 0 && m->http_status > 0)
            return xasprintf(_("HTTP %d, retrying in %us (attempt %d/%d)"), m->http_status,
                             m->retry_in_s, m->attempt + 1, m->max_attempts);
        if (m->retry_in_s > 0)
            return xasprintf(_("retrying in %us (attempt %d/%d)"), m->retry_in_s,
                             m->attempt + 1, m->max_attempts);
        if (m->attempt <= 0)
            return xstrdup(_("sending"));
        if (m->max_attempts <= 0)
            return xasprintf(_("sending (attempt %d)"), m->attempt);
        return xasprintf(_("sending (attempt %d/%d)"), m->attempt, m->max_attempts);
    case SEND_ACCEPTED:
        if (m->http_status <= 0)
            return xstrdup(_("accepted"));
        return xasprintf(_("accepted %d"), m->http_status);
    case SEND_FAILED:
        if (m->http_status > 0) {
            reason = m->error ? strip_status(m->error, m->http_status) : "";
            if (*reason == '\0')
                return xasprintf(_("failed %d"), m->http_status);
            return xasprintf(_("failed %d: %s"), m->http_status, reason);
        }
        if (m->error == NULL || *m->error == '\0')
            return xstrdup(_("failed"));
        return xasprintf(_("failed: %s"), m->error);
    }
    return xstrdup("");
}

static char *
first_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    return nl ? xstrndup(s, (size_t)(nl - s)) : xstrdup(s);
}

/* "https://cdn/x/guide.pdf?sig=1" -> "guide.pdf"; NULL when the path has no last segment. */
static char *
url_last_segment(const char *url)
{
    const char *p = strstr(url, "://");
    const char *start, *end;

    p = p ? p + 3 : url;
    end = p + strcspn(p, "?#");
    start = memchr(p, '/', (size_t)(end - p));
    if (start == NULL)
        return NULL;
    for (const char *q = start; q < end; q++) {
        if (*q == '/')
            start = q + 1;
    }
    return start < end ? xstrndup(start, (size_t)(end - start)) : NULL;
}

char *
chat_msg_preview(const struct chat_msg *m)
{
    const char *label, *detail;
    char *owned = NULL, *line, *out;

    if (m == NULL)
        return xstrdup("");
    if (m->text != NULL || m->type == MSG_TEXT)
        return first_line(m->text ? m->text : "");
    switch (m->type) {
    case MSG_IMAGE:
        label = "[image]";
        detail = m->caption;
        break;
    case MSG_VIDEO:
        label = "[video]";
        detail = m->caption;
        break;
    case MSG_AUDIO:
        label = "[audio]";
        detail = NULL;
        break;
    case MSG_DOCUMENT:
        label = "[document]";
        detail = m->filename;
        if ((detail == NULL || *detail == '\0') && m->url != NULL)
            detail = owned = url_last_segment(m->url);
        break;
    default:
        label = "[media]";
        detail = m->caption;
        break;
    }
    if (detail == NULL || *detail == '\0') {
        free(owned);
        return xstrdup(label);
    }
    line = first_line(detail);
    out = xasprintf("%s %s", label, line);
    free(line);
    free(owned);
    return out;
}

void
session_format_duration(long long ms, char *out, size_t size)
{
    long long min = ms / 60000;

    if (out == NULL || size == 0)
        return;
    if (min < 1)
        snprintf(out, size, "<1m");
    else if (min < 60)
        snprintf(out, size, "%lldm", min);
    else if (min < 24 * 60)
        snprintf(out, size, "%lldh%02lldm", min / 60, min % 60);
    else
        snprintf(out, size, "%lldd", min / (24 * 60));
}
