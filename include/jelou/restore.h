/* Earlier sessions read back: rooms and transcripts from the event journal and history. */
#ifndef JELOU_RESTORE_H
#define JELOU_RESTORE_H

#include <stddef.h>

struct chat_msg;
struct event;
struct room;
struct session;

/* Messages of one room kept in memory at start; older ones stay on disk until the agent
 * scrolls past the top (restore_older). A day of a busy conversation fits. */
#define RESTORE_KEEP 200

struct restore_opts {
    const char *events;       /* the inbound journal (events.jsonl), or NULL */
    const char *history;      /* the send history (history.jsonl), or NULL */
    size_t keep;              /* messages per room in memory; 0 means RESTORE_KEEP */
    /* At start, called for every journaled event in journal order before it is applied;
     * returning 1 (a repeat) leaves it out. The listener's seen-set is fed this way. */
    int (*seen)(void *arg, const struct event *ev);
    /* At start, called for each message read back (media URLs go to the picker). */
    void (*on_msg)(void *arg, struct room *r, struct chat_msg *m);
    void *arg;
};

struct restore_stats {
    size_t events;            /* journal lines applied */
    size_t repeats;           /* journal lines that repeated an earlier event */
    size_t events_skipped;    /* torn or garbage journal lines */
    size_t sends;             /* history lines applied */
    size_t sends_skipped;     /* torn or garbage history lines */
};

/* Calls fn for every event in an inbound journal, in journal order, with the event's time
 * (its timestamp, else when it was journaled). Damaged lines are counted in *skipped. A
 * missing journal has no events. Returns 0, or -1 with *cause when it cannot be read. */
int restore_events_each(const char *path,
                        void (*fn)(void *arg, const struct event *ev, long long when),
                        void *arg, size_t *skipped, char **cause);

/* Rebuilds rooms (names, reply targets, open or closed), the users' messages and the
 * agent's earlier sends (greyed: m->earlier), merged in time order per room, from one pass
 * over each file. Memory is bounded by keep per room; rooms with more get older set.
 * Unread counts stay 0; who is still waiting for an answer is worked out again. Returns 0,
 * or -1 with *cause when a file cannot be read (what could be read is kept). */
int restore_session(struct session *s, const struct restore_opts *o, struct restore_stats *st,
                    char **cause);

/* Reads back the next keep older messages of r (those before r->older_before) and puts them
 * in front of its transcript. Sets *n to how many came; r->older is cleared when none are
 * left, and also on -1 (with *cause), so that a failing read is not tried at every frame. */
int restore_older(struct room *r, const struct restore_opts *o, size_t *n, char **cause);

#endif
