/* The outbox journal: every message as queued, then each state, so none is lost or resent. */

/*
 * Design: what is where, and what happens when the disk says no.
 *
 * In memory (struct journal): every unfinished message of this process, its queued record
 * and where in the file that record's op value lies; a message that reaches a final state
 * (accepted, failed) is forgotten. Memory is always right; the file may lag behind it.
 * When the file is mostly finished messages it is compacted: the same rewrite as below.
 *
 * On disk (outbox-PID-TIME.jsonl, flock'ed while we live): a queued record (the exact bytes
 * to send) per message and round, then its state records. A resume replays the files of
 * processes that are gone and resends each message whose last queued record has no final
 * state after it; an "accepted" anywhere is final for good (never resent).
 *
 * Where a write can fail (ENOSPC, EIO, EFBIG), and what then:
 * - The queued record: the message is refused (the caller reports it as not sent) and
 *   nothing reaches the wire. It is not durable either until the fsync of the loop turn
 *   succeeds; the outbox holds its transfer back until then and fails it if that fsync
 *   fails (journal_sync returns -1 exactly when what was appended may not be durable).
 * - A final state record: memory moves on anyway, and the queued record is marked in place
 *   instead: its op value "queued" is overwritten with "sentok" (accepted) or "failed",
 *   six bytes over six bytes, which needs no new space on a full disk. A resume reads such
 *   a record as that message finished. Only when that overwrite fails too (EIO) does the
 *   file say less than memory ("lost"); then journal_sync rewrites it (unfinished messages
 *   only, to a temporary file, fsync, rename) every few seconds until that works.
 * - A non-final state (sending): nothing to repair; a resume treats sending as queued.
 * - A partial write leaves a torn line. Before the next record, "#\n" ends it: the line
 *   can then never parse as a record (not even a complete one that only lacked its
 *   newline), a resume skips it as damaged, and the records after it read as written.
 * - fsync: reported; the messages queued in that turn are not sent (see above), and the
 *   file is treated as lost (rewritten when possible).
 * - At the end (journal_finish): with nothing unfinished the file is removed, whatever
 *   failed to be written before. With unfinished messages a lost file is rewritten; if that
 *   is impossible it is removed, because a file that would resend accepted messages is
 *   worse than one message still in flight not being offered again (that is reported).
 * - kill -9 at any point: the page cache keeps every write and overwrite made so far, so
 *   a resume sees what this process knew, up to the last 2xx not yet read from the socket.
 *   A held journal (journal_hold, send --batch) keeps a loop turn's queued and sending
 *   records to write them together in journal_sync, before the loop waits; a final state
 *   (accepted, failed) is written at once, with whatever is held before it, so a 2xx read
 *   is never sent again by a resume, held journal or not. A kill inside a turn loses only
 *   queued records of messages not sent yet (they go out after the turn's sync).
 * - A held write that fails: journal_sync returns -1, so the turn's queued messages are
 *   not sent; each final state in it that did not land is marked in place as above.
 *   A power loss can lose what was written since the last fsync: at most one loop turn.
 * - A resume that hits a full disk: journal_recover copies the unfinished messages into
 *   this process's journal and syncs before the old files go; when that fails it returns
 *   -1, the old files stay as they were, this journal forgets the copies, nothing is sent.
 */
#include "jelou/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jelou/cause.h"
#include "jelou/clock.h"
#include "jelou/paths.h"
#include "jelou/idmap.h"
#include "jelou/record.h"
#include "jelou/xalloc.h"

#define PREFIX "outbox-"
#define SUFFIX ".jsonl"

/* Ends a torn line: '#' after any prefix of a record, even a whole one, is not JSON. */
#define TORN_END "#\n"
/* What a queued record's op value becomes when its final state could not be appended. */
#define OP_QUEUED "queued"
#define OP_SENT_OK "sentok"
#define OP_FAILED "failed"
/* Where the op value starts: records are written with their keys in the order given. */
#define OP_VALUE_AT ((off_t)(sizeof "{\"op\":\"" - 1))
/* How often a journal that says less than memory is rewritten while that fails. */
#define REWRITE_EVERY_MS 5000
/* A file this big that is mostly finished messages is compacted (rewritten with the
 * unfinished ones only), so that a batch of millions of lines needs no disk to match. */
