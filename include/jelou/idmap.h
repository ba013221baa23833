/* A string-keyed hash map of pointers: ids to messages, seen-sets. */
#ifndef JELOU_IDMAP_H
#define JELOU_IDMAP_H

#include <stddef.h>

struct idmap;

struct idmap *idmap_new(void);
/* Frees the map, not the keys or the values. */
void idmap_free(struct idmap *m);
/* The value for key, or NULL. */
void *idmap_get(const struct idmap *m, const char *key);
/* Sets key to value. The key is not copied: it must live as long as it is in the map (ids
 * are kept by what they name, and a copy would double the memory of a large history). */
void idmap_put(struct idmap *m, const char *key, void *value);
/* Removes key (nothing happens when it is absent), before what it names is freed. */
void idmap_del(struct idmap *m, const char *key);
size_t idmap_count(const struct idmap *m);

#endif
