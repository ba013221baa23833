/* Unit tests for the outbox journal under real write failures (RLIMIT_FSIZE): torn lines,
 * final states that cannot be appended, a resume that cannot write its own journal; and,
 * with fsync failing on demand, the rewrite of a journal that says less than memory; and a
 * held journal (send --batch): one write per sync, its final states written at once. */
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
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsync_fault.h"
#include "jelou/journal.h"

/* The journal's bodies are the bytes a resume sends: short texts are enough here. */
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
    strcpy(fx->dir, "/tmp/jelou-journal-XXXXXX");
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

/* The one journal file in dir (its size in *size), or NULL (none, or more than one). */
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

/* From here on no file of this process may grow past limit bytes (EFBIG, a short write
 * first when a write crosses it): a disk that fills up at exactly that point. */
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

static void
queue(struct journal *j, const char *id, const char *body)
{
    char *cause = NULL;
    assert_int_equal(journal_queued(j, id, "r", "u", "text", body, strlen(body), &cause), 0);
    assert_null(cause);
}

/* What a later start would resend from dir, as "id=body id=body ...", and the count of
 * damaged lines it skipped. */
static char *
resume(const char *dir, size_t *skipped)
{
    struct journal *j = journal_open(dir, NULL);
    assert_non_null(j);
    struct journal_pending *p;
    size_t n;
    char *cause = NULL;
    assert_int_equal(journal_recover(j, dir, &p, &n, skipped, &cause), 0);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(p[i].id) + p[i].body_len + 2;
    char *out = calloc(1, len);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(out, " ");
        strcat(out, p[i].id);
        strcat(out, "=");
        strncat(out, p[i].body, p[i].body_len);
    }
    /* Not sent here: the copies stay for the next test step to read again. */
    journal_pending_free(p, n);
    journal_close(j);
    return out;
}

/* A record cut short by a full disk is ended before the next one is appended: a resume
 * reads the records before it and after it, and skips it as damaged. */
static void
test_torn_line_then_append(void **state)
{
    struct fixture *fx = *state;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    queue(j, "a", BODY("a"));
    off_t size;
    char *path = only_file(fx->dir, &size);
    assert_non_null(path);

    limit_files((rlim_t)size + 20);
    char *cause = NULL;
    const char *torn = BODY("c");
    assert_int_equal(journal_queued(j, "c", "r", "u", "text", torn, strlen(torn), &cause), -1);
    assert_non_null(strstr(cause, "cannot write the outbox journal"));
    assert_non_null(strstr(cause, "File too large"));
    free(cause);
    off_t now;
    free(only_file(fx->dir, &now));
    assert_int_equal(now, size + 20); /* a real torn line: 20 bytes of c's record */
    unlimit_files();

    queue(j, "d", BODY("d"));
    cause = NULL;
    assert_int_equal(journal_state(j, "a", "sending", 1, 0, &cause), 0);
    assert_int_equal(journal_sync(j, &cause), 0);
    journal_close(j); /* a and d unfinished: the file stays for a resume */

    size_t skipped;
    char *sent = resume(fx->dir, &skipped);
    assert_string_equal(sent, "a=" BODY("a") " d=" BODY("d"));
    assert_int_equal(skipped, 1);
    free(sent);
    free(path);
}

/* The worst torn line: a whole record whose newline did not fit. Ended with a plain
 * newline it would read as a message to send, one that was reported as not sent. */
static void
test_torn_line_missing_only_its_newline(void **state)
{
    struct fixture *fx = *state;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    queue(j, "a", BODY("a"));
    off_t before, after;
    char *path = only_file(fx->dir, &before);
    queue(j, "b", BODY("b"));
    free(only_file(fx->dir, &after));
    off_t record = after - before - 1; /* b's record without its newline */

    /* c's record is as long as b's (same lengths, a time of the same digits). */
    limit_files((rlim_t)(after + record));
    char *cause = NULL;
    const char *body = BODY("c");
    assert_int_equal(journal_queued(j, "c", "r", "u", "text", body, strlen(body), &cause), -1);
    free(cause);
    unlimit_files();
    queue(j, "e", BODY("e"));
    journal_close(j);

    size_t skipped;
    char *sent = resume(fx->dir, &skipped);
    assert_string_equal(sent, "a=" BODY("a") " b=" BODY("b") " e=" BODY("e"));
    assert_int_equal(skipped, 1);
    free(sent);
    free(path);
}

