/* Unit tests for settings: precedence, the config file, numbers, endpoint rule, the secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/rest.h"
#include "jelou/settings.h"
#include "jelou/xalloc.h"

#define SECRET "s3cr3t-4b9f0c2d"
#define LOOPBACK_REFUSAL "http:// endpoints are only allowed on loopback " \
    "(127.0.0.1, ::1, localhost); use https://"

/* One temporary directory per test: XDG_CONFIG_HOME and HOME point at it, so the user's
 * real configuration can never leak into a result. */
struct fixture {
    char dir[64];
    char *config;       /* $XDG_CONFIG_HOME/jelou-console/config */
};

static const char *const env_names[] = {
    "JELOU_ENDPOINT", "JELOU_PROJECT_ID", "JELOU_BOT_ID", "JELOU_SIGNING_SECRET",
    "JELOU_SIGNING_SECRET_FILE", "JELOU_API_KEY", "JELOU_REST_BASE", "JELOU_SERVER",
    "JELOU_TOKEN_FILE",
};

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int
setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof *fx);
    strcpy(fx->dir, "/tmp/jelou-settings-XXXXXX");
    if (mkdtemp(fx->dir) == NULL)
        return -1;
    char *sub = xasprintf("%s/jelou-console", fx->dir);
    mkdir(sub, 0700);
    free(sub);
    fx->config = xasprintf("%s/jelou-console/config", fx->dir);
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
        unsetenv(env_names[i]);
    setenv("XDG_CONFIG_HOME", fx->dir, 1);
    setenv("HOME", fx->dir, 1);
    *state = fx;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fx = *state;
    nftw(fx->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(fx->config);
    free(fx);
    return 0;
}

