/* The media catalog: URLs an agent can pick to send, from a file and from this session. */
#ifndef JELOU_CATALOG_H
#define JELOU_CATALOG_H

#include <stddef.h>

#include "jelou/message.h"

struct media_item {
    char *url;
    enum msg_type type;  /* MSG_NONE when unknown */
    char *label;
    char *caption;
    char *mime;          /* when known */
    long long size;      /* bytes, -1 when unknown */
    int from_session;    /* sent or received this session */
};

struct catalog {
    struct media_item *items;
    size_t n, cap;
};

/* Reads "URL | type | label | caption" lines ('#' comments; type may be empty; label and
 * caption optional). Relative to nothing: URLs must pass url_check_media. A missing file is
 * empty. Returns 0 or -1 with *cause naming PATH:LINE. */
int catalog_load(const char *path, struct catalog *c, char **cause);
/* The same for text already in memory; errors name it as name:LINE. */
int catalog_load_text(const char *text, const char *name, struct catalog *c, char **cause);
/* Adds a URL seen this session unless already there (then fills what is missing). */
void catalog_add(struct catalog *c, const char *url, enum msg_type type, const char *mime,
                 const char *label, const char *caption, int from_session);
void catalog_clear(struct catalog *c);
/* Items matching every word of filter (case-insensitive, in url, label, caption, type,
 * mime): fills idx[] with indexes and returns how many. */
size_t catalog_filter(const struct catalog *c, const char *filter, size_t *idx, size_t max);

#endif
