/* libFuzzer target: batch input lines, then validation, serialization and the round trip. */
#include "fuzz_message.h"

/* What `send --batch` fills in before sending (cmd_send.c), with fixed values instead of
 * settings, a random id and a network probe, so that a run is deterministic. */
static void
complete_like_send(struct message *m)
{
    if (m->project == NULL)
        m->project = strdup("fuzz-project");
    if (m->bot == NULL)
        m->bot = strdup("fuzz-bot");
    if (m->id == NULL)
        m->id = strdup("fuzz-id");
    if (m->url != NULL && m->type == MSG_NONE && m->mime != NULL)
        m->type = msg_type_for_mime(m->mime);
    if (m->url != NULL && m->type != MSG_TEXT && m->mime == NULL)
        m->mime = strdup("application/pdf");   /* what the probe would have found */
    if (m->type == MSG_NONE)
        m->type = m->url != NULL ? MSG_DOCUMENT : MSG_TEXT;
    FUZZ_CHECK(m->project != NULL && m->bot != NULL && m->id != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct message *m = (struct message *)1;
    char *cause = NULL;

    if (message_parse_batch_line((const char *)data, size, &m, &cause) != 0) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
        return 0;
    }
    FUZZ_CHECK(m != NULL && cause == NULL);

    /* As parsed, then as completed for sending: both must agree with serialize. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            complete_like_send(m);
        int valid = message_validate(m, &cause) == 0;
        if (!valid) {
            FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
            free(cause);
            cause = NULL;
            size_t len = 0;
            FUZZ_CHECK(message_serialize(m, &len, &cause) == NULL);
            FUZZ_CHECK(cause != NULL);
            free(cause);
            cause = NULL;
            continue;
        }
        FUZZ_CHECK(cause == NULL);
        fuzz_round_trip(m);
    }
    message_free(m);
    return 0;
}