#define COMPACT_MIN_BYTES ((off_t)4 << 20)
#define COMPACT_RATIO 4

/* A held final state, written at once with what is held before it: where its record ends
 * in the held bytes, and the in-place mark to make when the write stops short of that. */
struct jmark {
    size_t end;
    off_t at;
    const char *op;
};

/* An unfinished message of this journal: a finished one is forgotten at once (a resume
 * needs nothing of it once the file says it is final), so memory follows what is in
 * flight, not how many were sent. */
struct jmsg {
    char *id;
    char *line;               /* its queued record: what a rewrite writes */
    off_t at;                 /* where in the file that record's op value starts */
    struct jmsg *prev, *next; /* in the order first queued */
};

struct journal {
    int fd;
    char *path;
    int dirty;                /* written to since the last fsync */
    int torn;                 /* the file ends inside a record cut short by a failed write */
    int lost;                 /* the file says less than memory: rewrite it */
    int finished;             /* journal_finish ran: the file is gone or left for a resume */
    off_t size;               /* bytes in the file, torn ones included */
    off_t live;               /* bytes of the unfinished messages' queued records */
    long long rewrite_at;     /* monotonic ms of the next rewrite attempt while lost */
    long long compact_at;     /* monotonic ms of the next compaction after one failed */
    struct jmsg *head, *tail; /* the unfinished messages */
    size_t unfinished;
    struct idmap *by_id;
    struct buf rec;           /* the record being written (not held) */
    int held;                 /* journal_hold: records wait in pend for journal_sync */
    struct buf pend;          /* the held records of this loop turn */
    char *held_error;         /* an early write of held records failed this turn */
};

char *
journal_default_dir(char **cause)
{
    char *dir = paths_state_file("outbox", "the outbox journal", cause);
    if (dir == NULL)
        return NULL;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        cause_fail(cause, xasprintf("cannot create %s: %s", dir, strerror(errno)));
        free(dir);
        return NULL;
    }
    return dir;
}

struct journal *
journal_open(const char *dir, char **cause)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char *path = xasprintf("%s/" PREFIX "%ld-%lld%09ld" SUFFIX, dir, (long)getpid(),
                           (long long)ts.tv_sec, ts.tv_nsec);
    /* Not O_APPEND: records go at offsets we track, so that a queued record can be
     * overwritten in place (Linux ignores pwrite's offset on an O_APPEND descriptor). */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
        cause_fail(cause, xasprintf("cannot open the outbox journal %s: %s", path,
                                    strerror(errno)));
        if (fd >= 0)
            close(fd);
        free(path);
        return NULL;
    }
    struct journal *j = xcalloc(1, sizeof *j);
    j->fd = fd;
    j->path = path;
    j->by_id = idmap_new();
    return j;
}

