/* The REST API through the transport, with x-api-key: conversations and the integration. */
#ifndef JELOU_REST_H
#define JELOU_REST_H

#include "jelou/event.h"

struct transport;

/* The base's default is a setting: SETTINGS_DEFAULT_REST_BASE (settings.h). */

/* The result handed to the callback; valid during the call only. */
struct rest_result {
    int ok;                   /* 2xx and the answer says success */
    long http_status;         /* 0: no HTTP answer */
    const char *error;        /* one line when !ok: the answer's message/error.description,
                                 else "HTTP 422", else the network error */
    const struct rest_answer *answer; /* parsed answer (fields may be NULL) */
};

typedef void (*rest_fn)(void *arg, const struct rest_result *r);

/* base with {projectId} replaced (and no trailing slash), newly allocated. */
char *rest_base_url(const char *base_template, const char *project);

/* POST {base}/conversations/start {"botId","userId","initialMessage"?}. */
int rest_start(struct transport *t, const char *base, const char *api_key, const char *bot,
               const char *user, const char *initial_message, rest_fn fn, void *arg,
               char **cause);
/* POST {base}/conversations/close {"botId","userId","redirectPayload"?:{"type":"text",
 * "text":...}}. */
int rest_close(struct transport *t, const char *base, const char *api_key, const char *bot,
               const char *user, const char *redirect_text, rest_fn fn, void *arg,
               char **cause);
/* GET {base}/conversations/{conversation}. */
int rest_get(struct transport *t, const char *base, const char *api_key,
             const char *conversation, rest_fn fn, void *arg, char **cause);

/* What an integration create or update sets; NULL fields are left out of the body. */
struct rest_integration {
    const char *webhook_url;   /* webhookUrl */
    const char *auth_type;     /* authType: bearer, basic, api_key or no_auth */
    const char *authorization; /* the token Jelou sends with its events; never printed */
};

/* The integration of the project, on the base itself: GET reads it, POST creates it (the
 * only answer that shows signingSecret), PATCH updates it, DELETE removes it. A POST is
 * never retried: a second create after a lost answer would fail or mint a second secret. */
int rest_integration_get(struct transport *t, const char *base, const char *api_key,
                         rest_fn fn, void *arg, char **cause);
int rest_integration_create(struct transport *t, const char *base, const char *api_key,
                            const struct rest_integration *in, rest_fn fn, void *arg,
                            char **cause);
int rest_integration_update(struct transport *t, const char *base, const char *api_key,
                            const struct rest_integration *in, rest_fn fn, void *arg,
                            char **cause);
int rest_integration_delete(struct transport *t, const char *base, const char *api_key,
                            rest_fn fn, void *arg, char **cause);

#endif
