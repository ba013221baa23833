/* Unit tests for history: the JSON line written, loading it back, skipping bad lines, the
 * default path and its private directories, and the filter words of /history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jelou/history.h"

/* The history must survive a crash right after a send: this definition takes the place of
 * libc's inside the test binary, so the test can see that history_append asks for it. */
static int fsync_calls;

int
fsync(int fd)
{
    fsync_calls++;
    return (int)syscall(SYS_fsync, fd);
}

struct fixture {
    char dir[64];
    char path[128];
};

static int
setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        return -1;
    strcpy(fx->dir, "/tmp/jelou-history-XXXXXX");
    if (mkdtemp(fx->dir) == NULL) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof fx->path, "%s/history.jsonl", fx->dir);
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

static char *
slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    static char data[4096];
    size_t n;
    assert_non_null(f);
    n = fread(data, 1, sizeof data - 1, f);
    data[n] = '\0';
    fclose(f);
    return data;
}

static void
spill(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const struct history_entry sample[] = {
    {.time_ms = 1776134278574LL, .room = "R1", .user = "U1", .id = "m-1", .type = MSG_TEXT,
     .preview = "Hola Ana", .url = NULL, .state = SEND_ACCEPTED, .attempts = 1,
     .http_status = 200, .error = NULL},
    {.time_ms = 1776134279000LL, .room = "R2", .user = "U2", .id = "m-2", .type = MSG_IMAGE,
     .preview = "[image] Así pagas", .url = "https://cdn.example.com/pay.png",
     .state = SEND_FAILED, .attempts = 3, .http_status = 500,
     .error = "HTTP 500: {\"error\":\"boom\"}"},
    {.time_ms = 1776134280000LL, .room = "R1", .user = "U1", .id = "m-3",
     .type = MSG_DOCUMENT, .preview = "[document] Guide.pdf",
     .url = "https://cdn.example.com/guide.pdf", .state = SEND_FAILED, .attempts = 3,
     .http_status = 0, .error = "Could not resolve host: chatbot.jelou.ai"},
};
#define NSAMPLE (sizeof sample / sizeof sample[0])

static void
assert_same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void
assert_same_entry(const struct history_entry *a, const struct history_entry *b)
{
    assert_true(a->time_ms == b->time_ms);
    assert_same_str(a->room, b->room);
    assert_same_str(a->user, b->user);
    assert_same_str(a->id, b->id);
    assert_int_equal(a->type, b->type);
    assert_same_str(a->preview, b->preview);
    assert_same_str(a->url, b->url);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->attempts, b->attempts);
    assert_int_equal(a->http_status, b->http_status);
    assert_same_str(a->error, b->error);
}

