/* Settings: flags > environment > INI config file (libinih) > defaults. */
#ifndef JELOU_SETTINGS_H
#define JELOU_SETTINGS_H

#include <stddef.h>

#define SETTINGS_DEFAULT_ENDPOINT "https://chatbot.jelou.ai/v1/external-support/webhook"
/* Where the inbound listener listens and serves unless the config file says otherwise
 * (inbound.h's INBOUND_DEFAULT_LISTEN / INBOUND_DEFAULT_PATH are these). */
#define SETTINGS_DEFAULT_LISTEN "127.0.0.1:8787"
#define SETTINGS_DEFAULT_WEBHOOK_PATH "/jelou/webhook"
/* Where the team server listens unless told otherwise. */
#define SETTINGS_DEFAULT_SERVE_LISTEN "127.0.0.1:8788"
#define SETTINGS_DEFAULT_REST_BASE \
    "https://gateway.jelou.ai/jelouapi/v1/external-support/{projectId}"

/* The credential names a systemd unit gives with LoadCredential=: read from
 * $CREDENTIALS_DIRECTORY when nothing else names the secret or the key. */
#define SETTINGS_CREDENTIAL_SECRET "signing-secret"
#define SETTINGS_CREDENTIAL_API_KEY "api-key"

/* The one home of each default: the settings, the transport and the outbox all use these
 * when nothing else is given. */
#define SETTINGS_DEFAULT_ATTEMPTS 3            /* attempts per message, 1..10 */
#define SETTINGS_DEFAULT_TIMEOUT_S 30          /* whole transfer, per attempt */
#define SETTINGS_DEFAULT_CONNECT_TIMEOUT_S 10  /* connection, per attempt */
#define SETTINGS_DEFAULT_PARALLEL 8            /* sends in flight at once */
/* The most sends in flight at once (send --parallel): a server 50 ms away needs N in flight
 * for N/0.05 messages a second, and each is a connection over HTTP/1.1. */
#define SETTINGS_MAX_PARALLEL 1024

/* A default as text, for --help: SETTINGS_STR(SETTINGS_DEFAULT_PARALLEL) is "8". */
#define SETTINGS_STR(x) SETTINGS_STR_(x)
#define SETTINGS_STR_(x) #x

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
    const char *api_key_file; /* --api-key-file PATH: the REST API key (mode 0600) */
    const char *rest_base;    /* --rest-base URL: REST base, may hold "{projectId}" */
    const char *server;       /* --server URL[,URL...]: the team server (team mode) */
    const char *token_file;   /* --token-file PATH: the agent's token for it (mode 0600) */
};

struct settings {
    char *endpoint;
    char *project;
    char *bot;
    char *cacert;
    char *config_path;   /* the file that was read, or NULL */
    char *secret_file;   /* where the secret comes from when it is a file */
    int secret_from_env; /* JELOU_SIGNING_SECRET is set */
    int attempts;        /* default SETTINGS_DEFAULT_ATTEMPTS */
    long timeout_ms;     /* default SETTINGS_DEFAULT_TIMEOUT_S, in ms */
    long connect_timeout_ms; /* default SETTINGS_DEFAULT_CONNECT_TIMEOUT_S, in ms */
    char *secret;        /* filled by settings_load_secret; never printed */
    char *rest_base;     /* REST base template; default SETTINGS_DEFAULT_REST_BASE */
    char *api_key_file;  /* where the API key comes from when it is a file */
    int api_key_from_env; /* JELOU_API_KEY is set (and no --api-key-file) */
    char *api_key;       /* filled by settings_load_api_key; never printed */
    char *listen;        /* config listen = ADDR:PORT; default SETTINGS_DEFAULT_LISTEN */
    char *webhook_path;  /* config webhook_path; default SETTINGS_DEFAULT_WEBHOOK_PATH */
    char *inbound_token_file; /* config inbound_token_file, or NULL */
    char *inbound_token; /* filled by settings_load_inbound_token; never printed */
    int whatsapp_window; /* config whatsapp_window = on|off: the 24-hour window; default on */
    char *server;        /* --server, JELOU_SERVER, config server: team mode's URLs */
    char *token_file;    /* --token-file, JELOU_TOKEN_FILE, config token_file */
    char *token;         /* filled by settings_load_token; never printed */
    char *secret_origin; /* where a signing secret is configured ("--secret-file",
                            "PATH:LINE: secret_file", ...), or NULL */
    char *serve_redis;   /* config [serve] redis = URL, or NULL */
    char *serve_listen;  /* config [serve] listen = ADDR:PORT, or NULL */
};

/* Fills s from flags, the environment (JELOU_ENDPOINT, JELOU_PROJECT_ID, JELOU_BOT_ID,
 * JELOU_SIGNING_SECRET, JELOU_SIGNING_SECRET_FILE, JELOU_API_KEY, JELOU_REST_BASE) and the
 * config file (--config, else $XDG_CONFIG_HOME/jelou-console/config, else
 * ~/.config/jelou-console/config, if present). Checks the endpoint rule on the endpoint
 * and the REST base. Returns 0, or -1 with a one-line *cause. */
int settings_load(struct settings *s, const struct settings_flags *f, char **cause);

/* Reads the signing secret: --secret-file > JELOU_SIGNING_SECRET >
 * JELOU_SIGNING_SECRET_FILE > config secret_file > $CREDENTIALS_DIRECTORY/signing-secret.
 * A file must be a regular file owned by the user with no group/other permission bits (in
 * $CREDENTIALS_DIRECTORY: owned by the user or root, group read allowed, as systemd makes
 * credentials). Returns 0 or -1 with *cause. */
int settings_load_secret(struct settings *s, char **cause);

/* Reads the REST API key: --api-key-file > JELOU_API_KEY > config api_key_file >
 * $CREDENTIALS_DIRECTORY/api-key, with the secret file rules. The key never appears in a
 * cause. Returns 0 or -1 with *cause. */
int settings_load_api_key(struct settings *s, char **cause);

/* Reads config inbound_token_file (secret file rules) into s->inbound_token. Without one
 * configured it returns 0 and leaves the token NULL: the token is optional. */
int settings_load_inbound_token(struct settings *s, char **cause);

/* Reads the agent's team token (token_file, secret file rules) into s->token; -1 with
 * *cause naming the settings when none is configured. */
int settings_load_token(struct settings *s, char **cause);

/* Splits "URL, URL" (commas or blanks) into *out (each newly allocated, trailing '/'
 * dropped; free each and the array). Returns the count. */
size_t settings_split_servers(const char *list, char ***out);

/* Reads a secret-like file (trailing whitespace trimmed) with the same ownership and
 * mode rules. Returns a new string or NULL with *cause naming the path. */
char *settings_read_private_file(const char *path, const char *what, char **cause);
/* The same checks for a multi-line secret (a PEM private key), kept whole. */
char *settings_read_private_pem(const char *path, const char *what, char **cause);

/* The config file settings_load reads: --config, else the XDG default (NULL without a
 * home). Newly allocated. */
char *settings_config_path(const struct settings_flags *f);

/* A path as written in the config file at config_path: "~/" is the home directory and a
 * relative path is relative to the file. Newly allocated. */
char *settings_resolve_path(const char *config_path, const char *value);

void settings_clear(struct settings *s);

#endif
