/* The sandbox's integration of its one project: what Jelou's GET/POST/PATCH/DELETE on the
 * REST base do, with the signing secret shown only in the create answer. */
#ifndef JELOU_SANDBOX_INTEGRATION_H
#define JELOU_SANDBOX_INTEGRATION_H

#include <stddef.h>

struct mock_integration;

struct mock_integration *mock_integration_new(void);
void mock_integration_free(struct mock_integration *mi);

/* Answers one call whose key and project were checked. Returns the HTTP status: on a 2xx
 * *answer is the body (Jelou's success shape); otherwise *reason is the error's description
 * and the caller answers in Jelou's error shape. secret is what a create hands out: the
 * sandbox's own, so that the secret file made by a create signs what the sandbox checks.
 * A second create is refused with 409, as a conflict Jelou's documentation leaves open. */
int mock_integration_answer(struct mock_integration *mi, const char *method, const char *body,
                            size_t body_len, const char *secret, char **answer, char **reason);

#endif
