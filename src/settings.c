/* Settings from flags, environment, the INI config file (libinih) and defaults; the secret. */
#include "jelou/settings.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jelou/url.h"
#include "jelou/cause.h"
#include "jelou/paths.h"
#include "jelou/xalloc.h"
#include "jelou/i18n.h"

#define PRIVATE_FILE_MAX 4096
/* A config file is a few dozen lines; anything near this is not one (or is /dev/zero). */
#define CONFIG_FILE_MAX (64 * 1024)

enum cfg_key {
    K_ENDPOINT,
    K_PROJECT,
    K_BOT,
    K_SECRET_FILE,
    K_CACERT,
    K_ATTEMPTS,
    K_TIMEOUT,
    K_CONNECT_TIMEOUT,
    K_API_KEY_FILE,
    K_REST_BASE,
    K_LISTEN,
    K_WEBHOOK_PATH,
    K_INBOUND_TOKEN_FILE,
    K_WHATSAPP_WINDOW,
    K_SERVER,
    K_TOKEN_FILE,
    K_SERVE_REDIS,          /* [serve] redis */
    K_SERVE_LISTEN,         /* [serve] listen */
    K_COUNT
};

static const char *const key_names[K_COUNT] = {
    "endpoint", "project", "bot", "secret_file", "cacert", "attempts", "timeout",
    "connect_timeout", "api_key_file", "rest_base", "listen", "webhook_path",
    "inbound_token_file", "whatsapp_window", "server", "token_file", "[serve] redis",
    "[serve] listen",
};

struct config {
    char *path;             /* NULL when no file was read */
    char *values[K_COUNT];
    int lines[K_COUNT];     /* 0: not in the file */
};

struct parse_ctx {
    struct config *cfg;
    FILE *fp;
    char *line;
    size_t cap;
    int lineno;
    size_t total;           /* bytes read so far: the file may grow after fstat */
    int read_errno;
    int error_line;
    char *error;
};

/* Where a value came from, so that a cause can point at the flag, variable or line. */
struct choice {
    const char *value;
    char *name;
};

static void
config_clear(struct config *cfg)
{
    free(cfg->path);
    for (int k = 0; k < K_COUNT; k++)
        free(cfg->values[k]);
    memset(cfg, 0, sizeof *cfg);
}

