/* Unit tests for a held outbox journal (send --batch): one write per sync, and what a
 * write that fails there (a full disk, RLIMIT_FSIZE) leaves for a resume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/journal.h"

#define BODY(id) "{\"value\":{\"id\":\"" id "\"}}"

struct fixture {
    char dir[64];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    strcpy(fx->dir, "/tmp/jelou-held-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
    if (system(cmd) != 0)
        return -1;
    free(fx);
    return 0;
}

/* The one journal file in dir (its size in *size), or NULL. */
static char *
only_file(const char *dir, off_t *size)
{
    DIR *d = opendir(dir);
    char *found = NULL;
    int n = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        n++;
        free(found);
        found = malloc(strlen(dir) + strlen(de->d_name) + 2);
        sprintf(found, "%s/%s", dir, de->d_name);
    }
    if (d != NULL)
        closedir(d);
    struct stat st;
    if (n != 1 || stat(found, &st) != 0) {
        free(found);
        return NULL;
    }
    if (size != NULL)
        *size = st.st_size;
    return found;
}

static void
limit_files(rlim_t limit)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = limit;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

static void
unlimit_files(void)
{
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = rl.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

/* Held: nothing is known of the write until journal_sync. */
static void
queue(struct journal *j, const char *id, const char *body)
{
    char *cause = NULL;
    assert_int_equal(journal_queued(j, id, "r", "u", "text", body, strlen(body), &cause), 1);
    assert_null(cause);
}

/* A sending state is held (1); a final one is written at once (0, or -1 when it cannot
 * be): a 2xx already read must survive a kill inside the turn. */
static void
state(struct journal *j, const char *id, const char *st, long http, int want)
{
    assert_int_equal(journal_state(j, id, st, 1, http, NULL), want);
}

/* What a later start would resend from a copy of the file (what a kill -9 leaves now). */
static char *
resume_copy(const char *dir, const char *path, size_t *skipped)
{
    char other[96];
    snprintf(other, sizeof other, "%s.resume", dir);
    assert_int_equal(mkdir(other, 0700), 0);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/'", path, other);
    assert_int_equal(system(cmd), 0);
    struct journal *j = journal_open(other, NULL);
    assert_non_null(j);
    struct journal_pending *p;
    size_t n;
    char *cause = NULL;
    assert_int_equal(journal_recover(j, other, &p, &n, skipped, &cause), 0);
    char *out = calloc(1, 4096);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, " ");
        strcat(out, p[i].id);
        strcat(out, "=");
        strncat(out, p[i].body, p[i].body_len);
    }
    journal_pending_free(p, n);
    journal_close(j);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", other);
    assert_int_equal(system(cmd), 0);
    return out;
}

/* A turn's records reach the file together, at the sync, and read back as written. */
static void
test_one_write_per_sync(void **st)
{
    struct fixture *fx = *st;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    journal_hold(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    state(j, "a", "sending", 0, 1);
    off_t size;
    char *path = only_file(fx->dir, &size);
    assert_non_null(path);
    assert_int_equal(size, 0);
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    free(only_file(fx->dir, &size));
    assert_true(size > 0);
    /* a's 2xx is in the file before any sync: what a kill -9 now would leave. */
    state(j, "a", "accepted", 200, 0);
    size_t skipped;
    char *sent = resume_copy(fx->dir, path, &skipped);
    assert_string_equal(sent, "b=" BODY("b"));
    assert_int_equal(skipped, 0);
    free(sent);
    assert_int_equal(journal_sync(j, &cause), 0);
    state(j, "b", "accepted", 200, 0);
    journal_close(j);
    assert_null(only_file(fx->dir, NULL)); /* nothing unfinished: gone */
    free(path);
}

/* The held final states do not fit at all: the sync says so, and each queued record is
 * marked in place, so a resume resends only what got no answer. */
static void
test_held_write_fails_marks_in_place(void **st)
{
    struct fixture *fx = *st;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    journal_hold(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    queue(j, "f", BODY("f"));
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    off_t size, now;
    char *path = only_file(fx->dir, &size);

    limit_files((rlim_t)size); /* full: not one byte more */
    state(j, "a", "accepted", 200, -1);
    state(j, "b", "sending", 0, 1);
    state(j, "f", "failed", 500, -1);
    assert_int_equal(journal_sync(j, &cause), -1);
    assert_non_null(strstr(cause, "cannot write the outbox journal"));
    assert_non_null(strstr(cause, "File too large"));
    free(cause);
    free(only_file(fx->dir, &now));
    assert_int_equal(now, size); /* marked in place: not one byte more */
    unlimit_files();

    size_t skipped;
    char *sent = resume_copy(fx->dir, path, &skipped);
    assert_string_equal(sent, "b=" BODY("b"));
    assert_int_equal(skipped, 0);
    free(sent);
    journal_close(j);
    free(path);
}

/* A held write cut short: the records before the cut count, the cut one is ended before
 * the next write and skipped as damaged, and a final state past the cut is marked. */
static void
test_held_write_cut_short(void **st)
{
    struct fixture *fx = *st;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    journal_hold(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    off_t size;
    char *path = only_file(fx->dir, &size);

    limit_files((rlim_t)size + 30); /* 30 bytes of a's state record */
    state(j, "a", "accepted", 200, -1);
    queue(j, "c", BODY("c"));
    assert_int_equal(journal_sync(j, &cause), -1);
    free(cause);
    unlimit_files();
    /* c was not durable: the outbox fails it, and the next turn says so. */
    state(j, "c", "failed", 0, 0);
    queue(j, "d", BODY("d"));
    cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);

    size_t skipped;
    char *sent = resume_copy(fx->dir, path, &skipped);
    assert_string_equal(sent, "b=" BODY("b") " d=" BODY("d"));
    assert_int_equal(skipped, 1);
    free(sent);
    journal_close(j);
    free(path);
}

int
main(void)
{
    /* A write past RLIMIT_FSIZE raises SIGXFSZ; ignored, the write fails with EFBIG. */
    signal(SIGXFSZ, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_write_per_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_write_fails_marks_in_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_held_write_cut_short, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
