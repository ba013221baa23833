/* What the cJSON users (message.c, event.c, record.c) share; implemented in message.c. */
#ifndef JELOU_JSON_STRICT_H
#define JELOU_JSON_STRICT_H

#include <stddef.h>

struct cJSON;

/* p, or an abort when it is NULL: cJSON's constructors fail only when malloc does. */
void *json_need(void *p);

/* Parses text as exactly one JSON value: refuses empty text, raw control bytes, \u0000 and
 * trailing data, each with a one-line *cause naming what. The caller frees the tree with
 * cJSON_Delete. Implemented in message.c. */
struct cJSON *json_parse_strict(const char *text, size_t len, const char *what, char **cause);

#endif