static void parse_error(struct parse_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Keeps the first error only: it is the one the user should fix first. */
static void
parse_error(struct parse_ctx *c, const char *fmt, ...)
{
    if (c->error != NULL)
        return;
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->error = xasprintf("%s:%d: %s", c->cfg->path, c->lineno, msg);
    c->error_line = c->lineno;
}

/* fgets-like reader for ini_parse_stream. Debian's libinih is built without
 * INI_HANDLER_LINENO, so counting lines here is how the handler learns its line number;
 * inih counts one line per reader call too, so both agree. */
static char *
read_line(char *str, int num, void *stream)
{
    struct parse_ctx *c = stream;

    errno = 0;
    ssize_t n = getline(&c->line, &c->cap, c->fp);
    if (n < 0) {
        if (ferror(c->fp))
            c->read_errno = errno ? errno : EIO;
        return NULL;
    }
    c->lineno++;
    c->total += (size_t)n;
    if (c->total > CONFIG_FILE_MAX) {
        parse_error(c, _("the file is larger than %d KiB: not a config file"),
                    CONFIG_FILE_MAX / 1024);
        return NULL;
    }
    /* inih reads a line as a C string: a NUL would silently cut the value short. */
    if (memchr(c->line, '\0', (size_t)n) != NULL) {
        parse_error(c, _("the line contains a NUL byte"));
        return NULL;
    }
    /* inih would silently cut a long line in two and read the tail as another line. */
    if (num < 2 || n > num - 1) {
        parse_error(c, _("line is longer than %d characters"), num - 2);
        return NULL;
    }
    memcpy(str, c->line, (size_t)n + 1);
    return str;
}

/* Relative paths in a config file are relative to the file, not to wherever the console
 * happens to be started; "~/" is the user's home. */
char *
settings_resolve_path(const char *config_path, const char *value)
{
    const char *home = paths_home();
    if (value[0] == '~' && value[1] == '/' && home != NULL)
        return xasprintf("%s%s", home, value + 1);
    const char *slash = strrchr(config_path, '/');
    if (value[0] == '/' || slash == NULL)
        return xstrdup(value);
    return xasprintf("%.*s/%s", (int)(slash - config_path), config_path, value);
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
    struct parse_ctx *c = user;
    struct config *cfg = c->cfg;
    int k;

    /* Checked before the section: a secret is refused wherever it was written. */
    if (strcasecmp(name, "secret") == 0) {
        parse_error(c, _("secrets are not read from the config file; use secret_file"));
        return 0;
    }
    if (strcasecmp(name, "api_key") == 0 || strcasecmp(name, "inbound_token") == 0) {
        parse_error(c, _("%s is not read from the config file; use %s_file"), name, name);
        return 0;
    }
    int serve = strcasecmp(section, "serve") == 0;
    if (*section != '\0' && strcasecmp(section, "jelou") != 0 && !serve) {
        parse_error(c, _("unknown section '%s'"), section);
        return 0;
    }
    /* The team server's own keys live in [serve]; the rest of the file is shared. */
    if (serve) {
        k = strcasecmp(name, "redis") == 0 ? K_SERVE_REDIS
          : strcasecmp(name, "listen") == 0 ? K_SERVE_LISTEN : K_COUNT;
    } else {
        for (k = 0; k < K_SERVE_REDIS; k++) {
            if (strcasecmp(name, key_names[k]) == 0)
                break;
        }
        if (k == K_SERVE_REDIS)
            k = K_COUNT;
    }
    if (k == K_COUNT) {
        parse_error(c, _("unknown key '%s'"), name);
        return 0;
    }
    /* Also catches indented continuation lines, which inih reports as the same key again. */
    if (cfg->lines[k] != 0) {
        parse_error(c, _("%s is given twice (first on line %d)"), key_names[k], cfg->lines[k]);
        return 0;
    }
    if (*value == '\0') {
        parse_error(c, _("%s is empty"), key_names[k]);
        return 0;
    }
    cfg->lines[k] = c->lineno;
    if (k == K_SECRET_FILE || k == K_CACERT || k == K_API_KEY_FILE ||
        k == K_INBOUND_TOKEN_FILE || k == K_TOKEN_FILE)
        cfg->values[k] = settings_resolve_path(cfg->path, value);
    else
        cfg->values[k] = xstrdup(value);
    return 1;
}

/* Reads path into cfg. A missing file is an error only when the user named it. */
static int
config_read(struct config *cfg, const char *path, int must_exist, char **cause)
{
    struct stat st;

    /* O_NONBLOCK: a FIFO is refused below instead of hanging in open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        return cause_fail(cause, xasprintf(_("cannot read config %s: %s"), path, strerror(errno)));
    }
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e != 0) {
        close(fd);
        return cause_fail(cause, xasprintf(_("cannot read config %s: %s"), path, strerror(e)));
    }
    /* A device or a pipe can be endless (/dev/zero) or never end (a FIFO). */
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return cause_fail(cause, xasprintf(_("config %s is not a regular file"), path));
    }
    if (st.st_size > CONFIG_FILE_MAX) {
        close(fd);
        return cause_fail(cause, xasprintf(_("config %s is larger than %d KiB: not a config "
                                           "file"), path, CONFIG_FILE_MAX / 1024));
    }
    FILE *fp = fdopen(fd, "r");
    if (fp == NULL) {
        int rc = cause_fail(cause, xasprintf(_("cannot read config %s: %s"), path,
                                             strerror(errno)));
        close(fd);
        return rc;
    }

    cfg->path = xstrdup(path);
    struct parse_ctx c = {.cfg = cfg, .fp = fp};
    int rc = ini_parse_stream(read_line, &c, on_key, &c);
    fclose(fp);
    free(c.line);

    if (rc > 0 && (c.error == NULL || rc < c.error_line)) {
        free(c.error);
        c.error = xasprintf(_("%s:%d: cannot parse this line (expected key = value or "
                            "[jelou])"), path, rc);
    } else if (c.error == NULL && c.read_errno != 0) {
        c.error = xasprintf(_("cannot read config %s: %s"), path, strerror(c.read_errno));
    } else if (c.error == NULL && rc < 0) {
        c.error = xasprintf(_("cannot read config %s: out of memory"), path);
    }
    if (c.error != NULL)
        return cause_fail(cause, c.error);
    return 0;
}