/* Writes len bytes at off; *done says how many made it. 0, or an errno value. */
static int
write_at(int fd, const char *buf, size_t len, off_t off, size_t *done)
{
    *done = 0;
    while (*done < len) {
        ssize_t w = pwrite(fd, buf + *done, len - *done, off + (off_t)*done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        if (w == 0)
            return ENOSPC; /* a regular file takes nothing only when there is no room */
        *done += (size_t)w;
    }
    return 0;
}

static int
write_failed(struct journal *j, int err, char **cause)
{
    return cause_fail(cause, xasprintf("cannot write the outbox journal %s: %s", j->path,
                                       strerror(err)));
}

void
journal_hold(struct journal *j)
{
    j->held = 1;
}

/* Where the next record is built: the held bytes, or the record buffer, after a torn
 * line's end when it is the first thing written after one. *start gets where it begins. */
static struct buf *
record_begin(struct journal *j, size_t *start)
{
    struct buf *b = j->held ? &j->pend : &j->rec;
    if (!j->held)
        b->len = 0;
    if (b->len == 0 && j->torn)
        buf_append(b, TORN_END, strlen(TORN_END));
    *start = b->len;
    record_line_begin(b);
    return b;
}

/* Ends the record begun at start and appends it at the end of the file, or holds it for
 * journal_sync. *at gets where it starts in the file. Returns 0 (written), 1 (held) or -1
 * with *cause. */
static int
record_end(struct journal *j, struct buf *b, size_t start, off_t *at, char **cause)
{
    record_line_end(b);
    buf_append(b, "\n", 1);
    *at = j->size + (off_t)start;
    if (j->held)
        return 1;
    size_t done;
    int err = write_at(j->fd, b->data, b->len, j->size, &done);
    j->size += (off_t)done;
    if (done > 0) {
        j->dirty = 1;
        j->torn = done < b->len;
    }
    if (err != 0)
        return write_failed(j, err, cause);
    return 0;
}

int
journal_queued(struct journal *j, const char *id, const char *room, const char *user,
               const char *type, const char *body, size_t len, char **cause)
{
    size_t start;
    struct buf *b = record_begin(j, &start);
    record_line_str(b, "op", OP_QUEUED);
    record_line_int(b, "time", clock_wall_ms());
    record_line_str(b, "id", id);
    record_line_str(b, "room", room);
    record_line_str(b, "user", user);
    record_line_str(b, "type", type);
    record_line_strn(b, "body", body, len);
    off_t at;
    int rc = record_end(j, b, start, &at, cause);
    if (rc < 0)
        return -1;
    /* Without its newline: what a rewrite writes. */
    char *kept = xstrndup(b->data + start, b->len - start - 1);
    struct jmsg *m = idmap_get(j->by_id, id);
    if (m == NULL) {
        /* New, or queued again after it was final (/retry). */
        m = xcalloc(1, sizeof *m);
        m->id = xstrdup(id);
        m->prev = j->tail;
        if (j->tail)
            j->tail->next = m;
        else
            j->head = m;
        j->tail = m;
        idmap_put(j->by_id, m->id, m);
        j->unfinished++;
    } else {
        j->live -= (off_t)strlen(m->line) + 1;
        free(m->line);
    }
    m->line = kept;
    m->at = at + OP_VALUE_AT;
    j->live += (off_t)strlen(kept) + 1;
    return rc;
}

static void
jmsg_free(struct jmsg *m)
{
    free(m->id);
    free(m->line);
    free(m);
}

/* Forgets a message that reached a final state. */
static void
drop(struct journal *j, struct jmsg *m)
{
    if (m->prev)
        m->prev->next = m->next;
    else
        j->head = m->next;
    if (m->next)
        m->next->prev = m->prev;
    else
        j->tail = m->prev;
    idmap_del(j->by_id, m->id);
    j->live -= (off_t)strlen(m->line) + 1;
    j->unfinished--;
    jmsg_free(m);
}

static int write_held(struct journal *j, const struct jmark *k, char **cause);

static int
is_final(const char *state)
{
    return strcmp(state, "accepted") == 0 || strcmp(state, "failed") == 0;
}

int
journal_state(struct journal *j, const char *id, const char *state, int attempt,
              long http_status, char **cause)
{
    size_t start;
    struct buf *b = record_begin(j, &start);
    record_line_str(b, "op", "state");
    record_line_int(b, "time", clock_wall_ms());
    record_line_str(b, "id", id);
    record_line_str(b, "state", state);
    record_line_int(b, "attempt", attempt);
    if (http_status > 0)
        record_line_int(b, "http_status", http_status);
    else
        record_line_str(b, "http_status", NULL);
    off_t at;
    int rc = record_end(j, b, start, &at, cause);
    struct jmsg *m = idmap_get(j->by_id, id);
    /* Memory follows the state whatever the file got: it decides what journal_finish
     * keeps, and what a rewrite writes. A message sent again is queued again first. */
    if (m == NULL || !is_final(state))
        return rc;
    /* Six bytes over six: the queued record itself says the message is done. */
    const char *op = strcmp(state, "accepted") == 0 ? OP_SENT_OK : OP_FAILED;
    if (rc > 0) {
        /* A 2xx is never sent again: its end goes to the page cache now, with what the
         * turn held before it, not at the turn's end, where a kill inside the turn would
         * lose it. The mark is made only if that write stops short of this record; a
         * failure here also fails the turn's queued messages at journal_sync. */
        const struct jmark k = {.end = b->len, .at = m->at, .op = op};
        char *why = NULL;
        if (write_held(j, &k, &why) != 0) {
            if (j->held_error == NULL)
                j->held_error = xstrdup(why);
            cause_fail(cause, why);
            rc = -1;
        } else {
            rc = 0;
        }
    } else if (rc != 0) {
        size_t done;
        if (write_at(j->fd, op, strlen(op), m->at, &done) == 0)
            j->dirty = 1;
        else
            j->lost = 1;
    }
    drop(j, m);
    return rc;
}

/* Replaces the file with the queued records of the unfinished messages, atomically: a
 * temporary file (a name recovery does not read), fsync, rename, fsync of the directory. */
static int
rewrite(struct journal *j, char **cause)
{
    char *slash = strrchr(j->path, '/');
    char *dir = xstrndup(j->path, (size_t)(slash - j->path));
    char *tmp = xasprintf("%s/.%s.new", dir, slash + 1);
    off_t *at = xcalloc(j->unfinished ? j->unfinished : 1, sizeof *at);
    off_t size = 0;
    size_t k = 0;
    int err = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0)
        err = errno;
    for (struct jmsg *m = j->head; m != NULL && err == 0; m = m->next) {
        char *buf = xasprintf("%s\n", m->line);
        size_t done;
        at[k++] = size + OP_VALUE_AT;
        err = write_at(fd, buf, strlen(buf), size, &done);
        size += (off_t)done;
        free(buf);
    }
    if (err == 0 && fsync(fd) != 0)
        err = errno;
    if (err == 0 && rename(tmp, j->path) != 0)
        err = errno;
    if (err == 0) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        close(j->fd);
        j->fd = fd;
        j->size = size;
        j->torn = 0;
        j->dirty = 0;
        j->lost = 0;
        k = 0;
        for (struct jmsg *m = j->head; m != NULL; m = m->next)
            m->at = at[k++];
    } else {
        if (fd >= 0) {
            unlink(tmp);
            close(fd);
        }
        cause_fail(cause, xasprintf("cannot rewrite the outbox journal %s: %s", j->path,
                                    strerror(err)));
    }
    free(at);
    free(tmp);
    free(dir);
    return err == 0 ? 0 : -1;
}

