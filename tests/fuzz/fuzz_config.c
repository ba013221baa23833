/* libFuzzer target: the INI config file reader behind settings_load (libinih + on_key). */
#include <unistd.h>

#include "fuzz.h"
#include "jelou/settings.h"
#include "jelou/url.h"

extern char **environ;

static char dir[4096];
static char path[4096];
static int fd = -1;

static void
cleanup(void)
{
    if (fd >= 0)
        close(fd);
    if (path[0] != '\0')
        unlink(path);
    if (dir[0] != '\0')
        rmdir(dir);
}

/* Unsets every JELOU_* variable, so that only the file decides. */
static void
clear_jelou_env(void)
{
    for (;;) {
        char **e = environ;
        while (*e != NULL && strncmp(*e, "JELOU_", 6) != 0)
            e++;
        if (*e == NULL)
            return;
        const char *eq = strchr(*e, '=');
        size_t n = eq != NULL ? (size_t)(eq - *e) : strlen(*e);
        char name[256];
        if (n >= sizeof name)
            abort();
        memcpy(name, *e, n);
        name[n] = '\0';
        if (unsetenv(name) != 0)
            abort();
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    if (snprintf(dir, sizeof dir, "%s/jelou-fuzz-config.XXXXXX", tmp) >= (int)sizeof dir ||
        mkdtemp(dir) == NULL) {
        perror("fuzz_config: mkdtemp");
        abort();
    }
    snprintf(path, sizeof path, "%s/config.XXXXXX", dir);
    fd = mkstemp(path);   /* 0600 */
    if (fd < 0) {
        perror("fuzz_config: mkstemp");
        abort();
    }
    atexit(cleanup);
    /* "~/x" and the default config path must point into the private directory. */
    if (setenv("HOME", dir, 1) != 0 || setenv("XDG_CONFIG_HOME", dir, 1) != 0)
        abort();
    clear_jelou_env();
    return 0;
}

static void
write_input(const uint8_t *data, size_t size)
{
    size_t off = 0;

    if (ftruncate(fd, 0) != 0)
        abort();
    while (off < size) {
        ssize_t n = pwrite(fd, data + off, size - off, (off_t)off);
        if (n <= 0)
            abort();
        off += (size_t)n;
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct settings_flags flags = {.config = path};
    struct settings s;
    char *cause = NULL;

    write_input(data, size);
    if (settings_load(&s, &flags, &cause) == 0) {
        FUZZ_CHECK(cause == NULL);
        FUZZ_CHECK(s.config_path != NULL && strcmp(s.config_path, path) == 0);
        /* Whatever the file said, what comes out obeys the rules. */
        FUZZ_CHECK(s.endpoint != NULL && url_check_endpoint(s.endpoint, NULL) == 0);
        FUZZ_CHECK(s.attempts >= 1 && s.attempts <= 10);
        FUZZ_CHECK(s.timeout_ms >= 1000 && s.timeout_ms <= 600000);
        FUZZ_CHECK(s.connect_timeout_ms >= 1000 && s.connect_timeout_ms <= 600000);
        FUZZ_CHECK(s.project == NULL || s.project[0] != '\0');
        FUZZ_CHECK(s.bot == NULL || s.bot[0] != '\0');
        FUZZ_CHECK(s.secret == NULL && !s.secret_from_env);
    } else {
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
    }
    settings_clear(&s);
    return 0;
}
