/* The shared inbox of team mode: the team server's events applied to the rooms, and views. */
#include "jelou/inbox.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jelou/clock.h"
#include "jelou/event.h"
#include "jelou/i18n.h"
#include "jelou/message.h"
#include "jelou/record.h"
#include "jelou/session.h"
#include "jelou/teamlink.h"
#include "jelou/xalloc.h"

_Static_assert(INBOX_AUDIT_MAX == ROOM_AUDIT_MAX, "the ring in struct room is the inbox's");

static const char *const view_names[VIEW_COUNT] = {
    [VIEW_ALL] = N_("All"),
    [VIEW_MINE] = N_("Mine"),
    [VIEW_UNASSIGNED] = N_("Unassigned"),
    [VIEW_MENTIONS] = N_("Mentions"),
};

/* What /view takes: the English words, whatever the locale says. */
static const char *const view_words[VIEW_COUNT] = {
    [VIEW_ALL] = "all",
    [VIEW_MINE] = "mine",
    [VIEW_UNASSIGNED] = "unassigned",
    [VIEW_MENTIONS] = "mentions",
};

const char *
inbox_view_name(enum inbox_view v)
{
    return (unsigned)v < VIEW_COUNT ? view_names[v] : NULL;
}

enum inbox_view
inbox_view_parse(const char *word)
{
    if (word == NULL)
        return VIEW_COUNT;
    for (int v = 0; v < VIEW_COUNT; v++) {
        if (strcasecmp(word, view_words[v]) == 0 || strcasecmp(word, view_names[v]) == 0 ||
            strcasecmp(word, _(view_names[v])) == 0)
            return (enum inbox_view)v;
    }
    return VIEW_COUNT;
}

static int
given(const char *s)
{
    return s != NULL && *s != '\0';
}

