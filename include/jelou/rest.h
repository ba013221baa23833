/* The REST conversation API (start, close, get) through the transport, with x-api-key. */
#ifndef JELOU_REST_H
#define JELOU_REST_H

#include "jelou/event.h"

struct transport;

#define REST_DEFAULT_BASE "https://gateway.jelou.ai/jelouapi/v1/external-support/{projectId}"

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

#endif