/* The highest-precedence source that gives a value: flag, then environment, then config. */
static void
choose(struct choice *ch, const char *flag, const char *flag_name, const char *env_name,
       const struct config *cfg, enum cfg_key k)
{
    const char *env = env_name != NULL ? getenv(env_name) : NULL;

    ch->value = NULL;
    ch->name = NULL;
    if (flag != NULL) {
        ch->value = flag;
        ch->name = xstrdup(flag_name);
    } else if (env != NULL) {
        ch->value = env;
        ch->name = xstrdup(env_name);
    } else if (cfg->values[k] != NULL) {
        ch->value = cfg->values[k];
        ch->name = xasprintf("%s:%d: %s", cfg->path, cfg->lines[k], key_names[k]);
    }
}

/* Strictly decimal digits: "1e3", "+5" or " 5" are more likely slips than intent. */
static int
parse_whole(const char *s, long lo, long hi, long *out)
{
    long v = 0;

    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        if (v <= hi)
            v = v * 10 + (*s - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Sets *dst from the chosen source, refusing an empty value. 0 when nothing was given. */
static int
take_string(char **dst, const struct choice *ch, char **cause)
{
    if (ch->value == NULL)
        return 0;
    if (*ch->value == '\0')
        return cause_fail(cause, xasprintf(_("%s is empty"), ch->name));
    xstrset(dst, ch->value);
    return 0;
}

static int
take_number(long *dst, long def, long lo, long hi, int seconds, const struct choice *ch,
            char **cause)
{
    *dst = def;
    if (ch->value == NULL)
        return 0;
    if (parse_whole(ch->value, lo, hi, dst) != 0)
        return cause_fail(cause,
                          xasprintf(seconds ? _("%s must be a whole number of seconds from %ld "
                                                "to %ld")
                                            : _("%s must be a whole number from %ld to %ld"),
                                    ch->name, lo, hi));
    return 0;
}

/* "https://a:8443, https://b:8443": each one a URL the endpoint rule accepts. */
static int
check_servers(const char *list, const char *name, char **cause)
{
    char **v = NULL;
    size_t n = settings_split_servers(list, &v);
    int rc = 0;
    if (n == 0)
        rc = cause_fail(cause, xasprintf(_("%s names no server URL"), name));
    for (size_t i = 0; i < n; i++) {
        char *why = NULL;
        if (rc == 0 && url_check_endpoint(v[i], &why) != 0)
            rc = cause_fail(cause, xasprintf("%s: %s", name, why));
        free(why);
        free(v[i]);
    }
    free(v);
    return rc;
}

size_t
settings_split_servers(const char *list, char ***out)
{
    size_t n = 0;
    *out = NULL;
    for (const char *p = list; *p != '\0';) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        size_t len = strcspn(p, ", \t");
        if (len == 0)
            break;
        *out = xrealloc(*out, (n + 1) * sizeof **out);
        (*out)[n] = xstrndup(p, len);
        /* A trailing slash would double in BASE/v1/events. */
        while (len > 1 && (*out)[n][len - 1] == '/')
            (*out)[n][--len] = '\0';
        n++;
        p += strcspn(p, ", \t");
    }
    return n;
}

static int
resolve(struct settings *s, const struct settings_flags *f, const struct config *cfg,
        char **cause)
{
    struct choice ch[K_COUNT];
    char *why = NULL;
    long n;
    int rc = -1;

    choose(&ch[K_ENDPOINT], f->endpoint, "--endpoint", "JELOU_ENDPOINT", cfg, K_ENDPOINT);
    choose(&ch[K_PROJECT], f->project, "--project", "JELOU_PROJECT_ID", cfg, K_PROJECT);
    choose(&ch[K_BOT], f->bot, "--bot", "JELOU_BOT_ID", cfg, K_BOT);
    choose(&ch[K_CACERT], f->cacert, "--cacert", NULL, cfg, K_CACERT);
    choose(&ch[K_ATTEMPTS], f->attempts, "--attempts", NULL, cfg, K_ATTEMPTS);
    choose(&ch[K_TIMEOUT], f->timeout, "--timeout", NULL, cfg, K_TIMEOUT);
    choose(&ch[K_CONNECT_TIMEOUT], f->connect_timeout, "--connect-timeout", NULL, cfg,
           K_CONNECT_TIMEOUT);
    choose(&ch[K_REST_BASE], f->rest_base, "--rest-base", "JELOU_REST_BASE", cfg,
           K_REST_BASE);
    /* The listener's address and path belong to the machine, not to a run: config only (the
     * commands that listen take their own --listen). */
    choose(&ch[K_LISTEN], NULL, NULL, NULL, cfg, K_LISTEN);
    choose(&ch[K_WEBHOOK_PATH], NULL, NULL, NULL, cfg, K_WEBHOOK_PATH);
    choose(&ch[K_INBOUND_TOKEN_FILE], NULL, NULL, NULL, cfg, K_INBOUND_TOKEN_FILE);
    /* Whether the bot talks on WhatsApp is the deployment's fact, not a run's. */
    choose(&ch[K_WHATSAPP_WINDOW], NULL, NULL, NULL, cfg, K_WHATSAPP_WINDOW);
    /* Team mode: the team server and the agent's token. */
    choose(&ch[K_SERVER], f->server, "--server", "JELOU_SERVER", cfg, K_SERVER);
    choose(&ch[K_TOKEN_FILE], f->token_file, "--token-file", "JELOU_TOKEN_FILE", cfg,
           K_TOKEN_FILE);
    choose(&ch[K_SERVE_REDIS], NULL, NULL, NULL, cfg, K_SERVE_REDIS);
    choose(&ch[K_SERVE_LISTEN], NULL, NULL, NULL, cfg, K_SERVE_LISTEN);
    /* JELOU_API_KEY holds the key itself, so like JELOU_SIGNING_SECRET it outranks the
     * config's file but not the flag's. */
    choose(&ch[K_API_KEY_FILE], f->api_key_file, "--api-key-file", NULL, cfg, K_API_KEY_FILE);
    if (f->api_key_file == NULL && getenv("JELOU_API_KEY") != NULL) {
        free(ch[K_API_KEY_FILE].name);
        ch[K_API_KEY_FILE].name = NULL;
        ch[K_API_KEY_FILE].value = NULL;
        s->api_key_from_env = 1;
    }
    /* JELOU_SIGNING_SECRET sits between the flag and the secret file variable, so the file
     * sources are chosen by hand below. */
    choose(&ch[K_SECRET_FILE], f->secret_file, "--secret-file", NULL, cfg, K_SECRET_FILE);
    if (f->secret_file == NULL) {
        const char *env_file = getenv("JELOU_SIGNING_SECRET_FILE");
        if (getenv("JELOU_SIGNING_SECRET") != NULL) {
            free(ch[K_SECRET_FILE].name);
            ch[K_SECRET_FILE].name = NULL;
            ch[K_SECRET_FILE].value = NULL;
            s->secret_from_env = 1;
        } else if (env_file != NULL) {
            free(ch[K_SECRET_FILE].name);
            ch[K_SECRET_FILE].name = xstrdup("JELOU_SIGNING_SECRET_FILE");
            ch[K_SECRET_FILE].value = env_file;
        }
    }

    if (take_string(&s->endpoint, &ch[K_ENDPOINT], cause) != 0 ||
        take_string(&s->project, &ch[K_PROJECT], cause) != 0 ||
        take_string(&s->bot, &ch[K_BOT], cause) != 0 ||
        take_string(&s->cacert, &ch[K_CACERT], cause) != 0 ||
        take_string(&s->secret_file, &ch[K_SECRET_FILE], cause) != 0 ||
        take_string(&s->api_key_file, &ch[K_API_KEY_FILE], cause) != 0 ||
        take_string(&s->rest_base, &ch[K_REST_BASE], cause) != 0 ||
        take_string(&s->listen, &ch[K_LISTEN], cause) != 0 ||
        take_string(&s->webhook_path, &ch[K_WEBHOOK_PATH], cause) != 0 ||
        take_string(&s->inbound_token_file, &ch[K_INBOUND_TOKEN_FILE], cause) != 0 ||
        take_string(&s->server, &ch[K_SERVER], cause) != 0 ||
        take_string(&s->token_file, &ch[K_TOKEN_FILE], cause) != 0 ||
        take_string(&s->serve_redis, &ch[K_SERVE_REDIS], cause) != 0 ||
        take_string(&s->serve_listen, &ch[K_SERVE_LISTEN], cause) != 0)
        goto out;

    if (s->endpoint == NULL)
        s->endpoint = xstrdup(SETTINGS_DEFAULT_ENDPOINT);
    if (url_check_endpoint(s->endpoint, &why) != 0) {
        cause_fail(cause, ch[K_ENDPOINT].name ? xasprintf("%s: %s", ch[K_ENDPOINT].name, why)
                                        : xstrdup(why));
        free(why);
        goto out;
    }

    /* The API key travels in a header: the REST base follows the endpoint rule. */
    if (s->rest_base == NULL)
        s->rest_base = xstrdup(SETTINGS_DEFAULT_REST_BASE);
    if (url_check_endpoint(s->rest_base, &why) != 0) {
        cause_fail(cause, ch[K_REST_BASE].name ? xasprintf("%s: %s", ch[K_REST_BASE].name, why)
                                               : xstrdup(why));
        free(why);
        goto out;
    }
    if (s->listen == NULL)
        s->listen = xstrdup(SETTINGS_DEFAULT_LISTEN);
    if (s->webhook_path == NULL)
        s->webhook_path = xstrdup(SETTINGS_DEFAULT_WEBHOOK_PATH);
    if (s->webhook_path[0] != '/') {
        cause_fail(cause, xasprintf(_("%s must start with '/'"), ch[K_WEBHOOK_PATH].name));
        goto out;
    }

    /* Where a signing secret would come from: team mode refuses to hold one, naming it. */
    if (ch[K_SECRET_FILE].value != NULL)
        xstrset(&s->secret_origin, ch[K_SECRET_FILE].name);
    else if (s->secret_from_env)
        xstrset(&s->secret_origin, "JELOU_SIGNING_SECRET");
    /* Each team server URL carries the agent's token: the endpoint rule applies to all. */
    if (s->server != NULL && check_servers(s->server, ch[K_SERVER].name, cause) != 0)
        goto out;

    /* Checked now so that a typo is a configuration error (exit 2), not a network one. */
    if (s->cacert != NULL && access(s->cacert, R_OK) != 0) {
        cause_fail(cause, xasprintf(_("%s: cannot read %s: %s"), ch[K_CACERT].name, s->cacert,
                              strerror(errno)));
        goto out;
    }

    if (take_number(&n, SETTINGS_DEFAULT_ATTEMPTS, 1, 10, 0, &ch[K_ATTEMPTS], cause) != 0)
        goto out;
    s->attempts = (int)n;
    if (take_number(&n, SETTINGS_DEFAULT_TIMEOUT_S, 1, 600, 1, &ch[K_TIMEOUT],
                    cause) != 0)
        goto out;
    s->timeout_ms = n * 1000;
    if (take_number(&n, SETTINGS_DEFAULT_CONNECT_TIMEOUT_S, 1, 600, 1,
                    &ch[K_CONNECT_TIMEOUT], cause) != 0)
        goto out;
    s->connect_timeout_ms = n * 1000;
    s->whatsapp_window = 1;
    if (ch[K_WHATSAPP_WINDOW].value != NULL) {
        const char *v = ch[K_WHATSAPP_WINDOW].value;
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
            cause_fail(cause, xasprintf(_("%s must be on or off, not '%s'"),
                                        ch[K_WHATSAPP_WINDOW].name, v));
            goto out;
        }
        s->whatsapp_window = strcmp(v, "on") == 0;
    }
    rc = 0;

out:
    for (int k = 0; k < K_COUNT; k++)
        free(ch[k].name);
    return rc;
}

