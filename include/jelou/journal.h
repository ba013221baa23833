/* The outbox journal: every message as queued, then each state, so none is lost or resent. */
#ifndef JELOU_JOURNAL_H
#define JELOU_JOURNAL_H

#include <stddef.h>

struct journal;

/* A message that a stopped process had queued or was sending: resend it as it was. */
struct journal_pending {
    char *id;
    char *room, *user, *type;
    char *body;               /* the exact bytes that were signed and sent */
    size_t body_len;
    long long time_ms;        /* when it was queued */
};

/* $XDG_STATE_HOME/jelou-console/outbox (~/.local/state/...), created 0700 when missing. */
char *journal_default_dir(char **cause);

/* A journal file of this process in dir (outbox-PID-TIME.jsonl, 0600), locked with flock
 * for as long as the process lives: a lock that can be taken means its owner is gone. */
struct journal *journal_open(const char *dir, char **cause);

/* Appends a record with write(2) at once, so a killed process loses nothing; journal_sync
 * makes them durable (fsync), once per loop turn, before the loop waits. Returns 0 or -1. */
int journal_queued(struct journal *j, const char *id, const char *room, const char *user,
                   const char *type, const char *body, size_t len, char **cause);
int journal_state(struct journal *j, const char *id, const char *state, int attempt,
                  long http_status, char **cause);
int journal_sync(struct journal *j, char **cause);

/* Closes the journal; its file is removed when none of its messages is still queued or
 * sending (otherwise the next start offers them again). */
void journal_close(struct journal *j);

/* Takes over the journals of processes that are gone: fills *out with their unfinished
 * messages (queued or sending; accepted and failed ones are final) in the order they were
 * queued, counts damaged lines (torn, garbage) in *skipped, and removes those files once
 * the caller's own journal j holds the messages again (journal_queued + journal_sync are
 * done here). Returns 0 or -1 with *cause. */
int journal_recover(struct journal *j, const char *dir, struct journal_pending **out,
                    size_t *n, size_t *skipped, char **cause);
void journal_pending_free(struct journal_pending *p, size_t n);

#endif