/* Writes exactly content with exactly mode (umask would otherwise decide). */
static void
write_file(const char *path, const char *content, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

static void
write_config(struct fixture *fx, const char *content)
{
    write_file(fx->config, content, strlen(content), 0600);
}

static char *
write_secret(struct fixture *fx, const char *name, const char *content, mode_t mode)
{
    char *path = xasprintf("%s/%s", fx->dir, name);
    write_file(path, content, strlen(content), mode);
    return path;
}

static void
load_ok(struct settings *s, const struct settings_flags *f)
{
    char *cause = NULL;
    int rc = settings_load(s, f, &cause);
    if (rc != 0)
        print_error("unexpected cause: %s\n", cause);
    assert_int_equal(rc, 0);
    assert_null(cause);
}

/* settings_load fails with exactly want as the cause. */
static void
load_fails(const struct settings_flags *f, const char *want)
{
    struct settings s = {0};
    char *cause = NULL;
    assert_int_equal(settings_load(&s, f, &cause), -1);
    assert_non_null(cause);
    assert_string_equal(cause, want);
    free(cause);
    settings_clear(&s);
}

static void
test_defaults(void **state)
{
    struct settings_flags f = {0};
    struct settings s;
    (void)state;

    load_ok(&s, &f);
    assert_string_equal(s.endpoint, SETTINGS_DEFAULT_ENDPOINT);
    assert_null(s.project);
    assert_null(s.bot);
    assert_null(s.cacert);
    assert_null(s.config_path);
    assert_null(s.secret_file);
    assert_int_equal(s.secret_from_env, 0);
    assert_int_equal(s.attempts, 3);
    assert_int_equal(s.timeout_ms, 30000);
    assert_int_equal(s.connect_timeout_ms, 10000);
    settings_clear(&s);
}

static void
test_precedence(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;

    write_config(fx, "; comment\n"
                     "endpoint = https://config.example/hook\n"
                     "project = config-project\n"
                     "bot = config-bot\n"
                     "attempts = 5\n"
                     "timeout = 20\n"
                     "connect_timeout = 4\n");

    /* config over defaults */
    load_ok(&s, &f);
    assert_string_equal(s.config_path, fx->config);
    assert_string_equal(s.endpoint, "https://config.example/hook");
    assert_string_equal(s.project, "config-project");
    assert_string_equal(s.bot, "config-bot");
    assert_int_equal(s.attempts, 5);
    assert_int_equal(s.timeout_ms, 20000);
    assert_int_equal(s.connect_timeout_ms, 4000);
    settings_clear(&s);

    /* environment over config */
    setenv("JELOU_ENDPOINT", "https://env.example/hook", 1);
    setenv("JELOU_PROJECT_ID", "env-project", 1);
    setenv("JELOU_BOT_ID", "env-bot", 1);
    load_ok(&s, &f);
    assert_string_equal(s.endpoint, "https://env.example/hook");
    assert_string_equal(s.project, "env-project");
    assert_string_equal(s.bot, "env-bot");
    assert_int_equal(s.attempts, 5);
    settings_clear(&s);

    /* flags over environment */
    f.endpoint = "https://flag.example/hook";
    f.project = "flag-project";
    f.bot = "flag-bot";
    f.attempts = "7";
    f.timeout = "600";
    f.connect_timeout = "1";
    load_ok(&s, &f);
    assert_string_equal(s.endpoint, "https://flag.example/hook");
    assert_string_equal(s.project, "flag-project");
    assert_string_equal(s.bot, "flag-bot");
    assert_int_equal(s.attempts, 7);
    assert_int_equal(s.timeout_ms, 600000);
    assert_int_equal(s.connect_timeout_ms, 1000);
    settings_clear(&s);
    assert_null(s.endpoint);
    assert_null(s.project);
}

static void
test_config_section_and_explicit_path(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;

    char *other = xasprintf("%s/other.ini", fx->dir);
    write_file(other, "[jelou]\nproject = from-other\n", 29, 0644);
    write_config(fx, "project = from-default\n");

    /* --config replaces the default file, it is not merged with it */
    f.config = other;
    load_ok(&s, &f);
    assert_string_equal(s.config_path, other);
    assert_string_equal(s.project, "from-other");
    settings_clear(&s);

    f.config = NULL;
    load_ok(&s, &f);
    assert_string_equal(s.project, "from-default");
    settings_clear(&s);
    free(other);
}

static void
test_home_config_when_no_xdg(void **state)
{
    struct fixture *fx = *state;
    struct settings s;

    /* The fixture's config lives where $HOME/.config would be only if XDG is unset. */
    char *dotconfig = xasprintf("%s/.config", fx->dir);
    char *sub = xasprintf("%s/jelou-console", dotconfig);
    char *path = xasprintf("%s/config", sub);
    mkdir(dotconfig, 0700);
    mkdir(sub, 0700);
    write_file(path, "bot = home-bot\n", 15, 0600);
    unsetenv("XDG_CONFIG_HOME");
    load_ok(&s, NULL);
    assert_string_equal(s.bot, "home-bot");
    assert_string_equal(s.config_path, path);
    settings_clear(&s);
    free(path);
    free(sub);
    free(dotconfig);
}

static void
test_config_errors(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    char *want;

    write_config(fx, "endpoint = https://config.example/hook\n\nfoo = 1\n");
    want = xasprintf("%s:3: unknown key 'foo'", fx->config);
    load_fails(&f, want);
    free(want);

    write_config(fx, "[jelou]\nbot = b\n[other]\nproject = p\n");
    want = xasprintf("%s:4: unknown section 'other'", fx->config);
    load_fails(&f, want);
    free(want);

    write_config(fx, "bot = b\nbot = c\n");
    want = xasprintf("%s:2: bot is given twice (first on line 1)", fx->config);
    load_fails(&f, want);
    free(want);

    write_config(fx, "bot = b\nthis is not ini\n");
    want = xasprintf("%s:2: cannot parse this line (expected key = value or [jelou])",
                     fx->config);
    load_fails(&f, want);
    free(want);

    /* the first problem in the file is the one reported */
    write_config(fx, "garbage\nfoo = 1\n");
    want = xasprintf("%s:1: cannot parse this line (expected key = value or [jelou])",
                     fx->config);
    load_fails(&f, want);
    free(want);

    write_config(fx, "project =\n");
    want = xasprintf("%s:1: project is empty", fx->config);
    load_fails(&f, want);
    free(want);
}

static void
test_config_secret_refused(void **state)
{
    struct fixture *fx = *state;
    struct settings s = {0};
    char *cause = NULL;

    write_config(fx, "bot = b\n[jelou]\nsecret = " SECRET "\n");
    assert_int_equal(settings_load(&s, NULL, &cause), -1);
    char *want = xasprintf("%s:3: secrets are not read from the config file; use secret_file",
                           fx->config);
    assert_string_equal(cause, want);
    assert_null(strstr(cause, SECRET));
    free(want);
    free(cause);
    settings_clear(&s);
}

static void
test_missing_config(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};

    char *path = xasprintf("%s/nope.ini", fx->dir);
    char *want = xasprintf("cannot read config %s: No such file or directory", path);
    f.config = path;
    load_fails(&f, want);
    free(want);

    f.config = fx->dir;
    want = xasprintf("cannot read config %s: Is a directory", fx->dir);
    load_fails(&f, want);
    free(want);
    free(path);
}