int
settings_load(struct settings *s, const struct settings_flags *f, char **cause)
{
    static const struct settings_flags no_flags;
    struct config cfg = {0};
    int rc;

    memset(s, 0, sizeof *s);
    if (f == NULL)
        f = &no_flags;

    if (f->config != NULL) {
        rc = config_read(&cfg, f->config, 1, cause);
    } else {
        char *path = paths_config_file("config");
        rc = path != NULL ? config_read(&cfg, path, 0, cause) : 0;
        free(path);
    }
    if (rc == 0) {
        xstrset(&s->config_path, cfg.path);
        rc = resolve(s, f, &cfg, cause);
    }
    config_clear(&cfg);
    return rc;
}

/* A core dump or a debugger attached by another process of the user would read the secret
 * from memory: once one is loaded, the process makes no core and cannot be attached to.
 * Both only tighten; they fail only on systems without them, which then keep the risk. */
static void
protect_process(void)
{
    static const struct rlimit none = {0, 0};
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &none);
}

/* One rule for every source of a secret-like value (files and variables alike): a UTF-8
 * BOM and surrounding whitespace are what editors and `echo` add, so they are dropped; a
 * second line or a control character is a mistake no trimming can guess at, so it is
 * refused. data[0..*len) is cleaned in place; the result starts at the returned offset. */
