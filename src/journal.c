/* The outbox journal: every message as queued, then each state, so none is lost or resent. */
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
#include "jelou/history.h"
#include "jelou/idmap.h"
#include "jelou/record.h"
#include "jelou/xalloc.h"

#define PREFIX "outbox-"
#define SUFFIX ".jsonl"

/* A message this journal has seen, and whether it reached a final state. */
struct jmsg {
    char *id;
    int final;
};

struct journal {
    int fd;
    char *path;
    int dirty;
    struct jmsg **msgs;
    size_t n, cap;
    size_t unfinished;
    struct idmap *by_id;
};

char *
journal_default_dir(char **cause)
{
    char *hist = history_default_path(cause);
    if (hist == NULL)
        return NULL;
    *strrchr(hist, '/') = '\0';
    char *dir = xasprintf("%s/outbox", hist);
    free(hist);
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
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
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

static int
append(struct journal *j, char *line, char **cause)
{
    size_t len = strlen(line);
    line = xrealloc(line, len + 2);
    line[len++] = '\n';
    line[len] = '\0';
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(j->fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            free(line);
            return cause_fail(cause, xasprintf("cannot write the outbox journal %s: %s",
                                               j->path, strerror(errno)));
        }
        done += (size_t)w;
    }
    free(line);
    j->dirty = 1;
    return 0;
}

static long long
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
journal_queued(struct journal *j, const char *id, const char *room, const char *user,
               const char *type, const char *body, size_t len, char **cause)
{
    struct record *r = record_new();
    record_str(r, "op", "queued");
    record_int(r, "time", now_ms());
    record_str(r, "id", id);
    record_str(r, "room", room);
    record_str(r, "user", user);
    record_str(r, "type", type);
    record_strn(r, "body", body, len);
    if (append(j, record_finish(r), cause) != 0)
        return -1;
    struct jmsg *seen = idmap_get(j->by_id, id);
    if (seen != NULL && seen->final) {
        seen->final = 0; /* queued again: /retry */
        j->unfinished++;
    } else if (seen == NULL) {
        struct jmsg *m = xcalloc(1, sizeof *m);
        m->id = xstrdup(id);
        if (j->n == j->cap) {
            j->cap = j->cap ? j->cap * 2 : 64;
            j->msgs = xrealloc(j->msgs, j->cap * sizeof *j->msgs);
        }
        j->msgs[j->n++] = m;
        idmap_put(j->by_id, m->id, m);
        j->unfinished++;
    }
    return 0;
}

static int
is_final(const char *state)
{
    return strcmp(state, "accepted") == 0 || strcmp(state, "failed") == 0;
}

int
journal_state(struct journal *j, const char *id, const char *state, int attempt,
              long http_status, char **cause)
{
    struct record *r = record_new();
    record_str(r, "op", "state");
    record_int(r, "time", now_ms());
    record_str(r, "id", id);
    record_str(r, "state", state);
    record_int(r, "attempt", attempt);
    if (http_status > 0)
        record_int(r, "http_status", http_status);
    else
        record_str(r, "http_status", NULL);
    if (append(j, record_finish(r), cause) != 0)
        return -1;
    struct jmsg *m = idmap_get(j->by_id, id);
    if (m != NULL && m->final != is_final(state)) {
        m->final = is_final(state);
        if (m->final)
            j->unfinished--;
        else
            j->unfinished++; /* sent again (/retry) */
    }
    return 0;
}

int
journal_sync(struct journal *j, char **cause)
{
    if (j == NULL || !j->dirty)
        return 0;
    if (fsync(j->fd) != 0)
        return cause_fail(cause, xasprintf("cannot sync the outbox journal %s: %s", j->path,
                                           strerror(errno)));
    j->dirty = 0;
    return 0;
}

void
journal_close(struct journal *j)
{
    if (j == NULL)
        return;
    journal_sync(j, NULL);
    /* Nothing left to send: the next start has nothing to offer from this file. */
    if (j->unfinished == 0)
        unlink(j->path);
    close(j->fd);
    for (size_t i = 0; i < j->n; i++) {
        free(j->msgs[i]->id);
        free(j->msgs[i]);
    }
    free(j->msgs);
    idmap_free(j->by_id);
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
    size_t n, cap;
    struct idmap *by_id;      /* id -> index + 1 */
    size_t skipped;
};

static void
replay_line(struct replay *rp, const char *line, size_t len)
{
    struct record_view *v = record_parse(line, len, NULL);
    const char *op = v ? record_get_str(v, "op") : NULL;
    const char *id = v ? record_get_str(v, "id") : NULL;
    if (op == NULL || id == NULL) {
        rp->skipped++;
        record_view_free(v);
        return;
    }
    uintptr_t slot = (uintptr_t)idmap_get(rp->by_id, id);
    if (strcmp(op, "queued") == 0 && record_get_str(v, "body") != NULL) {
        if (slot == 0) {
            if (rp->n == rp->cap) {
                rp->cap = rp->cap ? rp->cap * 2 : 64;
                rp->v = xrealloc(rp->v, rp->cap * sizeof *rp->v);
                rp->final = xrealloc(rp->final, rp->cap * sizeof *rp->final);
            }
            struct journal_pending *p = &rp->v[rp->n];
            memset(p, 0, sizeof *p);
            const char *body = record_get_str(v, "body");
            p->id = xstrdup(id);
            p->body = xstrdup(body);
            p->body_len = strlen(body);
            const char *s;
            p->room = (s = record_get_str(v, "room")) ? xstrdup(s) : NULL;
            p->user = (s = record_get_str(v, "user")) ? xstrdup(s) : NULL;
            p->type = (s = record_get_str(v, "type")) ? xstrdup(s) : NULL;
            record_get_int(v, "time", &p->time_ms);
            rp->final[rp->n] = 0;
            rp->n++;
            idmap_put(rp->by_id, p->id, (void *)(uintptr_t)rp->n);
        } else {
            rp->final[slot - 1] = 0; /* queued again: a retry */
        }
    } else if (strcmp(op, "state") == 0 && slot != 0) {
        const char *state = record_get_str(v, "state");
        rp->final[slot - 1] = state != NULL && is_final(state);
    } else {
        rp->skipped++;
    }
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
        if (rp.final[i]) {
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
                            rp.v[i].body, rp.v[i].body_len, cause);
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
    idmap_free(rp.by_id);
    if (rc != 0) {
        journal_pending_free(rp.v, k);
        return -1;
    }
    *out = rp.v;
    *n = k;
    *skipped = rp.skipped;
    return 0;
}