static void
test_bad_numbers(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    static const char *const bad_attempts[] = {"0", "11", "abc", "", "3x", "-1", " 3",
                                               "99999999999999999999999"};
    static const char *const bad_seconds[] = {"0", "601", "1.5", "", "-1", "30s", "+5"};

    for (size_t i = 0; i < sizeof bad_attempts / sizeof bad_attempts[0]; i++) {
        f.attempts = bad_attempts[i];
        load_fails(&f, "--attempts must be a whole number from 1 to 10");
    }
    f.attempts = "10";
    for (size_t i = 0; i < sizeof bad_seconds / sizeof bad_seconds[0]; i++) {
        f.timeout = bad_seconds[i];
        load_fails(&f, "--timeout must be a whole number of seconds from 1 to 600");
    }
    f.timeout = NULL;
    for (size_t i = 0; i < sizeof bad_seconds / sizeof bad_seconds[0]; i++) {
        f.connect_timeout = bad_seconds[i];
        load_fails(&f, "--connect-timeout must be a whole number of seconds from 1 to 600");
    }
    f.connect_timeout = NULL;

    write_config(fx, "attempts = 3\ntimeout = 700\n");
    char *want = xasprintf("%s:2: timeout must be a whole number of seconds from 1 to 600",
                           fx->config);
    f.attempts = NULL;
    load_fails(&f, want);
    free(want);

    write_config(fx, "attempts = 0\n");
    want = xasprintf("%s:1: attempts must be a whole number from 1 to 10", fx->config);
    load_fails(&f, want);
    free(want);

    /* a valid flag hides a bad config value: the config is never consulted for it */
    f.attempts = "2";
    struct settings s;
    load_ok(&s, &f);
    assert_int_equal(s.attempts, 2);
    settings_clear(&s);
}

static void
test_endpoint_rule(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;

    f.endpoint = "http://example.com/hook";
    load_fails(&f, "--endpoint: " LOOPBACK_REFUSAL);

    f.endpoint = NULL;
    setenv("JELOU_ENDPOINT", "http://10.0.0.1:8080/hook", 1);
    load_fails(&f, "JELOU_ENDPOINT: " LOOPBACK_REFUSAL);
    unsetenv("JELOU_ENDPOINT");

    write_config(fx, "\nendpoint = http://example.com/hook\n");
    char *want = xasprintf("%s:2: endpoint: " LOOPBACK_REFUSAL, fx->config);
    load_fails(&f, want);
    free(want);

    f.endpoint = "http://127.0.0.1:8080/hook";
    load_ok(&s, &f);
    assert_string_equal(s.endpoint, "http://127.0.0.1:8080/hook");
    settings_clear(&s);

    f.endpoint = "";
    load_fails(&f, "--endpoint is empty");
}

static void
test_cacert(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;

    char *missing = xasprintf("%s/nope.pem", fx->dir);
    char *want = xasprintf("--cacert: cannot read %s: No such file or directory", missing);
    f.cacert = missing;
    load_fails(&f, want);
    free(want);
    free(missing);

    /* relative to the config file, not to the working directory */
    char *pem = xasprintf("%s/jelou-console/ca.pem", fx->dir);
    write_file(pem, "x", 1, 0644);
    write_config(fx, "cacert = ca.pem\n");
    f.cacert = NULL;
    load_ok(&s, &f);
    assert_string_equal(s.cacert, pem);
    settings_clear(&s);
    free(pem);
}