static int
clean_private(const char *data, size_t *start, size_t *len, const char *what,
              const char *where, char **cause)
{
    size_t b = 0, e = *len;
    if (e >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        b = 3;
    while (b < e && isspace((unsigned char)data[b]))
        b++;
    while (e > b && isspace((unsigned char)data[e - 1]))
        e--;
    if (b == e)
        return cause_fail(cause, xasprintf(_("%s %s is empty"), what, where));
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\n' || c == '\r')
            return cause_fail(cause, xasprintf(_("%s %s holds more than one line: it must hold "
                                               "the %s alone"), what, where, what));
        if (c < 0x20 || c == 0x7f)
            return cause_fail(cause, xasprintf(_("%s %s contains a control character"), what,
                                               where));
    }
    *start = b;
    *len = e - b;
    return 0;
}

/* The value of a variable holding a secret itself, by the file rules; NULL with *cause. */
static char *
private_from_env(const char *name, const char *what, char **cause)
{
    const char *v = getenv(name);
    size_t start = 0, len = v != NULL ? strlen(v) : 0;
    char *where = xasprintf(_("in %s"), name);
    char *result = NULL;
    if (clean_private(v != NULL ? v : "", &start, &len, what, where, cause) == 0) {
        result = xstrndup(v + start, len);
        protect_process();
    }
    free(where);
    return result;
}

