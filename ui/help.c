/* The help overlay's lines, generated from the key tables (ui/keymap.h) and the slash
 * command list (jelou/slash.h), so that what it lists is what the console binds. */
#include <stdlib.h>
#include <string.h>

#include "jelou/i18n.h"
#include "jelou/slash.h"
#include "jelou/xalloc.h"
#include "keymap.h"
#include "ui.h"

/* Where the help text starts, after a key's and a command's label. */
#define KEY_COLUMN 17
#define COMMAND_COLUMN 23

struct help_item {
    int row;
    const char *label;
    const char *text;
};

#define MAIN_ITEM(first, last, alt, row, label, text, fn) {row, label, text},
#define EDIT_ITEM(code, alt, row, label, text, op) {row, label, text},
#define SLASH_ITEM(id, name, shape, usage, row, synopsis, text) {row, synopsis, text},
static const struct help_item key_items[] = {MAIN_KEYS(MAIN_ITEM) EDIT_KEYS(EDIT_ITEM)};
static const struct help_item command_items[] = {SLASH_COMMANDS(SLASH_ITEM)};
#undef MAIN_ITEM
#undef EDIT_ITEM
#undef SLASH_ITEM

struct lines {
    char **v;
    size_t n, cap;
};

static void
lines_push(struct lines *l, char *s)
{
    if (l->n + 1 >= l->cap) {
        l->cap = l->cap ? l->cap * 2 : 32;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
}

/* One overlay line: the row's labels run together up to the first help text, which starts
 * at column (or three spaces on when the labels reach it); later help texts on the row sit
 * beside it, each after its own labels. */
static char *
help_row(const struct help_item *items, size_t n, int row, int column)
{
    struct buf b = {0}, labels = {0};
    int texts = 0, any = 0;
    buf_appends(&b, "  ");
    for (size_t i = 0; i < n; i++) {
        if (items[i].row != row || items[i].label == NULL)
            continue;
        any = 1;
        buf_appends(&labels, items[i].label);
        if (items[i].text == NULL)
            continue;
        if (texts++ == 0) {
            int pad = labels.len < (size_t)column ? column - (int)labels.len : 3;
            buf_printf(&b, "%s%*s%s", labels.data, pad, "", _(items[i].text));
        } else {
            buf_printf(&b, "        %s  %s", labels.data, _(items[i].text));
        }
        buf_free(&labels);
    }
    if (labels.len > 0)
        buf_appends(&b, labels.data);
    buf_free(&labels);
    if (!any) {
        buf_free(&b);
        return NULL;
    }
    return buf_take(&b);
}

static void
help_section(struct lines *l, const char *title, const struct help_item *items, size_t n,
             int column)
{
    int last = -1;
    for (size_t i = 0; i < n; i++)
        if (items[i].row > last)
            last = items[i].row;
    lines_push(l, xstrdup(title));
    for (int row = 0; row <= last; row++) {
        char *s = help_row(items, n, row, column);
        if (s != NULL)
            lines_push(l, s);
    }
}

char **
ui_help_lines_new(void)
{
    struct lines l = {0};
    /* The tables hold the English texts (N_); the agent's language is chosen here. */
    help_section(&l, _("Keys"), key_items, sizeof key_items / sizeof key_items[0], KEY_COLUMN);
    help_section(&l, _("Commands"), command_items,
                 sizeof command_items / sizeof command_items[0], COMMAND_COLUMN);
    return l.v;
}

void
ui_help_lines_free(char **lines)
{
    for (size_t i = 0; lines != NULL && lines[i] != NULL; i++)
        free(lines[i]);
    free(lines);
}
