/* The model the screen draws: rooms, their users, messages and send states. No curses. */
#ifndef JELOU_SESSION_H
#define JELOU_SESSION_H

#include <stddef.h>

#include "jelou/message.h"

struct editbuf;
struct outbox_entry;
struct event;

enum chat_dir {
    CHAT_IN,   /* the end user wrote */
    CHAT_OUT,  /* the agent sent */
    CHAT_NOTE, /* the console says something (conversation closed, ...) */
    CHAT_TEAMNOTE, /* team mode: a private note of an agent (agent), never sent to the user */
};

enum room_state { ROOM_UNKNOWN, ROOM_ACTIVE, ROOM_CLOSED };

/* Kept small (a history of 100,000 sends is 100,000 of these): numbers first, then
 * pointers, so that nothing is padding. */
struct chat_msg {
    enum chat_dir dir;
    enum msg_type type;
    /* Outgoing messages: the send state as last reported by the outbox. */
    enum send_state state;
    int attempt;
    int tries;                /* attempts in all, /retry included */
    int max_attempts;
    int http_status;
    unsigned earlier : 1;     /* from an earlier session: drawn greyed, never resent */
    unsigned packed : 1;      /* id and text share one allocation (chat_msg_pack) */
    unsigned retry_in_s : 16; /* sending: seconds until the next attempt, 0 if none */
    long long time_ms;        /* wall clock, Unix ms */
    char *id;
    char *text;               /* text body, or NULL for media */
    char *url, *mime, *caption, *filename;
    char *error;
    /* Team mode: the colleague who sent this reply or wrote this note; NULL for this agent's
     * replies (and always in direct mode). */
    char *agent;
    struct outbox_entry *entry; /* live entry (for /retry), NULL for earlier sessions */
};

/* Team mode: where a room is in the team's work (GET /v1/rooms, room.status). */
enum team_status { TEAM_UNKNOWN, TEAM_OPEN, TEAM_PENDING, TEAM_SNOOZED, TEAM_RESOLVED,
                   TEAM_CLOSED };

/* One "who did what" fact of a room (src/inbox.c), kept as facts and worded when drawn, so
 * that it reads in the agent's language. */
enum room_audit_kind { AUDIT_ASSIGN, AUDIT_STATUS };

struct room_audit {
    enum room_audit_kind kind;
    enum team_status status;  /* AUDIT_STATUS */
    long long time_ms;
    long long until_ms;       /* AUDIT_STATUS snoozed: until when */
    char *by;                 /* who did it */
    char *to;                 /* AUDIT_ASSIGN: the new assignee, "" released */
    char *from;               /* AUDIT_ASSIGN: the assignee before, or NULL when unknown */
};

/* The audit lines a room keeps (a ring: the oldest goes). */
#define ROOM_AUDIT_MAX 8

struct room {
    char *id;                 /* room_id */
    char *user;               /* user_id */
    char *name;               /* the user's name when known, else NULL */
    char *project, *bot;      /* reply target; NULL means the console's defaults */
    char *conversation;       /* conversation id when known */
    enum room_state state;
    char *close_reason;
    struct chat_msg **msgs;
    size_t nmsgs, capmsgs;
    unsigned unread;
    long long last_ms;        /* last message either way, 0 if none */
    long long last_in_ms;     /* last message from the user, 0 if none */
    long long last_out_ms;    /* last reply, 0 if none */
    long long waiting_since;  /* first user message not answered yet, 0 if none */
    unsigned n_in, n_out, n_media_out;
    struct editbuf *draft;    /* each room keeps its own draft */
    size_t scroll;            /* transcript rows scrolled up from the bottom */
    /* Set when older messages of this room were left on disk to bound memory: those before
     * older_before, read back (restore_older) when the agent scrolls past the top. */
    int older;
    long long older_before;
    long long older_wait;     /* the user's wait that began in what was left on disk, or 0 */
    /* Team mode (src/inbox.c); zero and NULL in direct mode. */
    char *assignee;           /* the agent who has the room, NULL for nobody */
    enum team_status team_status;
    unsigned mentioned : 1;   /* a colleague's note @mentions this agent */
    long long snooze_until;   /* TEAM_SNOOZED: until when (wall clock), else 0 */
    char *typing;             /* the colleague who typed last, until typing_until */
    long long typing_until;
    struct room_audit audit[ROOM_AUDIT_MAX];
    size_t naudit;            /* lines in audit, up to ROOM_AUDIT_MAX */
    size_t audit_next;        /* where the next line goes: the oldest once it is full */
};