static char *credential_path(const char *name);

int
settings_load_secret(struct settings *s, char **cause)
{
    if (s->secret != NULL)
        return 0;
    if (s->secret_file != NULL) {
        s->secret = settings_read_private_file(s->secret_file, _("secret"), cause);
        return s->secret != NULL ? 0 : -1;
    }
    if (s->secret_from_env) {
        s->secret = private_from_env("JELOU_SIGNING_SECRET", _("secret"), cause);
        return s->secret != NULL ? 0 : -1;
    }
    if ((s->secret_file = credential_path(SETTINGS_CREDENTIAL_SECRET)) != NULL)
        return settings_load_secret(s, cause);
    return cause_fail(cause, xstrdup(_("no signing secret: set JELOU_SIGNING_SECRET, "
                               "JELOU_SIGNING_SECRET_FILE or --secret-file")));
}

int
settings_load_api_key(struct settings *s, char **cause)
{
    if (s->api_key != NULL)
        return 0;
    if (s->api_key_file != NULL) {
        s->api_key = settings_read_private_file(s->api_key_file, _("API key"), cause);
        return s->api_key != NULL ? 0 : -1;
    }
    if (s->api_key_from_env) {
        s->api_key = private_from_env("JELOU_API_KEY", _("API key"), cause);
        return s->api_key != NULL ? 0 : -1;
    }
    if ((s->api_key_file = credential_path(SETTINGS_CREDENTIAL_API_KEY)) != NULL)
        return settings_load_api_key(s, cause);
    return cause_fail(cause, xstrdup(_("no API key: set JELOU_API_KEY, or api_key_file in the "
                                     "config, or --api-key-file")));
}