/* Writes the held records with one pwrite, k (or NULL) the final state that ends them;
 * where it stops short of k's record, k is marked in place on its queued record (when that
 * is in the file: a queued record that is not was never sent). 0 or -1 with *cause. */
static int
write_held(struct journal *j, const struct jmark *k, char **cause)
{
    size_t len = j->pend.len, done = 0;
    int err = len > 0 ? write_at(j->fd, j->pend.data, len, j->size, &done) : 0;
    j->size += (off_t)done;
    if (done > 0) {
        j->dirty = 1;
        j->torn = done < len;
    }
    size_t wrote;
    if (err != 0 && k != NULL && k->end > done && k->at + (off_t)strlen(k->op) <= j->size) {
        if (write_at(j->fd, k->op, strlen(k->op), k->at, &wrote) == 0)
            j->dirty = 1;
        else
            j->lost = 1;
    }
    j->pend.len = 0;
    return err != 0 ? write_failed(j, err, cause) : 0;
}

int
journal_sync(struct journal *j, char **cause)
{
    if (j == NULL)
        return 0;
    /* What was written stays dirty for the next sync; this turn's messages are not sent. */
    /* A final state's early write that failed this turn took held queued records with it. */
    char *early = j->held_error;
    j->held_error = NULL;
    if (j->held && write_held(j, NULL, cause) != 0) {
        free(early);
        return -1;
    }
    if (early != NULL)
        return cause_fail(cause, early);
    if (j->lost && clock_mono_ms() >= j->rewrite_at) {
        /* Already reported when it happened: only the next attempt is scheduled here. */
        if (rewrite(j, NULL) != 0)
            j->rewrite_at = clock_mono_ms() + REWRITE_EVERY_MS;
    }
    if (!j->lost && j->size >= COMPACT_MIN_BYTES && j->size > COMPACT_RATIO * j->live &&
        clock_mono_ms() >= j->compact_at) {
        /* The rewrite is durable when it succeeds (its own fsync): it replaces this turn's
         * fsync. When it fails (a full disk), the file stays as it was, still right. */
        if (rewrite(j, NULL) == 0)
            return 0;
        j->compact_at = clock_mono_ms() + REWRITE_EVERY_MS;
    }
    if (!j->dirty)
        return 0;
    if (fsync(j->fd) != 0) {
        /* What fsync could not write back may be gone from the cache too. */
        j->lost = 1;
        return cause_fail(cause, xasprintf("cannot sync the outbox journal %s: %s", j->path,
                                           strerror(errno)));
    }
    j->dirty = 0;
    return 0;
}