/* settings_load then settings_load_secret; returns the secret's copy or NULL. */
static char *
load_secret(const struct settings_flags *f, char **cause)
{
    struct settings s;
    char *secret = NULL;
    load_ok(&s, f);
    if (settings_load_secret(&s, cause) == 0)
        secret = xstrdup(s.secret);
    settings_clear(&s);
    assert_null(s.secret);
    return secret;
}

static void
test_secret_from_env(void **state)
{
    struct settings s;
    char *cause = NULL;
    (void)state;

    setenv("JELOU_SIGNING_SECRET", " " SECRET "\n", 1);
    load_ok(&s, NULL);
    assert_int_equal(s.secret_from_env, 1);
    assert_null(s.secret_file);
    assert_int_equal(settings_load_secret(&s, &cause), 0);
    /* trimmed like a secret file: `export X=$(cat file)` and the file itself agree */
    assert_string_equal(s.secret, SECRET);
    settings_clear(&s);

    setenv("JELOU_SIGNING_SECRET", SECRET "\nmore", 1);
    load_ok(&s, NULL);
    assert_int_equal(settings_load_secret(&s, &cause), -1);
    assert_string_equal(cause, "secret in JELOU_SIGNING_SECRET holds more than one line: it "
                               "must hold the secret alone");
    free(cause);
    settings_clear(&s);

    setenv("JELOU_SIGNING_SECRET", "", 1);
    load_ok(&s, NULL);
    assert_int_equal(settings_load_secret(&s, &cause), -1);
    assert_string_equal(cause, "secret in JELOU_SIGNING_SECRET is empty");
    free(cause);
    settings_clear(&s);
}

static void
test_secret_precedence(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    char *cause = NULL, *secret;

    char *flag_file = write_secret(fx, "flag.secret", "from-flag\n", 0600);
    char *env_file = write_secret(fx, "env.secret", "from-env-file\n", 0600);
    free(write_secret(fx, "jelou-console/cfg.secret", "from-config\n", 0600));
    write_config(fx, "secret_file = cfg.secret\n");

    secret = load_secret(&f, &cause);
    assert_string_equal(secret, "from-config");
    free(secret);

    setenv("JELOU_SIGNING_SECRET_FILE", env_file, 1);
    secret = load_secret(&f, &cause);
    assert_string_equal(secret, "from-env-file");
    free(secret);

    setenv("JELOU_SIGNING_SECRET", "from-env", 1);
    secret = load_secret(&f, &cause);
    assert_string_equal(secret, "from-env");
    free(secret);

    f.secret_file = flag_file;
    secret = load_secret(&f, &cause);
    assert_string_equal(secret, "from-flag");
    free(secret);

    free(flag_file);
    free(env_file);
}

static void
test_no_secret(void **state)
{
    char *cause = NULL;
    (void)state;

    assert_null(load_secret(NULL, &cause));
    assert_string_equal(cause, "no signing secret: set JELOU_SIGNING_SECRET, "
                               "JELOU_SIGNING_SECRET_FILE or --secret-file");
    free(cause);
}

static void
test_secret_file_trimmed(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    char *cause = NULL;

    f.secret_file = write_secret(fx, "ok.secret", SECRET " \t\r\n\n", 0600);
    char *secret = load_secret(&f, &cause);
    assert_null(cause);
    assert_string_equal(secret, SECRET);
    free(secret);
    free((char *)f.secret_file);

    /* 0400 is as private as 0600 */
    f.secret_file = write_secret(fx, "ro.secret", SECRET, 0400);
    secret = load_secret(&f, &cause);
    assert_string_equal(secret, SECRET);
    free(secret);
    free((char *)f.secret_file);
}

static void
refused_mode(struct fixture *fx, mode_t mode)
{
    struct settings_flags f = {0};
    char *cause = NULL;

    char *path = write_secret(fx, "open.secret", SECRET "\n", mode);
    f.secret_file = path;
    assert_null(load_secret(&f, &cause));
    char *want = xasprintf("secret file %s is readable by group or others: run chmod 600 %s",
                           path, path);
    assert_string_equal(cause, want);
    assert_non_null(strstr(cause, "chmod 600"));
    assert_null(strstr(cause, SECRET));
    free(want);
    free(cause);
    free(path);
}

