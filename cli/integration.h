/* The integration calls run to their end, for the commands that need one answer at a time
 * (integration, setup, doctor). */
#ifndef JELOU_INTEGRATION_H
#define JELOU_INTEGRATION_H

#include "jelou/rest.h"
#include "jelou/settings.h"

/* One call's outcome, copied out of the answer; strings may be NULL. */
struct integration_answer {
    int ok;               /* 2xx and a success answer */
    long http_status;     /* 0: no HTTP answer */
    char *error;          /* one line when !ok */
    char *message;
    char *id;
    char *webhook_url;
    char *auth_type;
    char *created_at;
    char *updated_at;
    char *signing_secret; /* only after a create; wiped when cleared; never printed */
};

/* method: GET, POST, PATCH or DELETE on the project's REST base, with st's key, CA and
 * timeouts (st->api_key loaded). Returns 0 when an answer (any status) or a network failure
 * was recorded in *out, -1 with *cause when the call could not be made at all. */
int integration_call(const struct settings *st, const char *method,
                     const struct rest_integration *in, struct integration_answer *out,
                     char **cause);
void integration_answer_clear(struct integration_answer *a);

struct atomic_file;
/* Commits a create answer's signingSecret (one line) to af, opened before the call, and
 * frees af. On failure prints, after who, that the secret is lost and what to do. */
int integration_keep_secret(struct atomic_file *af, const struct integration_answer *a,
                            const char *who);

/* Where create writes the secret: --secret-file, else the configured secret file, else
 * "signing-secret" beside the config file. Newly allocated. */
char *integration_secret_path(const struct settings *st, const struct settings_flags *f);

#endif