int
settings_load_inbound_token(struct settings *s, char **cause)
{
    if (s->inbound_token != NULL || s->inbound_token_file == NULL)
        return 0;
    s->inbound_token = settings_read_private_file(s->inbound_token_file, _("inbound token"),
                                                  cause);
    return s->inbound_token != NULL ? 0 : -1;
}

int
settings_load_token(struct settings *s, char **cause)
{
    if (s->token != NULL)
        return 0;
    if (s->token_file == NULL)
        return cause_fail(cause, xstrdup(_("team mode needs the agent's token: give "
                                           "--token-file, set JELOU_TOKEN_FILE or put "
                                           "token_file= in the config file")));
    s->token = settings_read_private_file(s->token_file, _("agent token"), cause);
    return s->token != NULL ? 0 : -1;
}

/* Wipes a secret-like string before freeing it. */
static void
free_private(char *p)
{
    if (p == NULL)
        return;
    explicit_bzero(p, strlen(p));
    free(p);
}

/* Reads at most max + 1 bytes, so that a file that grew after fstat is still noticed. */
static ssize_t
read_all(int fd, char *buf, size_t max)
{
    size_t len = 0;
    while (len <= max) {
        ssize_t n = read(fd, buf + len, max + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        len += (size_t)n;
    }
    return (ssize_t)len;
}

/* 1 when path lies directly in $CREDENTIALS_DIRECTORY (systemd's credentials). */
static int
in_credentials_dir(const char *path)
{
    const char *creds = getenv("CREDENTIALS_DIRECTORY");
    if (creds == NULL || creds[0] != '/')
        return 0;
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    char *a = realpath(dir[0] != '\0' ? dir : "/", NULL), *b = realpath(creds, NULL);
    int same = a != NULL && b != NULL && strcmp(a, b) == 0;
    free(a);
    free(b);
    free(dir);
    return same;
}

/* $CREDENTIALS_DIRECTORY/name when it exists: the last source, after every configured one,
 * so that a unit's LoadCredential= works without naming the file. NULL otherwise. */
static char *
credential_path(const char *name)
{
    const char *creds = getenv("CREDENTIALS_DIRECTORY");
    if (creds == NULL || creds[0] != '/')
        return NULL;
    char *path = xasprintf("%s/%s", creds, name);
    if (access(path, F_OK) == 0)
        return path;
    free(path);
    return NULL;
}

/* Both readers below: whole keeps a multi-line text (a PEM key) as it is, else the value
 * is cleaned by clean_private's one-line rule. */
static char *
read_private(const char *path, const char *what, int whole, char **cause)
{
    char data[PRIVATE_FILE_MAX + 1];
    char *result = NULL;
    struct stat st;

    if (what == NULL)
        what = _("private");
    /* One descriptor for the checks and the read, so the file checked is the file read.
     * O_NONBLOCK: a FIFO is refused below instead of hanging here. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        cause_fail(cause, xasprintf(_("cannot open %s file %s: %s"), what, path, strerror(errno)));
        return NULL;
    }
    if (fstat(fd, &st) != 0) {
        cause_fail(cause, xasprintf(_("cannot read %s file %s: %s"), what, path, strerror(errno)));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        cause_fail(cause, xasprintf(_("%s file %s is not a regular file"), what, path));
        goto out;
    }
    /* systemd's LoadCredential= hands the file over as 0400 or 0440, owned by the service
     * user or by root with an ACL, in a directory only the service can read. */
    int credential = in_credentials_dir(path);
    if (st.st_uid != geteuid() && !(credential && st.st_uid == 0)) {
        cause_fail(cause, xasprintf(_("%s file %s is owned by another user"), what, path));
        goto out;
    }
    if ((st.st_mode & (credential ? 027 : 077)) != 0) {
        cause_fail(cause, xasprintf(_("%s file %s is readable by group or others: run chmod "
                                      "600 %s"), what, path, path));
        goto out;
    }
    if (st.st_size > PRIVATE_FILE_MAX) {
        cause_fail(cause, xasprintf(_("%s file %s is larger than %d bytes"), what, path,
                              PRIVATE_FILE_MAX));
        goto out;
    }

    ssize_t got = read_all(fd, data, PRIVATE_FILE_MAX);
    if (got < 0) {
        cause_fail(cause, xasprintf(_("cannot read %s file %s: %s"), what, path, strerror(errno)));
        goto out;
    }
    size_t len = (size_t)got;
    if (len > PRIVATE_FILE_MAX) {
        cause_fail(cause, xasprintf(_("%s file %s is larger than %d bytes"), what, path,
                              PRIVATE_FILE_MAX));
        goto out;
    }
    if (memchr(data, '\0', len) != NULL) {
        cause_fail(cause, xasprintf(_("%s file %s contains a NUL byte"), what, path));
        goto out;
    }
    char *where = xasprintf(_("file %s"), path);
    size_t start = 0;
    if (whole && len == 0)
        cause_fail(cause, xasprintf("%s %s is empty", what, where));
    else if (whole || clean_private(data, &start, &len, what, where, cause) == 0) {
        result = xstrndup(data + start, len);
        protect_process();
    }
    free(where);

out:
    explicit_bzero(data, sizeof data);
    close(fd);
    return result;
}

char *
settings_read_private_file(const char *path, const char *what, char **cause)
{
    return read_private(path, what, 0, cause);
}

char *
settings_read_private_pem(const char *path, const char *what, char **cause)
{
    return read_private(path, what, 1, cause);
}

char *
settings_config_path(const struct settings_flags *f)
{
    if (f != NULL && f->config != NULL)
        return xstrdup(f->config);
    return paths_config_file("config");
}

void
settings_clear(struct settings *s)
{
    if (s == NULL)
        return;
    free(s->endpoint);
    free(s->project);
    free(s->bot);
    free(s->cacert);
    free(s->config_path);
    free(s->secret_file);
    free_private(s->secret);
    free(s->rest_base);
    free(s->api_key_file);
    free_private(s->api_key);
    free(s->listen);
    free(s->webhook_path);
    free(s->inbound_token_file);
    free(s->server);
    free(s->token_file);
    if (s->token)
        explicit_bzero(s->token, strlen(s->token));
    free(s->token);
    free(s->secret_origin);
    free(s->serve_redis);
    free(s->serve_listen);
    free_private(s->inbound_token);
    memset(s, 0, sizeof *s);
}
