/* libFuzzer target: outgoing events through the sandbox's schema check, and the round trip. */
#include "fuzz_message.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct message *m = (struct message *)1;
    char *cause = NULL;

    if (message_parse_event((const char *)data, size, &m, &cause) != 0) {
        FUZZ_CHECK(m == NULL);
        FUZZ_CHECK(cause != NULL && strchr(cause, '\n') == NULL);
        free(cause);
        return 0;
    }
    FUZZ_CHECK(m != NULL && cause == NULL);
    /* Parsing validates: what the sandbox accepts, the console could have sent. */
    FUZZ_CHECK(message_validate(m, NULL) == 0);
    fuzz_round_trip(m);
    message_free(m);
    return 0;
}
