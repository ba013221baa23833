/* Canned replies: a shortcode and a text with {name} and {agent} variables. */
#ifndef JELOU_REPLIES_H
#define JELOU_REPLIES_H

#include <stddef.h>

struct reply {
    char *name;   /* shortcode, e.g. "hello" */
    char *text;   /* may contain {name} and {agent}; "\n" written as \n in the file */
};

struct replies {
    struct reply *items;
    size_t n;
};

/* Reads "shortcode: text" lines ('#' comments, blank lines ignored). A missing file is an
 * empty list. Returns 0 or -1 with *cause naming PATH:LINE. */
int replies_load(const char *path, struct replies *out, char **cause);
void replies_clear(struct replies *r);
const struct reply *replies_find(const struct replies *r, const char *name);
/* The text with {name} and {agent} filled in (a NULL value leaves "there" / "your agent"). */
char *replies_expand(const struct reply *r, const char *name, const char *agent);
/* Names starting with prefix, in file order: fills out[] and returns how many. */
size_t replies_complete(const struct replies *r, const char *prefix, const char **out,
                        size_t max);

#endif