int
journal_finish(struct journal *j, char **cause)
{
    if (j == NULL || j->finished)
        return 0;
    j->finished = 1;
    int rc = 0;
    if (j->unfinished == 0) {
        j->pend.len = 0;
        /* Nothing left to send: the next start has nothing to offer from this file, and
         * whatever it failed to record no longer matters. */
        unlink(j->path);
    } else {
        /* A failed fsync marks the file lost, like a failed overwrite. */
        journal_sync(j, NULL);
        if (j->lost && rewrite(j, NULL) != 0) {
            /* It would make a resume send accepted messages again: worse than not
             * offering the ones still in flight. */
            unlink(j->path);
            rc = cause_fail(cause, xasprintf("the outbox journal %s could not record every "
                                             "answer and was removed; %zu message%s still "
                                             "in flight will not be offered by a resume",
                                             j->path, j->unfinished,
                                             j->unfinished == 1 ? "" : "s"));
        }
    }
    return rc;
}

void
journal_close(struct journal *j)
{
    if (j == NULL)
        return;
    journal_finish(j, NULL);
    close(j->fd);
    while (j->head)
        drop(j, j->head);
    idmap_free(j->by_id);
    buf_free(&j->rec);
    buf_free(&j->pend);
    free(j->held_error);
    free(j->path);
    free(j);
}

void
journal_pending_free(struct journal_pending *p, size_t n)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        free(p[i].id);
        free(p[i].room);
        free(p[i].user);
        free(p[i].type);
        free(p[i].body);
    }
    free(p);
}

struct replay {
    struct journal_pending *v;
    int *final;
    int *acked;               /* a 2xx was recorded: final for good, whatever follows */
    size_t n, cap;
    struct idmap *by_id;      /* id -> index + 1 */
    size_t skipped;
};

/* The slot of id, made (without a body yet) when it is new. */
static size_t
replay_slot(struct replay *rp, const char *id)
{
    uintptr_t slot = (uintptr_t)idmap_get(rp->by_id, id);
    if (slot != 0)
        return slot - 1;
    if (rp->n == rp->cap) {
        rp->cap = rp->cap ? rp->cap * 2 : 64;
        rp->v = xrealloc(rp->v, rp->cap * sizeof *rp->v);
        rp->final = xrealloc(rp->final, rp->cap * sizeof *rp->final);
        rp->acked = xrealloc(rp->acked, rp->cap * sizeof *rp->acked);
    }
    struct journal_pending *p = &rp->v[rp->n];
    memset(p, 0, sizeof *p);
    p->id = xstrdup(id);
    rp->final[rp->n] = 1;
    rp->acked[rp->n] = 0;
    idmap_put(rp->by_id, p->id, (void *)(uintptr_t)(rp->n + 1));
    return rp->n++;
}

static void
replay_line(struct replay *rp, const char *line, size_t len)
{
    struct record_view *v = record_parse(line, len, NULL);
    const char *op = v ? record_get_str(v, "op") : NULL;
    const char *id = v ? record_get_str(v, "id") : NULL;
    const char *body = v ? record_get_str(v, "body") : NULL;
    const char *state = v ? record_get_str(v, "state") : NULL;
    /* A queued record, or one marked in place as finished (see the top of this file). */
    int queued = op != NULL && body != NULL &&
                 (strcmp(op, OP_QUEUED) == 0 || strcmp(op, OP_SENT_OK) == 0 ||
                  strcmp(op, OP_FAILED) == 0);
    if (id == NULL || !(queued || (op != NULL && strcmp(op, "state") == 0 && state))) {
        rp->skipped++;
        record_view_free(v);
        return;
    }
    size_t i = replay_slot(rp, id);
    struct journal_pending *p = &rp->v[i];
    if (queued) {
        if (p->body == NULL) {
            const char *s;
            p->body = xstrdup(body);
            p->body_len = strlen(body);
            p->room = (s = record_get_str(v, "room")) ? xstrdup(s) : NULL;
            p->user = (s = record_get_str(v, "user")) ? xstrdup(s) : NULL;
            p->type = (s = record_get_str(v, "type")) ? xstrdup(s) : NULL;
            record_get_int(v, "time", &p->time_ms);
        }
        rp->final[i] = strcmp(op, OP_QUEUED) != 0; /* queued again: a retry */
        rp->acked[i] |= strcmp(op, OP_SENT_OK) == 0;
    } else {
        rp->final[i] = is_final(state);
        rp->acked[i] |= strcmp(state, "accepted") == 0;
    }
    rp->final[i] |= rp->acked[i];
    record_view_free(v);
}