static int
same(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static enum team_status
status_parse(const char *s)
{
    static const char *const names[] = {"open", "pending", "snoozed", "resolved", "closed"};
    for (size_t i = 0; s != NULL && i < sizeof names / sizeof *names; i++) {
        if (strcmp(s, names[i]) == 0)
            return (enum team_status)(TEAM_OPEN + i);
    }
    return TEAM_UNKNOWN;
}

/* The server's time of an event: its stream id is "MS-SEQ". */
static long long
event_ms(const struct team_event *ev, long long fallback)
{
    if (ev->id == NULL)
        return fallback;
    char *end;
    long long ms = strtoll(ev->id, &end, 10);
    return end != ev->id && *end == '-' && ms > 0 ? ms : fallback;
}

static void
audit_push(struct room *r, const struct room_audit *a)
{
    struct room_audit *slot = &r->audit[r->audit_next];
    if (r->naudit == ROOM_AUDIT_MAX) {
        free(slot->by);
        free(slot->to);
        free(slot->from);
    } else {
        r->naudit++;
    }
    *slot = *a;
    r->audit_next = (r->audit_next + 1) % ROOM_AUDIT_MAX;
}

/* '@' + name, not inside a word on either side: "@ana," is a mention, "@anabel" and
 * "a@ana.com" are not. ASCII letters compare without case; other bytes exactly. */
static int
is_word(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-' || c >= 0x80;
}

static int
mentions(const char *text, const char *me)
{
    size_t n = me ? strlen(me) : 0;
    if (n == 0 || text == NULL)
        return 0;
    for (const char *p = strchr(text, '@'); p != NULL; p = strchr(p + 1, '@')) {
        if (p > text && is_word((unsigned char)p[-1]))
            continue;
        if (strncasecmp(p + 1, me, n) == 0 && !is_word((unsigned char)p[1 + n]))
            return 1;
    }
    return 0;
}

static struct chat_msg *
find_out(struct room *r, const char *id)
{
    for (size_t i = 0; id != NULL && i < r->nmsgs; i++) {
        struct chat_msg *m = r->msgs[i];
        if (m->dir == CHAT_OUT && same(m->id, id))
            return m;
    }
    return NULL;
}

static int
has_note(const struct room *r, const char *agent, const char *text, long long t)
{
    for (size_t i = r->nmsgs; i-- > 0;) {
        const struct chat_msg *m = r->msgs[i];
        if (m->dir == CHAT_TEAMNOTE && m->time_ms == t && same(m->agent, agent) &&
            same(m->text, text))
            return 1;
    }
    return 0;
}

/* Everything an event needs, read once. */
struct ctx {
    struct session *s;
    const char *me;
    const struct team_event *ev;
    struct record_view *v;
    long long now_ms;
    int live;                 /* an event as it happens (not the snapshot's log) */
    struct inbox_effect *fx;
};

static void
apply_assigned(struct ctx *c, struct room *r)
{
    const char *to = record_get_str(c->v, "to"), *by = record_get_str(c->v, "by");
    const char *from = record_get_str(c->v, "from");
    const char *before = from ? from : r->assignee;
    if (to == NULL)
        return;
    struct room_audit a = {
        .kind = AUDIT_ASSIGN, .time_ms = event_ms(c->ev, c->now_ms),
        .by = xstrdup(by ? by : "?"), .to = xstrdup(to),
        .from = given(before) ? xstrdup(before) : NULL,
    };
    int took = c->live && same(before, c->me) && !same(to, c->me) && given(by) &&
               !same(by, c->me);
    if (c->live && same(to, c->me) && !same(by, c->me))
        c->fx->ring = 1;
    audit_push(r, &a);
    /* The ring's copy outlives the event's data (gone when this call returns). */
    if (took)
        c->fx->took_from = a.by;
    xstrset(&r->assignee, given(to) ? to : NULL);
}

static void
apply_status(struct ctx *c, struct room *r)
{
    enum team_status st = status_parse(record_get_str(c->v, "status"));
    long long until = 0;
    if (st == TEAM_UNKNOWN)
        return;
    if (st == TEAM_SNOOZED)
        record_get_int(c->v, "until", &until);
    const char *by = record_get_str(c->v, "by");
    struct room_audit a = {
        .kind = AUDIT_STATUS, .status = st, .time_ms = event_ms(c->ev, c->now_ms),
        .until_ms = until, .by = xstrdup(by ? by : "?"),
    };
    audit_push(r, &a);
    r->team_status = st;
    r->snooze_until = until;
}

static void
apply_note(struct ctx *c, struct room *r)
{
    const char *agent = record_get_str(c->v, "agent"), *text = record_get_str(c->v, "text");
    long long t = 0;
    if (text == NULL)
        return;
    if (record_get_int(c->v, "time", &t) != 0)
        t = event_ms(c->ev, c->now_ms);
    if (agent == NULL)
        agent = "?";
    if (has_note(r, agent, text, t))
        return;
    struct chat_msg *m = chat_msg_new(CHAT_TEAMNOTE, MSG_TEXT);
    m->text = xstrdup(text);
    m->agent = xstrdup(agent);
    m->time_ms = t;
    room_add(r, m);
    if (!same(agent, c->me) && mentions(text, c->me)) {
        r->mentioned = 1;
        if (c->live)
            c->fx->ring = 1;
    }
}

static void
apply_typing(struct ctx *c, struct room *r)
{
    const char *agent = record_get_str(c->v, "agent");
    if (!given(agent) || same(agent, c->me) || !c->live)
        return;
    xstrset(&r->typing, agent);
    r->typing_until = c->now_ms + INBOX_TYPING_MS;
}

static enum send_state
state_parse(const char *s)
{
    return same(s, "accepted") ? SEND_ACCEPTED : same(s, "failed") ? SEND_FAILED
           : same(s, "sending") ? SEND_SENDING : SEND_QUEUED;
}

/* A reply: the id the room holds already only moves its state; a new one is parsed before
 * its room is opened, so that a body that cannot be read changes nothing. */
static int
apply_queued(struct ctx *c, const char *room, struct room **out)
{
    const char *id = record_get_str(c->v, "id"), *agent = record_get_str(c->v, "agent");
    struct room *r = session_room(c->s, room);
    struct chat_msg *m = r ? find_out(r, id) : NULL;
    if (id == NULL)
        return -1;
    if (m != NULL) {
        /* A late "queued" never moves a message back from what it reached. */
        if (m->state == SEND_QUEUED)
            m->state = state_parse(record_get_str(c->v, "state"));
        *out = r;
        return 0;
    }
    char *body = record_get_json(c->v, "message"), *cause = NULL;
    struct message *msg = NULL;
    int rc = body ? message_parse_event(body, strlen(body), &msg, &cause) : -1;
    free(body);
    free(cause);
    if (rc != 0)
        return -1;
    r = session_open(c->s, room, NULL, NULL);
    m = chat_msg_new(CHAT_OUT, msg->type);
    m->id = xstrdup(id);
    m->text = msg->body ? xstrdup(msg->body) : NULL;
    xstrset(&m->url, msg->url);
    xstrset(&m->mime, msg->mime);
    xstrset(&m->caption, msg->caption);
    xstrset(&m->filename, msg->filename);
    message_free(msg);
    m->state = state_parse(record_get_str(c->v, "state"));
    m->time_ms = event_ms(c->ev, c->now_ms);
    if (given(agent) && !same(agent, c->me)) {
        m->agent = xstrdup(agent);
        /* They sent: they are no longer typing. */
        if (same(r->typing, agent))
            r->typing_until = 0;
    } else {
        m->earlier = 1; /* this agent's, sent by an earlier session: no entry to retry */
    }
    room_add(r, m);
    *out = r;
    return 0;
}

static void
apply_result(struct ctx *c, struct room *r)
{
    struct chat_msg *m = find_out(r, record_get_str(c->v, "id"));
    long long n;
    if (m == NULL)
        return; /* a reply this console never saw queued: nothing to show it on */
    m->state = state_parse(record_get_str(c->v, "state"));
    if (record_get_int(c->v, "http_status", &n) == 0)
        m->http_status = (int)n;
    if (record_get_int(c->v, "attempts", &n) == 0)
        m->tries = m->attempt = (int)n;
    const char *err = record_get_str(c->v, "error");
    xstrset(&m->error, given(err) ? err : NULL);
    room_update_wait(r);
}

static int
apply(struct ctx *c)
{
    char *cause = NULL;
    const struct team_event *ev = c->ev;
    c->v = record_parse(ev->data, ev->data_len, &cause);
    free(cause);
    if (c->v == NULL)
        return -1;
    const char *room = given(ev->room) ? ev->room : record_get_str(c->v, "room");
    struct room *r = NULL;
    int rc = 0;
    if (!given(room) || ev->kind == NULL) {
        rc = -1;
    } else if (strcmp(ev->kind, "agent.message.queued") == 0) {
        rc = apply_queued(c, room, &r);
    } else if (strcmp(ev->kind, "agent.message.accepted") == 0 ||
               strcmp(ev->kind, "agent.message.failed") == 0) {
        /* A result alone opens no room: there is no reply to show it on. */
        if ((r = session_room(c->s, room)) != NULL)
            apply_result(c, r);
    } else if (strcmp(ev->kind, "room.assigned") == 0 ||
               strcmp(ev->kind, "room.status") == 0 || strcmp(ev->kind, "note") == 0 ||
               strcmp(ev->kind, "typing") == 0) {
        r = session_open(c->s, room, NULL, NULL);
        if (strcmp(ev->kind, "room.assigned") == 0)
            apply_assigned(c, r);
        else if (strcmp(ev->kind, "room.status") == 0)
            apply_status(c, r);
        else if (strcmp(ev->kind, "note") == 0)
            apply_note(c, r);
        else
            apply_typing(c, r);
    }
    record_view_free(c->v);
    c->v = NULL;
    c->fx->room = rc == 0 ? r : NULL;
    return rc;
}

int
inbox_apply(struct session *s, const char *me, const struct team_event *ev, long long now_ms,
            struct inbox_effect *fx)
{
    struct inbox_effect none;
    if (fx == NULL)
        fx = &none;
    memset(fx, 0, sizeof *fx);
    if (s == NULL || ev == NULL || ev->data == NULL)
        return -1;
    struct ctx c = {.s = s, .me = me, .ev = ev, .now_ms = now_ms, .live = 1, .fx = fx};
    return apply(&c);
}

/* ---- the snapshot ---- */

struct snap {
    struct session *s;
    const char *me;
    long long now_ms;
    const char *room;
    /* The log keeps no times for replies: each takes the time of the entry before it, so
     * that they stay where they were in the conversation. */
    long long last_ms;
};

/* One {kind, data} of a room's log, through the code that applies live events. */
static int
snap_log_entry(void *arg, const char *json, size_t len)
{
    struct snap *sn = arg;
    struct record_view *v = record_parse(json, len, NULL);
    const char *kind = record_get_str(v, "kind");
    char *data = record_get_json(v, "data");
    if (kind != NULL && data != NULL) {
        if (strcmp(kind, "message") == 0 || strncmp(kind, "conversation.", 13) == 0) {
            struct event *e = NULL;
            if (event_parse(data, strlen(data), &e, NULL) == 0) {
                long long when = e->timestamp_ms ? e->timestamp_ms
                                 : sn->last_ms ? sn->last_ms : sn->now_ms;
                session_apply_event(sn->s, e, when, NULL);
                sn->last_ms = when;
                event_free(e);
            }
        } else {
            struct inbox_effect fx;
            struct team_event ev = {.id = NULL, .kind = kind, .room = sn->room, .data = data,
                                    .data_len = strlen(data)};
            struct ctx c = {.s = sn->s, .me = sn->me, .ev = &ev,
                            .now_ms = sn->last_ms ? sn->last_ms : sn->now_ms, .fx = &fx};
            memset(&fx, 0, sizeof fx);
            apply(&c);
            struct record_view *dv = record_parse(data, strlen(data), NULL);
            long long t;
            if (record_get_int(dv, "time", &t) == 0)
                sn->last_ms = t;
            record_view_free(dv);
        }
    }
    free(data);
    record_view_free(v);
    return 0; /* one entry it cannot read does not hide the others */
}

static long long
str_ms(const char *s)
{
    char *end;
    long long v = s ? strtoll(s, &end, 10) : 0;
    return s && end != s && *end == '\0' && v > 0 ? v : 0;
}

static int
snap_room(void *arg, const char *json, size_t len)
{
    struct snap *sn = arg;
    struct record_view *v = record_parse(json, len, NULL);
    const char *id = record_get_str(v, "room");
    struct room *r = session_open(sn->s, id, record_get_str(v, "user"),
                                  record_get_str(v, "user_name"));
    if (r == NULL) {
        record_view_free(v);
        return 0;
    }
    const char *bot = record_get_str(v, "bot"), *who = record_get_str(v, "assignee");
    if (given(bot))
        xstrset(&r->bot, bot);
    xstrset(&r->assignee, given(who) ? who : NULL);
    r->team_status = status_parse(record_get_str(v, "status"));
    r->snooze_until = r->team_status == TEAM_SNOOZED
                          ? str_ms(record_get_str(v, "snooze_until")) : 0;
    if (r->team_status == TEAM_CLOSED)
        r->state = ROOM_CLOSED;
    else if (r->state == ROOM_UNKNOWN && r->team_status != TEAM_UNKNOWN)
        r->state = ROOM_ACTIVE;
    sn->room = r->id;
    sn->last_ms = 0;
    record_each_elem(v, "last", snap_log_entry, sn);
    /* The log holds the last 20 entries only: the server's wait is the one to trust. */
    r->waiting_since = str_ms(record_get_str(v, "waiting_since"));
    record_view_free(v);
    return 0;
}

int
inbox_apply_rooms(struct session *s, const char *me, const char *json, size_t len,
                  char **as_of, char **cause)
{
    struct record_view *v = record_parse(json, len, cause);
    if (v == NULL)
        return -1;
    const char *id = record_get_str(v, "as_of");
    char *rooms = record_get_json(v, "rooms");
    int ok = id != NULL && rooms != NULL && rooms[0] == '[';
    free(rooms);
    if (!ok) {
        record_view_free(v);
        if (cause != NULL)
            *cause = xstrdup(_("the team server's rooms have no \"as_of\" or \"rooms\""));
        return -1;
    }
    struct snap sn = {.s = s, .me = me, .now_ms = clock_wall_ms()};
    record_each_elem(v, "rooms", snap_room, &sn);
    if (as_of != NULL)
        *as_of = xstrdup(id);
    record_view_free(v);
    return 0;
}

/* ---- views ---- */

int
inbox_visible(const struct room *r, enum inbox_view v, const char *me)
{
    if (r == NULL)
        return 0;
    switch (v) {
    case VIEW_MINE:
        return same(r->assignee, me);
    case VIEW_UNASSIGNED:
        return r->assignee == NULL && r->team_status != TEAM_CLOSED &&
               r->team_status != TEAM_RESOLVED && r->state != ROOM_CLOSED;
    case VIEW_MENTIONS:
        return r->mentioned;
    case VIEW_ALL:
        return 1;
    case VIEW_COUNT:
        break;
    }
    return 0;
}

const char *
inbox_typing(const struct room *r, long long now_ms)
{
    if (r == NULL || r->typing == NULL || now_ms >= r->typing_until)
        return NULL;
    return r->typing;
}