static void
test_secret_file_open_modes_refused(void **state)
{
    refused_mode(*state, 0640);
    refused_mode(*state, 0604);
    refused_mode(*state, 0620);
}

static void
test_secret_file_content_refused(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    char *cause = NULL, *want;

    f.secret_file = write_secret(fx, "empty.secret", " \r\n\n", 0600);
    assert_null(load_secret(&f, &cause));
    want = xasprintf("secret file %s is empty", f.secret_file);
    assert_string_equal(cause, want);
    free(want);
    free(cause);
    free((char *)f.secret_file);

    char *path = xasprintf("%s/nul.secret", fx->dir);
    write_file(path, SECRET "\0tail", sizeof SECRET + 4, 0600);
    f.secret_file = path;
    assert_null(load_secret(&f, &cause));
    want = xasprintf("secret file %s contains a NUL byte", path);
    assert_string_equal(cause, want);
    assert_null(strstr(cause, SECRET));
    free(want);
    free(cause);

    char big[4098];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    write_file(path, big, 4097, 0600);
    assert_null(load_secret(&f, &cause));
    want = xasprintf("secret file %s is larger than 4096 bytes", path);
    assert_string_equal(cause, want);
    free(want);
    free(cause);

    /* exactly the limit is fine */
    write_file(path, big, 4096, 0600);
    char *secret = load_secret(&f, &cause);
    assert_non_null(secret);
    assert_int_equal(strlen(secret), 4096);
    free(secret);
    free(path);

    f.secret_file = fx->dir;
    assert_null(load_secret(&f, &cause));
    want = xasprintf("secret file %s is not a regular file", fx->dir);
    assert_string_equal(cause, want);
    free(want);
    free(cause);

    path = xasprintf("%s/missing.secret", fx->dir);
    f.secret_file = path;
    assert_null(load_secret(&f, &cause));
    want = xasprintf("cannot open secret file %s: No such file or directory", path);
    assert_string_equal(cause, want);
    free(want);
    free(cause);
    free(path);
}

static void
test_secret_file_other_owner(void **state)
{
    struct fixture *fx = *state;
    char *cause = NULL;

    if (geteuid() != 0)
        skip(); /* only root can give a file away */
    char *path = write_secret(fx, "theirs.secret", SECRET, 0600);
    assert_int_equal(chown(path, 1, 1), 0);
    char *got = settings_read_private_file(path, "secret", &cause);
    assert_null(got);
    char *want = xasprintf("secret file %s is owned by another user", path);
    assert_string_equal(cause, want);
    free(want);
    free(cause);
    free(path);
}

/* The API key the settings lead to, or NULL with *cause. */
static char *
load_api_key(const struct settings_flags *f, char **cause)
{
    struct settings s;
    char *key = NULL;
    load_ok(&s, f);
    if (settings_load_api_key(&s, cause) == 0)
        key = xstrdup(s.api_key);
    settings_clear(&s);
    assert_null(s.api_key);
    return key;
}

static void
test_api_key_precedence(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    char *cause = NULL;

    assert_null(load_api_key(&f, &cause));
    assert_string_equal(cause, "no API key: set JELOU_API_KEY, or api_key_file in the "
                               "config, or --api-key-file");
    free(cause);
    cause = NULL;

    /* config, relative to the config file */
    char *cfg_key = write_secret(fx, "jelou-console/cfg.key", "key-from-config\n", 0600);
    write_config(fx, "api_key_file = cfg.key\n");
    char *key = load_api_key(&f, &cause);
    assert_string_equal(key, "key-from-config");
    free(key);

    /* environment over config */
    setenv("JELOU_API_KEY", "key-from-env", 1);
    key = load_api_key(&f, &cause);
    assert_string_equal(key, "key-from-env");
    free(key);

    /* flag over environment */
    f.api_key_file = write_secret(fx, "flag.key", "key-from-flag \n", 0600);
    key = load_api_key(&f, &cause);
    assert_null(cause);
    assert_string_equal(key, "key-from-flag");
    free(key);
    free((char *)f.api_key_file);
    f.api_key_file = NULL;

    setenv("JELOU_API_KEY", "", 1);
    assert_null(load_api_key(&f, &cause));
    assert_string_equal(cause, "API key in JELOU_API_KEY is empty");
    free(cause);
    free(cfg_key);

    /* the key itself is never read from the config file */
    unsetenv("JELOU_API_KEY");
    write_config(fx, "api_key = k-123\n");
    char *want = xasprintf("%s:1: api_key is not read from the config file; use api_key_file",
                           fx->config);
    load_fails(&f, want);
    free(want);
}