/* A 2xx whose state record does not fit is never sent again: not by a resume after a kill
 * (the queued record is marked in place), not after a normal end (the file goes). */
static void
test_accepted_not_written_is_not_resent(void **state)
{
    struct fixture *fx = *state;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    queue(j, "f", BODY("f"));
    off_t size;
    char *path = only_file(fx->dir, &size);

    limit_files((rlim_t)size); /* full: not one byte more */
    char *cause = NULL;
    assert_int_equal(journal_state(j, "a", "sending", 1, 0, &cause), -1);
    free(cause);
    cause = NULL;
    assert_int_equal(journal_state(j, "a", "accepted", 1, 200, &cause), -1);
    assert_non_null(strstr(cause, "File too large"));
    free(cause);
    cause = NULL;
    assert_int_equal(journal_state(j, "f", "failed", 3, 500, &cause), -1);
    free(cause);
    cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    off_t now;
    free(only_file(fx->dir, &now));
    assert_int_equal(now, size); /* marked in place: not one byte more */
    unlimit_files();

    /* What a kill -9 now leaves: b still to send, a and f done. */
    char *copy = malloc(strlen(fx->dir) + 8);
    sprintf(copy, "%s/.copy", fx->dir); /* a name no resume reads */
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", path, copy);
    assert_int_equal(system(cmd), 0);

    /* b's answer: with nothing unfinished the file goes, whatever it missed. */
    assert_int_equal(journal_state(j, "b", "accepted", 1, 200, NULL), 0);
    journal_close(j);
    assert_null(only_file(fx->dir, NULL));

    assert_int_equal(rename(copy, path), 0);
    size_t skipped;
    char *sent = resume(fx->dir, &skipped);
    assert_string_equal(sent, "b=" BODY("b"));
    assert_int_equal(skipped, 0);
    free(sent);
    free(copy);
    free(path);
}

/* A resume on a full disk sends nothing, keeps the old journal as it was, and leaves no
 * copy behind; once there is room it takes the messages over. */
static void
test_resume_on_a_full_disk(void **state)
{
    struct fixture *fx = *state;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    journal_close(j);
    off_t size;
    char *path = only_file(fx->dir, &size);

    struct journal *r = journal_open(fx->dir, NULL);
    assert_non_null(r);
    /* A limit per file: room for the copy of a (a record as long as b's) and part of b's. */
    limit_files((rlim_t)size / 2 + 10);
    struct journal_pending *p = NULL;
    size_t n = 9, skipped;
    char *cause = NULL;
    assert_int_equal(journal_recover(r, fx->dir, &p, &n, &skipped, &cause), -1);
    assert_non_null(strstr(cause, "cannot write the outbox journal"));
    free(cause);
    assert_int_equal(n, 0);
    unlimit_files();
    journal_close(r);
    off_t now;
    char *left = only_file(fx->dir, &now);
    assert_non_null(left); /* the old one, and not the failed copy */
    assert_string_equal(left, path);
    assert_int_equal(now, size);

    char *sent = resume(fx->dir, &skipped);
    assert_string_equal(sent, "a=" BODY("a") " b=" BODY("b"));
    free(sent);
    free(left);
    free(path);
}

/* The file's text. */
static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *text = calloc(1, 4096);
    size_t n = fread(text, 1, 4095, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

/* A failed fsync may have lost what it was to write back: the journal is rewritten from
 * memory (unfinished messages only) at the next sync, and marks in place keep working on
 * the new file. */
static void
test_failed_sync_rewrites(void **state)
{
    struct fixture *fx = *state;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    assert_int_equal(journal_state(j, "a", "accepted", 1, 200, NULL), 0);
    fail_fsync = 1;
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), -1);
    assert_non_null(strstr(cause, "cannot sync the outbox journal"));
    assert_non_null(strstr(cause, "Input/output error"));
    free(cause);
    fail_fsync = 0;
    cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    char *path = only_file(fx->dir, NULL);
    assert_non_null(path);
    char *text = slurp(path);
    assert_non_null(strstr(text, "\"op\":\"queued\""));
    assert_non_null(strstr(text, "\"id\":\"b\""));
    assert_null(strstr(text, "\"id\":\"a\""));
    assert_int_equal(strchr(text, '\n') - text + 1, (long)strlen(text)); /* one line */
    free(text);

    off_t size;
    free(only_file(fx->dir, &size));
    limit_files((rlim_t)size);
    assert_int_equal(journal_state(j, "b", "accepted", 1, 200, NULL), -1);
    unlimit_files();
    text = slurp(path);
    assert_non_null(strstr(text, "{\"op\":\"sentok\""));
    free(text);
    journal_close(j);
    assert_null(only_file(fx->dir, NULL)); /* nothing unfinished: gone */
    free(path);
}

