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

/* From now on records are held in memory and journal_sync writes them all with one
 * pwrite(2) before its fsync: one write per loop turn instead of three per message, for a
 * batch. A kill inside a turn loses that turn's records (see the top of journal.c). */
void journal_hold(struct journal *j);

/* Appends a record with one pwrite(2) at once, so a killed process loses nothing; journal_sync
 * makes them durable (fsync), once per loop turn, before the loop waits. Returns 0, 1 when
 * the journal holds it for journal_sync, or -1 with *cause. A queued record that fails
 * (or a held one whose journal_sync fails) means the message must not be sent. A final
 * state that fails is kept in memory and marked on the queued record in place, so that no
 * resume sends an accepted message again (the design is at the top of journal.c). */
int journal_queued(struct journal *j, const char *id, const char *room, const char *user,
                   const char *type, const char *body, size_t len, char **cause);
int journal_state(struct journal *j, const char *id, const char *state, int attempt,
                  long http_status, char **cause);
/* -1 with *cause exactly when what was appended since the last call may not be durable
 * (the held records' write or the fsync failed): the messages queued meanwhile must not
 * be sent. */
int journal_sync(struct journal *j, char **cause);

/* Ends the journal's run: its file is removed when none of its messages is still queued or
 * sending (otherwise the next start offers them again; a file that could not record every
 * answer is rewritten first). -1 with *cause when the file had to be removed with messages
 * still in flight. journal_close does this when it was not done. */
int journal_finish(struct journal *j, char **cause);
void journal_close(struct journal *j);

/* Takes over the journals of processes that are gone: fills *out with their unfinished
 * messages (queued or sending; accepted and failed ones are final) in the order they were
 * queued, counts damaged lines (torn, garbage) in *skipped, and removes those files once
 * the caller's own journal j holds the messages again (journal_queued + journal_sync are
 * done here). Call it on a journal just opened. Returns 0 or -1 with *cause; then the old
 * files are untouched and j is empty again (a full disk: nothing to send yet). */
int journal_recover(struct journal *j, const char *dir, struct journal_pending **out,
                    size_t *n, size_t *skipped, char **cause);
void journal_pending_free(struct journal_pending *p, size_t n);

#endif
