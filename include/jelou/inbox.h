/* The shared inbox of team mode: what the team server's events say about each room (who
 * has it, its status, notes, colleagues' replies, who is typing, mentions) and the views. */
#ifndef JELOU_INBOX_H
#define JELOU_INBOX_H

#include <stddef.h>

struct room;
struct session;
struct team_event;

/* A colleague's typing shows this long after their last typing event. */
#define INBOX_TYPING_MS 6000
/* Lines of "who did what" kept per room for the user pane. */
#define INBOX_AUDIT_MAX 8

enum inbox_view { VIEW_ALL, VIEW_MINE, VIEW_UNASSIGNED, VIEW_MENTIONS, VIEW_COUNT };

/* "All", "Mine", ... (marked N_, translate where drawn); VIEW_COUNT when unknown. */
const char *inbox_view_name(enum inbox_view v);
enum inbox_view inbox_view_parse(const char *word); /* English or the locale's word */

/* What an event did that the console acts on beyond drawing. */
struct inbox_effect {
    struct room *room;        /* the room it changed, or NULL (ignored, unknown kind) */
    int ring;                 /* the agent is @mentioned in a note, or was given the room */
    const char *took_from;    /* a colleague took this agent's room: who (for the status
                                 line), else NULL; valid until the next call */
};

/* Applies one team event that is not a user's message (room.assigned, room.status, note,
 * typing, agent.message.queued|accepted|failed) to s; me is this agent's name. A reply
 * whose id the room holds already updates that message's state (accepted 200, failed 500:
 * reason) instead of adding it. Returns 0, or -1 when the data cannot be read (nothing
 * changed). now_ms is the wall clock (typing's expiry). */
int inbox_apply(struct session *s, const char *me, const struct team_event *ev,
                long long now_ms, struct inbox_effect *fx);

/* Applies GET /v1/rooms's answer: each room's user, name, assignee, status, waiting time
 * and its last messages, notes and replies (no duplicates of what is shown). *as_of gets
 * the answer's stream id (newly allocated). -1 with *cause when it cannot be read. */
int inbox_apply_rooms(struct session *s, const char *me, const char *json, size_t len,
                      char **as_of, char **cause);

/* 1 when r belongs in view v for agent me. */
int inbox_visible(const struct room *r, enum inbox_view v, const char *me);

/* The colleague typing in r now, or NULL (expired, or nobody). */
const char *inbox_typing(const struct room *r, long long now_ms);

#endif