static void
test_api_key_file_open_mode_refused(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    char *cause = NULL;

    f.api_key_file = write_secret(fx, "open.key", "key-0644\n", 0644);
    assert_null(load_api_key(&f, &cause));
    char *want = xasprintf("API key file %s is readable by group or others: run chmod 600 %s",
                           f.api_key_file, f.api_key_file);
    assert_string_equal(cause, want);
    assert_null(strstr(cause, "key-0644"));
    free(want);
    free(cause);
    free((char *)f.api_key_file);
}

static void
test_rest_base(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;

    load_ok(&s, &f);
    assert_string_equal(s.rest_base, SETTINGS_DEFAULT_REST_BASE);
    assert_string_equal(s.rest_base,
                        "https://gateway.jelou.ai/jelouapi/v1/external-support/{projectId}");
    settings_clear(&s);

    write_config(fx, "rest_base = https://config.example/platform/v1/external-support/"
                     "{projectId}\n");
    load_ok(&s, &f);
    assert_string_equal(s.rest_base,
                        "https://config.example/platform/v1/external-support/{projectId}");
    settings_clear(&s);

    setenv("JELOU_REST_BASE", "https://env.example/{projectId}", 1);
    load_ok(&s, &f);
    assert_string_equal(s.rest_base, "https://env.example/{projectId}");
    settings_clear(&s);

    f.rest_base = "http://127.0.0.1:8080/jelouapi/v1/external-support/{projectId}";
    load_ok(&s, &f);
    assert_string_equal(s.rest_base, f.rest_base);
    settings_clear(&s);

    f.rest_base = "http://gateway.example/{projectId}";
    load_fails(&f, "--rest-base: " LOOPBACK_REFUSAL);
    f.rest_base = NULL;
    setenv("JELOU_REST_BASE", "ftp://x/{projectId}", 1);
    load_fails(&f, "JELOU_REST_BASE: endpoint URL scheme 'ftp' is not supported "
                   "(expected http or https)");
}

static void
test_listener_settings(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;
    char *cause = NULL;

    load_ok(&s, &f);
    assert_string_equal(s.listen, "127.0.0.1:8787");
    assert_string_equal(s.webhook_path, "/jelou/webhook");
    assert_null(s.inbound_token_file);
    assert_int_equal(settings_load_inbound_token(&s, &cause), 0);
    assert_null(s.inbound_token);
    settings_clear(&s);

    char *tok = write_secret(fx, "jelou-console/inbound.token", "tok-42\n", 0600);
    write_config(fx, "listen = 127.0.0.1:9000\n"
                     "webhook_path = /hooks/jelou\n"
                     "inbound_token_file = inbound.token\n");
    load_ok(&s, &f);
    assert_string_equal(s.listen, "127.0.0.1:9000");
    assert_string_equal(s.webhook_path, "/hooks/jelou");
    assert_string_equal(s.inbound_token_file, tok);
    /* lazily: nothing is read until asked */
    assert_null(s.inbound_token);
    assert_int_equal(settings_load_inbound_token(&s, &cause), 0);
    assert_string_equal(s.inbound_token, "tok-42");
    settings_clear(&s);

    chmod(tok, 0640);
    load_ok(&s, &f);
    assert_int_equal(settings_load_inbound_token(&s, &cause), -1);
    char *want = xasprintf("inbound token file %s is readable by group or others: run "
                           "chmod 600 %s", tok, tok);
    assert_string_equal(cause, want);
    free(want);
    free(cause);
    settings_clear(&s);
    free(tok);

    write_config(fx, "webhook_path = jelou\n");
    want = xasprintf("%s:1: webhook_path must start with '/'", fx->config);
    load_fails(&f, want);
    free(want);
}

/* Team mode: --server > JELOU_SERVER > config server, several URLs, each by the endpoint
 * rule; the token file by the secret file rules; where a signing secret would come from. */
