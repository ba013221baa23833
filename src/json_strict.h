/* Strict JSON text parsing shared by the two readers of Jelou's JSON (message.c, event.c). */
#ifndef JELOU_JSON_STRICT_H
#define JELOU_JSON_STRICT_H

#include <stddef.h>

struct cJSON;

/* Parses text as exactly one JSON value: refuses empty text, raw control bytes, \u0000 and
 * trailing data, each with a one-line *cause naming what. The caller frees the tree with
 * cJSON_Delete. Implemented in message.c. */
struct cJSON *json_parse_strict(const char *text, size_t len, const char *what, char **cause);

#endif
