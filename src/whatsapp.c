/* WhatsApp's limits on what a business sends: text and caption lengths, media types, sizes. */
#include "jelou/whatsapp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jelou/i18n.h"
#include "jelou/text.h"
#include "jelou/xalloc.h"

/* Characters as WhatsApp counts them: code points, not bytes. */
static size_t
chars(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; n++)
        i += text_char_len(s + i, len - i);
    return n;
}

/* The MIME type without its parameters, lower-cased, in out. */
static void
bare(const char *mime, char *out, size_t size)
{
    size_t n = strcspn(mime, "; \t");
    if (n >= size)
        n = size - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(mime[i] >= 'A' && mime[i] <= 'Z' ? mime[i] + 32 : mime[i]);
    out[n] = '\0';
}

static int
one_of(const char *mime, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(mime, *list) == 0)
            return 1;
    return 0;
}

static void
add(struct buf *b, char *line)
{
    if (b->len)
        buf_appends(b, "; ");
    buf_appends(b, line);
    free(line);
}

/* "5 MB": WhatsApp states its limits in whole megabytes. */
static void
mb(long long bytes, char *out, size_t size)
{
    snprintf(out, size, "%lld MB", bytes / (1024 * 1024));
}

char *
whatsapp_warnings(const struct whatsapp_facts *f)
{
    static const char *const images[] = {"image/jpeg", "image/png", NULL};
    static const char *const videos[] = {"video/mp4", "video/3gpp", NULL};
    static const char *const audios[] = {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4",
                                         "audio/ogg", NULL};
    struct buf b = {0};
    char mime[128] = "";
    if (f->mime)
        bare(f->mime, mime, sizeof mime);

    if (f->type == MSG_TEXT && f->body && chars(f->body) > WHATSAPP_TEXT_MAX)
        add(&b, xasprintf(_("text of %zu characters: WhatsApp takes at most %d"),
                          chars(f->body), WHATSAPP_TEXT_MAX));
    if (f->type != MSG_TEXT && f->caption && chars(f->caption) > WHATSAPP_CAPTION_MAX)
        add(&b, xasprintf(_("caption of %zu characters: WhatsApp takes at most %d"),
                          chars(f->caption), WHATSAPP_CAPTION_MAX));

    long long max = 0;
    switch (f->type) {
    case MSG_IMAGE:
        max = WHATSAPP_IMAGE_MAX;
        if (strcmp(mime, "image/webp") == 0)
            add(&b, xstrdup(_("WhatsApp shows image/webp as a sticker, not an image")));
        else if (mime[0] && !one_of(mime, images))
            add(&b, xasprintf(_("WhatsApp does not take %s as an image"), mime));
        break;
    case MSG_VIDEO:
        max = WHATSAPP_VIDEO_MAX;
        if (mime[0] && !one_of(mime, videos))
            add(&b, xasprintf(_("WhatsApp does not take %s as a video"), mime));
        break;
    case MSG_AUDIO:
        max = WHATSAPP_AUDIO_MAX;
        if ((strcmp(mime, "audio/ogg") == 0 || strcmp(mime, "application/ogg") == 0) &&
            f->ogg_opus == 0)
            add(&b, xstrdup(_("WhatsApp plays Ogg audio only with the Opus codec")));
        else if (mime[0] && strcmp(mime, "application/ogg") != 0 && !one_of(mime, audios))
            add(&b, xasprintf(_("WhatsApp does not take %s as audio"), mime));
        break;
    case MSG_DOCUMENT:
        max = WHATSAPP_DOCUMENT_MAX;
        break;
    default:
        break;
    }
    if (max > 0 && f->size > max) {
        char limit[32];
        mb(max, limit, sizeof limit);
        /* TRANSLATORS: the first %s is the message type as sent on the wire (image, ...) */
        add(&b, xasprintf(_("%s of %lld bytes: WhatsApp takes at most %s"),
                          msg_type_name(f->type), f->size, limit));
    }
    return b.len ? buf_take(&b) : NULL;
}