static void
test_team_settings(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s;
    char *cause = NULL;

    load_ok(&s, &f);
    assert_null(s.server);
    assert_null(s.secret_origin);
    assert_int_equal(settings_load_token(&s, &cause), -1);
    assert_string_equal(cause, "team mode needs the agent's token: give --token-file, set "
                               "JELOU_TOKEN_FILE or put token_file= in the config file");
    free(cause);
    settings_clear(&s);

    char *tok = write_secret(fx, "jelou-console/agent.token", "tok-7\n", 0600);
    write_config(fx, "server = https://a.example:8443/, https://b.example:8443\n"
                     "token_file = agent.token\n"
                     "secret_file = nope\n");
    load_ok(&s, &f);
    assert_string_equal(s.server, "https://a.example:8443/, https://b.example:8443");
    char **v = NULL;
    assert_int_equal(settings_split_servers(s.server, &v), 2);
    assert_string_equal(v[0], "https://a.example:8443");
    assert_string_equal(v[1], "https://b.example:8443");
    free(v[0]);
    free(v[1]);
    free(v);
    char *origin = xasprintf("%s:3: secret_file", fx->config);
    assert_string_equal(s.secret_origin, origin);
    free(origin);
    assert_int_equal(settings_load_token(&s, &cause), 0);
    assert_string_equal(s.token, "tok-7");
    settings_clear(&s);

    f.server = "http://127.0.0.1:8788";
    setenv("JELOU_SERVER", "https://env.example", 1);
    load_ok(&s, &f);
    assert_string_equal(s.server, "http://127.0.0.1:8788");
    settings_clear(&s);
    f.server = NULL;
    load_ok(&s, &f);
    assert_string_equal(s.server, "https://env.example");
    settings_clear(&s);
    unsetenv("JELOU_SERVER");

    f.server = "https://ok.example, http://team.example:8788";
    load_fails(&f, "--server: " LOOPBACK_REFUSAL);
    f.server = " , ";
    load_fails(&f, "--server names no server URL");
    f.server = NULL;
    setenv("JELOU_SIGNING_SECRET", "s", 1);
    write_config(fx, "server = https://a.example\n");
    load_ok(&s, &f);
    assert_string_equal(s.secret_origin, "JELOU_SIGNING_SECRET");
    settings_clear(&s);
    unsetenv("JELOU_SIGNING_SECRET");
    free(tok);
}

/* whatsapp_window: on by default, "off" for other channels, anything else names the line. */
static void
test_whatsapp_window(void **state)
{
    struct fixture *fx = *state;
    struct settings_flags f = {0};
    struct settings s = {0};

    load_ok(&s, &f);
    assert_int_equal(s.whatsapp_window, 1);
    settings_clear(&s);

    write_config(fx, "whatsapp_window = off\n");
    memset(&s, 0, sizeof s);
    load_ok(&s, &f);
    assert_int_equal(s.whatsapp_window, 0);
    settings_clear(&s);

    write_config(fx, "[jelou]\nwhatsapp_window = on\n");
    memset(&s, 0, sizeof s);
    load_ok(&s, &f);
    assert_int_equal(s.whatsapp_window, 1);
    settings_clear(&s);

    write_config(fx, "bot = b\nwhatsapp_window = no\n");
    char *want = xasprintf("%s:2: whatsapp_window must be on or off, not 'no'", fx->config);
    load_fails(&f, want);
    free(want);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_defaults),
        T(test_precedence),
        T(test_team_settings),
        T(test_config_section_and_explicit_path),
        T(test_home_config_when_no_xdg),
        T(test_config_errors),
        T(test_config_secret_refused),
        T(test_missing_config),
        T(test_bad_numbers),
        T(test_endpoint_rule),
        T(test_cacert),
        T(test_secret_from_env),
        T(test_secret_precedence),
        T(test_no_secret),
        T(test_secret_file_trimmed),
        T(test_secret_file_open_modes_refused),
        T(test_secret_file_content_refused),
        T(test_secret_file_other_owner),
        T(test_api_key_precedence),
        T(test_api_key_file_open_mode_refused),
        T(test_rest_base),
        T(test_listener_settings),
        T(test_whatsapp_window),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
