/* The strict JSON helpers every cJSON user shares: parse and print. */
#ifndef JELOU_JSON_H
#define JELOU_JSON_H

#include <stddef.h>

/* cJSON is touched by json.c and the files that build or read documents with it:
 * message.c (the outgoing event), event.c (Jelou's events) and record.c (journal and log
 * lines). They share this header; nothing else includes cJSON. */
struct cJSON;

/* p, or an abort when it is NULL: cJSON's constructors fail only when malloc does. */
void *json_need(void *p);

/* Parses text as exactly one JSON value: refuses empty text, raw control bytes, \u0000 and
 * trailing data, each with a one-line *cause naming what. The caller frees the tree with
 * cJSON_Delete. */
struct cJSON *json_parse_strict(const char *text, size_t len, const char *what, char **cause);

/* j as compact JSON in memory free() owns (cJSON has its own allocator hooks); the length
 * in *len when len is not NULL. */
char *json_print(const struct cJSON *j, size_t *len);

#endif