/* Replays one file into rp. */
static void
replay_file(struct replay *rp, FILE *f)
{
    char *line = NULL;
    size_t size = 0;
    ssize_t got;
    while ((got = getline(&line, &size, f)) > 0) {
        size_t len = (size_t)got;
        int torn = line[len - 1] != '\n';
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (len == 0)
            continue;
        if (torn) {
            /* The writer died inside this line: what it says cannot be trusted. */
            rp->skipped++;
            continue;
        }
        replay_line(rp, line, len);
    }
    free(line);
}

/* Back to an empty journal, as journal_open left it. */
static void
journal_forget(struct journal *j)
{
    while (j->head)
        drop(j, j->head);
    j->pend.len = 0;
    if (ftruncate(j->fd, 0) == 0) {
        j->size = 0;
        j->torn = 0;
        j->lost = 0;
    }
}

int
journal_recover(struct journal *j, const char *dir, struct journal_pending **out, size_t *n,
                size_t *skipped, char **cause)
{
    *out = NULL;
    *n = 0;
    *skipped = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        if (errno == ENOENT)
            return 0;
        return cause_fail(cause, xasprintf("cannot read %s: %s", dir, strerror(errno)));
    }
    struct replay rp = {.by_id = idmap_new()};
    int *fds = NULL;
    char **paths = NULL;
    size_t nfiles = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, PREFIX, strlen(PREFIX)) != 0 || len < strlen(SUFFIX) ||
            strcmp(de->d_name + len - strlen(SUFFIX), SUFFIX) != 0)
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        int fd = j && strcmp(path, j->path) == 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
        /* A lock we can take belongs to nobody: its process is gone. */
        if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (fd >= 0)
                close(fd);
            free(path);
            continue;
        }
        FILE *f = fdopen(dup(fd), "r");
        if (f != NULL) {
            replay_file(&rp, f);
            fclose(f);
        }
        fds = xrealloc(fds, (nfiles + 1) * sizeof *fds);
        paths = xrealloc(paths, (nfiles + 1) * sizeof *paths);
        fds[nfiles] = fd;
        paths[nfiles++] = path;
    }
    closedir(d);

    /* Keep only the unfinished ones, in the order they were queued. */
    size_t k = 0;
    for (size_t i = 0; i < rp.n; i++) {
        if (rp.final[i] || rp.v[i].body == NULL) {
            free(rp.v[i].id);
            free(rp.v[i].room);
            free(rp.v[i].user);
            free(rp.v[i].type);
            free(rp.v[i].body);
        } else {
            rp.v[k++] = rp.v[i];
        }
    }
    int rc = 0;
    /* Our journal holds them before the old files go: a crash now loses nothing. */
    for (size_t i = 0; i < k && j != NULL && rc == 0; i++)
        rc = journal_queued(j, rp.v[i].id, rp.v[i].room, rp.v[i].user, rp.v[i].type,
                            rp.v[i].body, rp.v[i].body_len, cause) < 0 ? -1 : 0;
    if (rc == 0 && j != NULL)
        rc = journal_sync(j, cause);
    for (size_t i = 0; i < nfiles; i++) {
        if (rc == 0 && j != NULL)
            unlink(paths[i]);
        close(fds[i]);
        free(paths[i]);
    }
    free(fds);
    free(paths);
    free(rp.final);
    free(rp.acked);
    idmap_free(rp.by_id);
    if (rc != 0) {
        /* The old files stay; copies half made here must not be offered a second time. */
        if (j != NULL)
            journal_forget(j);
        journal_pending_free(rp.v, k);
        return -1;
    }
    *out = rp.v;
    *n = k;
    *skipped = rp.skipped;
    return 0;
}
