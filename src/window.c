/* WhatsApp's 24-hour customer-service window, as pure arithmetic on an injected clock. */
#include "jelou/window.h"

#include <stdio.h>

#include "jelou/i18n.h"

enum window_state
window_state(long long last_in_ms, long long now_ms, long long *left_ms)
{
    long long left = last_in_ms > 0 ? last_in_ms + WINDOW_MS - now_ms : 0;
    if (left < 0)
        left = 0;
    if (left_ms)
        *left_ms = left;
    if (last_in_ms <= 0)
        return WINDOW_UNKNOWN;
    if (left == 0)
        return WINDOW_CLOSED;
    return left < WINDOW_CLOSING_MS ? WINDOW_CLOSING : WINDOW_OPEN;
}

void
window_format(long long last_in_ms, long long now_ms, char *out, size_t size)
{
    long long left;
    if (out == NULL || size == 0)
        return;
    switch (window_state(last_in_ms, now_ms, &left)) {
    case WINDOW_OPEN: {
        long long min = left / 60000;
        /* TRANSLATORS: hours and minutes left in WhatsApp's 24-hour window */
        snprintf(out, size, _("window %lldh %02lldm"), min / 60, min % 60);
        break;
    }
    case WINDOW_CLOSING:
        /* TRANSLATORS: minutes left in WhatsApp's 24-hour window */
        snprintf(out, size, _("closes in %lldm"), (left + 59999) / 60000);
        break;
    case WINDOW_CLOSED:
        snprintf(out, size, "%s", _("window closed"));
        break;
    default:
        out[0] = '\0';
        break;
    }
}

int
window_needs_confirm(long long last_in_ms, long long now_ms)
{
    return window_state(last_in_ms, now_ms, NULL) == WINDOW_CLOSED;
}
