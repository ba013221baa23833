/* WhatsApp's size and media rules (jelou-api.md section 7), as warnings, never refusals. */
#ifndef JELOU_WHATSAPP_H
#define JELOU_WHATSAPP_H

#include "jelou/message.h"

#define WHATSAPP_TEXT_MAX 4096       /* characters in a text body */
#define WHATSAPP_CAPTION_MAX 1024    /* characters in a media caption */
#define WHATSAPP_IMAGE_MAX (5LL * 1024 * 1024)
#define WHATSAPP_VIDEO_MAX (16LL * 1024 * 1024)
#define WHATSAPP_AUDIO_MAX (16LL * 1024 * 1024)
#define WHATSAPP_DOCUMENT_MAX (100LL * 1024 * 1024)

/* What is known of a message about to go: what is not known is not warned about. */
struct whatsapp_facts {
    enum msg_type type;
    const char *body;       /* text, or NULL */
    const char *caption;    /* or NULL */
    const char *mime;       /* the media's MIME type, or NULL */
    long long size;         /* the media's bytes, -1 unknown */
    int ogg_opus;           /* audio/ogg: 1 Opus, 0 another codec, -1 unknown */
};

/* The reasons WhatsApp would refuse or mangle it, one short line each joined with "; ",
 * translated; NULL when WhatsApp takes it. Other channels may allow more: the caller warns
 * and sends anyway. Newly allocated. */
char *whatsapp_warnings(const struct whatsapp_facts *f);

#endif