static void
test_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct history_entry *got = NULL;
    size_t n = 99, skipped = 99;
    char *cause = NULL;
    struct stat st;

    fsync_calls = 0;
    for (size_t i = 0; i < NSAMPLE; i++)
        assert_int_equal(history_append(fx->path, &sample[i], &cause), 0);
    assert_null(cause);
    assert_int_equal(fsync_calls, NSAMPLE);
    assert_int_equal(stat(fx->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    assert_int_equal(history_load(fx->path, &got, &n, &skipped, &cause), 0);
    assert_null(cause);
    assert_int_equal(n, NSAMPLE);
    assert_int_equal(skipped, 0);
    for (size_t i = 0; i < NSAMPLE; i++)
        assert_same_entry(&got[i], &sample[i]);
    history_free(got, n);
    history_free(NULL, 0);
}

static void
test_file_content(void **state)
{
    struct fixture *fx = *state;
    char *cause = NULL;

    assert_int_equal(history_append(fx->path, &sample[0], &cause), 0);
    assert_int_equal(history_append(fx->path, &sample[2], &cause), 0);
    assert_string_equal(slurp(fx->path),
                        "{\"time\":1776134278574,\"room\":\"R1\",\"user\":\"U1\",\"id\":\"m-1\","
                        "\"type\":\"text\",\"preview\":\"Hola Ana\",\"url\":null,"
                        "\"status\":\"accepted\",\"attempts\":1,\"http_status\":200,"
                        "\"error\":null}\n"
                        "{\"time\":1776134280000,\"room\":\"R1\",\"user\":\"U1\",\"id\":\"m-3\","
                        "\"type\":\"document\",\"preview\":\"[document] Guide.pdf\","
                        "\"url\":\"https://cdn.example.com/guide.pdf\",\"status\":\"failed\","
                        "\"attempts\":3,\"http_status\":null,"
                        "\"error\":\"Could not resolve host: chatbot.jelou.ai\"}\n");
}

static void
test_bad_lines_skipped(void **state)
{
    struct fixture *fx = *state;
    struct history_entry *got = NULL;
    size_t n = 0, skipped = 0;
    char *cause = NULL;

    spill(fx->path,
          "{\"time\":1,\"room\":\"R1\",\"id\":\"a\",\"status\":\"accepted\",\"type\":\"text\"}\n"
          "garbage that is not JSON\n"
          "\n"
          "{\"time\":2,\"room\":\"R1\",\"status\":\"accepted\"}\n"
          "{\"time\":3,\"id\":\"c\",\"status\":\"accepted\"}\n"
          "[\"an\",\"array\"]\n"
          "{\"time\":4,\"room\":\"R2\",\"id\":\"d\",\"status\":\"failed\",\"attempts\":2.5,"
          "\"http_status\":\"500\",\"extra\":{\"nested\":1}}\r\n"
          "{\"time\":5,\"room\":\"R2\",\"id\":\"e\",\"prev");
    assert_int_equal(history_load(fx->path, &got, &n, &skipped, &cause), 0);
    assert_null(cause);
    assert_int_equal(n, 2);
    assert_int_equal(skipped, 5);
    assert_string_equal(got[0].id, "a");
    assert_true(got[0].time_ms == 1);
    assert_int_equal(got[0].state, SEND_ACCEPTED);
    assert_int_equal(got[0].type, MSG_TEXT);
    assert_null(got[0].user);
    assert_null(got[0].preview);
    assert_string_equal(got[1].id, "d");
    assert_string_equal(got[1].room, "R2");
    assert_int_equal(got[1].state, SEND_FAILED);
    assert_int_equal(got[1].type, MSG_NONE);
    /* Values of the wrong kind are left at zero rather than guessed. */
    assert_int_equal(got[1].attempts, 0);
    assert_int_equal(got[1].http_status, 0);
    history_free(got, n);
}

static void
test_missing_and_unreadable(void **state)
{
    struct fixture *fx = *state;
    struct history_entry *got = (void *)1;
    size_t n = 7, skipped = 7;
    char *cause = NULL;
    char want[256];

    assert_int_equal(history_load(fx->path, &got, &n, &skipped, &cause), 0);
    assert_null(cause);
    assert_null(got);
    assert_int_equal(n, 0);
    assert_int_equal(skipped, 0);

    /* A directory opens but cannot be read as lines. */
    assert_int_equal(history_load(fx->dir, &got, &n, &skipped, &cause), -1);
    snprintf(want, sizeof want, "cannot read %s: Is a directory", fx->dir);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
    cause = NULL;

    char nowhere[160];
    snprintf(nowhere, sizeof nowhere, "%s/no/such/dir/history.jsonl", fx->dir);
    assert_int_equal(history_append(nowhere, &sample[0], &cause), -1);
    snprintf(want, sizeof want, "cannot write %s: No such file or directory", nowhere);
    assert_string_equal(cause, want);
    free(cause);
}

static void
assert_private_dir(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0700);
}

