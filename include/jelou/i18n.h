/* Translation: _() for what a person reads, N_() marks table texts translated where drawn. */
#ifndef JELOU_I18N_H
#define JELOU_I18N_H

/* Machine output (--json, journals, logs, exit codes) never goes through these. */
#if defined(ENABLE_NLS) && ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#define P_(one, many, n) ngettext(one, many, n)
#else
#define _(s) ((char *)(s))
#define P_(one, many, n) ((char *)((n) == 1 ? (one) : (many)))
#endif
#define N_(s) s

#endif
