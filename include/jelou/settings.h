/* Settings: flags > environment > INI config file (libinih) > defaults. */
#ifndef JELOU_SETTINGS_H
#define JELOU_SETTINGS_H

#define SETTINGS_DEFAULT_ENDPOINT "https://chatbot.jelou.ai/v1/external-support/webhook"

/* What the command line gave; NULL means "not given". */
struct settings_flags {
    const char *endpoint;
    const char *project;
    const char *bot;
    const char *secret_file;
    const char *cacert;
    const char *config;       /* --config PATH: must exist when given */
    const char *attempts;     /* decimal 1..10 */
    const char *timeout;      /* seconds, total per attempt */
    const char *connect_timeout; /* seconds */
};

struct settings {
    char *endpoint;
    char *project;
    char *bot;
    char *cacert;
    char *config_path;   /* the file that was read, or NULL */
    char *secret_file;   /* where the secret comes from when it is a file */
    int secret_from_env; /* JELOU_SIGNING_SECRET is set */
    int attempts;        /* default 3 */
    long timeout_ms;     /* default 30000 */
    long connect_timeout_ms; /* default 10000 */
    char *secret;        /* filled by settings_load_secret; never printed */
};

/* Fills s from flags, the environment (JELOU_ENDPOINT, JELOU_PROJECT_ID, JELOU_BOT_ID,
 * JELOU_SIGNING_SECRET, JELOU_SIGNING_SECRET_FILE) and the config file (--config, else
 * $XDG_CONFIG_HOME/jelou-console/config, else ~/.config/jelou-console/config, if present).
 * Checks the endpoint rule. Returns 0, or -1 with a one-line *cause. */
int settings_load(struct settings *s, const struct settings_flags *f, char **cause);

/* Reads the signing secret: --secret-file > JELOU_SIGNING_SECRET >
 * JELOU_SIGNING_SECRET_FILE > config secret_file. A file must be a regular file owned by
 * the user with no group/other permission bits. Returns 0 or -1 with *cause. */
int settings_load_secret(struct settings *s, char **cause);

/* Reads a secret-like file (trailing whitespace trimmed) with the same ownership and
 * mode rules. Returns a new string or NULL with *cause naming the path. */
char *settings_read_private_file(const char *path, const char *what, char **cause);

void settings_clear(struct settings *s);

#endif