/* When even a rewrite cannot be made durable, the file is removed rather than left to make
 * a resume send accepted messages again, and that is said. */
static void
test_unrepairable_journal_is_removed(void **state)
{
    struct fixture *fx = *state;
    struct journal *j = journal_open(fx->dir, NULL);
    assert_non_null(j);
    queue(j, "a", BODY("a"));
    queue(j, "b", BODY("b"));
    assert_int_equal(journal_state(j, "a", "accepted", 1, 200, NULL), 0);
    fail_fsync = 1;
    char *cause = NULL;
    assert_int_equal(journal_finish(j, &cause), -1);
    fail_fsync = 0;
    assert_non_null(strstr(cause, "could not record every answer and was removed; 1 message "
                                  "still in flight will not be offered by a resume"));
    free(cause);
    assert_null(only_file(fx->dir, NULL));
    DIR *d = opendir(fx->dir);
    int entries = 0;
    while (readdir(d) != NULL)
        entries++;
    closedir(d);
    assert_int_equal(entries, 2); /* . and ..: no temporary file left either */
    journal_close(j);
}

/* ---- a held journal (send --batch): one write per sync, final states at once ---- */

/* Held: nothing is known of the write until journal_sync. */
static void
queue_held(struct journal *j, const char *id, const char *body)
{
    char *cause = NULL;
    assert_int_equal(journal_queued(j, id, "r", "u", "text", body, strlen(body), &cause), 1);
    assert_null(cause);
}

/* A sending state is held (1); a final one is written at once (0, or -1 when it cannot
 * be): a 2xx already read must survive a kill inside the turn. */
static void
state_held(struct journal *j, const char *id, const char *st, long http, int want)
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
    queue_held(j, "a", BODY("a"));
    queue_held(j, "b", BODY("b"));
    state_held(j, "a", "sending", 0, 1);
    off_t size;
    char *path = only_file(fx->dir, &size);
    assert_non_null(path);
    assert_int_equal(size, 0);
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    free(only_file(fx->dir, &size));
    assert_true(size > 0);
    /* a's 2xx is in the file before any sync: what a kill -9 now would leave. */
    state_held(j, "a", "accepted", 200, 0);
    size_t skipped;
    char *sent = resume_copy(fx->dir, path, &skipped);
    assert_string_equal(sent, "b=" BODY("b"));
    assert_int_equal(skipped, 0);
    free(sent);
    assert_int_equal(journal_sync(j, &cause), 0);
    state_held(j, "b", "accepted", 200, 0);
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
    queue_held(j, "a", BODY("a"));
    queue_held(j, "b", BODY("b"));
    queue_held(j, "f", BODY("f"));
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    off_t size, now;
    char *path = only_file(fx->dir, &size);

    limit_files((rlim_t)size); /* full: not one byte more */
    state_held(j, "a", "accepted", 200, -1);
    state_held(j, "b", "sending", 0, 1);
    state_held(j, "f", "failed", 500, -1);
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
    queue_held(j, "a", BODY("a"));
    queue_held(j, "b", BODY("b"));
    char *cause = NULL;
    assert_int_equal(journal_sync(j, &cause), 0);
    off_t size;
    char *path = only_file(fx->dir, &size);

    limit_files((rlim_t)size + 30); /* 30 bytes of a's state record */
    state_held(j, "a", "accepted", 200, -1);
    queue_held(j, "c", BODY("c"));
    assert_int_equal(journal_sync(j, &cause), -1);
    free(cause);
    unlimit_files();
    /* c was not durable: the outbox fails it, and the next turn says so. */
    state_held(j, "c", "failed", 0, 0);
    queue_held(j, "d", BODY("d"));
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
        cmocka_unit_test_setup_teardown(test_torn_line_then_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_line_missing_only_its_newline, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_accepted_not_written_is_not_resent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_resume_on_a_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_sync_rewrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_write_per_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_held_write_fails_marks_in_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_held_write_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unrepairable_journal_is_removed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