enum room_sort { SORT_WAITING, SORT_RECENT };

struct idmap;

struct session {
    struct room **rooms;      /* in creation order */
    size_t nrooms, caprooms;
    enum room_sort sort;
    struct idmap *index;      /* room id -> room */
};

struct session *session_new(void);
void session_free(struct session *s);

/* The room with this id, or NULL. */
struct room *session_room(const struct session *s, const char *room_id);
/* Finds or creates the room; fills user/name when given and not known yet. */
struct room *session_open(struct session *s, const char *room_id, const char *user_id,
                          const char *name);

/* Appends a message (the room takes ownership) and updates the room's counters:
 * inbound bumps n_in, last_in_ms and starts waiting_since if not waiting; outbound bumps
 * n_out (and n_media_out for media) and answers the wait (waiting_since = 0) when it is
 * not older than the wait (time decides, since history may be loaded late). unread is the
 * caller's business (it knows which room is on screen). */
void room_add(struct room *r, struct chat_msg *m);
/* Adds a line the console says in the room ("conversation closed ..."); takes text. */
void room_add_note(struct room *r, long long when, char *text);
/* Works the wait out again from the messages: a failed reply answers nothing. Call it when
 * a reply's send fails or is retried. */
void room_update_wait(struct room *r);
struct chat_msg *chat_msg_new(enum chat_dir dir, enum msg_type type);
void chat_msg_free(struct chat_msg *m);
/* Gives m its id and text in one allocation, taking both strings (either may be NULL):
 * for earlier-session messages, which are never edited, it saves a block each. */
void chat_msg_pack(struct chat_msg *m, char *id, char *text);
/* The message with this id in any room (and its room), or NULL. */
struct chat_msg *session_find_msg(const struct session *s, const char *id, struct room **room);
/* Does a message with this id and direction already exist in the room? (dedup inbound) */
int room_has_msg(const struct room *r, const char *id, enum chat_dir dir);

/* Applies one of Jelou's events to the model, live or read back from the journal: opens
 * the room (user, name), takes its reply target (project, bot, conversation), a
 * conversation start or close sets the state and adds a note, and a message the room does
 * not have yet is added, when: its time. Returns the room, or NULL for an event that
 * names no room or is of an unknown kind; *added (may be NULL) gets the user's new
 * message, or NULL. unread, the selection and the bell stay the caller's business. */
struct room *session_apply_event(struct session *s, const struct event *ev, long long when,
                                 struct chat_msg **added);

/* Puts the room's messages in time order (stable: equal times keep the order in which they
 * were added) and frees the oldest so that keep are left, plus any that share the oldest
 * kept time (up to 2 x keep): then "older than older_before" names exactly what was
 * dropped, which sets older. on_drop (may be NULL) sees each message before it is freed.
 * Counters (n_in, n_out, ...) still count the dropped ones, and a wait that began among them
 * is kept (older_wait) for room_update_wait. Returns how many went. */
size_t room_trim(struct room *r, size_t keep, void (*on_drop)(void *arg, struct chat_msg *m),
                 void *arg);
/* Moves from's messages in front of r's (they are older: read back on demand) without
 * counting them again, and takes from's older, older_before and older_wait. from is left
 * empty. */
void room_take_older(struct room *r, struct room *from);

/* Fills out[] with the rooms in display order (s->sort) and returns how many.
 * SORT_WAITING: rooms with a waiting user first, longest wait first; then the rest by
 * last activity, newest first; ties by creation order. SORT_RECENT: last activity. */
size_t session_sorted(const struct session *s, struct room **out, size_t max);

/* One-line status of an outgoing message as the screen shows it: "queued",
 * "sending (attempt 2/3)", "accepted 200", "failed 500: <reason>", "failed: <error>". */
char *chat_msg_status(const struct chat_msg *m);

/* A short preview: the text's first line, or "[image] caption", "[document] file.pdf". */
char *chat_msg_preview(const struct chat_msg *m);

/* "4m", "2h05m", "3d": a compact duration for waiting times. */
void session_format_duration(long long ms, char *out, size_t size);

#endif
