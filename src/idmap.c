/* A string-keyed hash map of pointers: ids to messages, seen-sets. */
#include "jelou/idmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/xalloc.h"

struct slot {
    const char *key;
    void *value;
    uint64_t hash;
};

struct idmap {
    struct slot *slots;
    size_t cap; /* a power of two */
    size_t n;
};

static uint64_t
hash_str(const char *s)
{
    /* FNV-1a: ids are short and not chosen by an adversary we must resist here. */
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

struct idmap *
idmap_new(void)
{
    struct idmap *m = xcalloc(1, sizeof *m);
    m->cap = 16;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    return m;
}

void
idmap_free(struct idmap *m)
{
    if (m == NULL)
        return;
    free(m->slots);
    free(m);
}

static struct slot *
find(const struct idmap *m, const char *key, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        struct slot *s = &m->slots[i];
        if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
            return s;
    }
}

void *
idmap_get(const struct idmap *m, const char *key)
{
    struct slot *s = find(m, key, hash_str(key));
    return s->key ? s->value : NULL;
}

static void
grow(struct idmap *m)
{
    struct slot *old = m->slots;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].key)
            *find(m, old[i].key, old[i].hash) = old[i];
    }
    free(old);
}

void
idmap_put(struct idmap *m, const char *key, void *value)
{
    if ((m->n + 1) * 10 > m->cap * 7)
        grow(m);
    uint64_t h = hash_str(key);
    struct slot *s = find(m, key, h);
    if (s->key == NULL) {
        s->key = key;
        s->hash = h;
        m->n++;
    }
    s->value = value;
}

void
idmap_del(struct idmap *m, const char *key)
{
    uint64_t h = hash_str(key);
    struct slot *hole = find(m, key, h);
    size_t mask = m->cap - 1, i, j;

    if (hole->key == NULL)
        return;
    /* Linear probing has no tombstones here: the keys after the hole that probed past it
     * move back into it, so that every lookup still finds them before an empty slot. */
    i = (size_t)(hole - m->slots);
    for (j = (i + 1) & mask; m->slots[j].key != NULL; j = (j + 1) & mask) {
        size_t home = (size_t)m->slots[j].hash & mask;
        /* j may fill the hole at i unless its home lies cyclically in (i, j]. */
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i] = (struct slot){0};
    m->n--;
}

size_t
idmap_count(const struct idmap *m)
{
    return m->n;
}