static void
test_default_path(void **state)
{
    struct fixture *fx = *state;
    char *saved_xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    char *saved_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char want[256], dir[256], home[160], xdg[160];
    char *cause = NULL, *path;
    mode_t old_umask = umask(022);

    snprintf(xdg, sizeof xdg, "%s/xdg/state", fx->dir);
    snprintf(home, sizeof home, "%s/home", fx->dir);
    assert_int_equal(mkdir(home, 0755), 0);

    setenv("XDG_STATE_HOME", xdg, 1);
    setenv("HOME", home, 1);
    path = history_default_path(&cause);
    assert_null(cause);
    snprintf(want, sizeof want, "%s/jelou-console/history.jsonl", xdg);
    assert_string_equal(path, want);
    free(path);
    snprintf(dir, sizeof dir, "%s/xdg", fx->dir);
    assert_private_dir(dir);
    assert_private_dir(xdg);
    snprintf(dir, sizeof dir, "%s/jelou-console", xdg);
    assert_private_dir(dir);
    /* A second call finds the directories there. */
    path = history_default_path(&cause);
    assert_string_equal(path, want);
    free(path);

    /* A relative XDG_STATE_HOME is invalid per the XDG spec: HOME is used. */
    setenv("XDG_STATE_HOME", "relative/state", 1);
    path = history_default_path(&cause);
    snprintf(want, sizeof want, "%s/.local/state/jelou-console/history.jsonl", home);
    assert_string_equal(path, want);
    free(path);

    unsetenv("XDG_STATE_HOME");
    setenv("HOME", home, 1);
    path = history_default_path(&cause);
    assert_null(cause);
    assert_string_equal(path, want);
    free(path);
    snprintf(dir, sizeof dir, "%s/.local", home);
    assert_private_dir(dir);
    snprintf(dir, sizeof dir, "%s/.local/state", home);
    assert_private_dir(dir);
    snprintf(dir, sizeof dir, "%s/.local/state/jelou-console", home);
    assert_private_dir(dir);
    /* HOME itself existed: its mode is not ours to change. */
    struct stat st;
    assert_int_equal(stat(home, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);

    /* The path names a file where a directory must go. */
    char file[200];
    snprintf(file, sizeof file, "%s/plain-file", fx->dir);
    spill(file, "x");
    setenv("XDG_STATE_HOME", file, 1);
    assert_null(history_default_path(&cause));
    snprintf(want, sizeof want, "cannot create %s/jelou-console: Not a directory", file);
    assert_string_equal(cause, want);
    free(cause);
    cause = NULL;

    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    assert_null(history_default_path(&cause));
    assert_string_equal(cause, "cannot place the history: neither XDG_STATE_HOME nor HOME "
                               "is an absolute path");
    free(cause);

    umask(old_umask);
    if (saved_xdg)
        setenv("XDG_STATE_HOME", saved_xdg, 1);
    if (saved_home)
        setenv("HOME", saved_home, 1);
    free(saved_xdg);
    free(saved_home);
}

static void
test_match(void **state)
{
    (void)state;
    const struct history_entry *text = &sample[0], *img = &sample[1], *doc = &sample[2];

    assert_int_equal(history_match(text, ""), 1);
    assert_int_equal(history_match(text, NULL), 1);
    assert_int_equal(history_match(text, "   "), 1);

    /* Plain words: case-insensitive substrings of preview, room, user and id. */
    assert_int_equal(history_match(text, "hola"), 1);
    assert_int_equal(history_match(text, "ANA"), 1);
    assert_int_equal(history_match(text, "r1"), 1);
    assert_int_equal(history_match(text, "u1"), 1);
    assert_int_equal(history_match(text, "M-1"), 1);
    assert_int_equal(history_match(text, "adios"), 0);
    assert_int_equal(history_match(img, "así"), 1);
    /* The URL and the error are not searched by plain words. */
    assert_int_equal(history_match(img, "cdn"), 0);
    assert_int_equal(history_match(img, "boom"), 0);

    assert_int_equal(history_match(text, "status:accepted"), 1);
    assert_int_equal(history_match(text, "status:failed"), 0);
    assert_int_equal(history_match(img, "status:failed"), 1);
    assert_int_equal(history_match(img, "status:accepted"), 0);
    assert_int_equal(history_match(img, "status:FAILED"), 1);

    assert_int_equal(history_match(text, "room:R1"), 1);
    assert_int_equal(history_match(text, "room:R"), 0);
    assert_int_equal(history_match(text, "room:r1"), 0);
    assert_int_equal(history_match(img, "room:R1"), 0);

    assert_int_equal(history_match(img, "type:image"), 1);
    assert_int_equal(history_match(text, "type:image"), 0);
    assert_int_equal(history_match(text, "type:text"), 1);
    assert_int_equal(history_match(doc, "type:document"), 1);
    assert_int_equal(history_match(doc, "type:doc"), 0);

    /* Every word must match. */
    assert_int_equal(history_match(doc, "room:R1 status:failed guide"), 1);
    assert_int_equal(history_match(doc, "room:R1  status:failed   nothing"), 0);
    assert_int_equal(history_match(text, "room:R1 status:failed"), 0);
    assert_int_equal(history_match(img, "type:image status:failed R2 u2"), 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_lines_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_and_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
        cmocka_unit_test(test_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
