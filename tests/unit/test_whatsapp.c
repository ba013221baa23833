/* Unit tests for WhatsApp's size and media rules: each limit at its edge, each type rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jelou/whatsapp.h"

static char *
repeat(const char *unit, size_t n)
{
    size_t len = strlen(unit);
    char *s = malloc(len * n + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * len, unit, len);
    s[len * n] = '\0';
    return s;
}

static void
check(const struct whatsapp_facts *f, const char *want)
{
    char *got = whatsapp_warnings(f);
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got, want);
    free(got);
}

static void
test_text_limit_counts_characters(void **state)
{
    (void)state;
    /* 4,096 two-byte characters are 8,192 bytes and still fine. */
    char *ok = repeat("ñ", 4096), *over = repeat("a", 4097);
    check(&(struct whatsapp_facts){.type = MSG_TEXT, .body = ok, .size = -1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_TEXT, .body = over, .size = -1},
          "text of 4097 characters: WhatsApp takes at most 4096");
    free(ok);
    free(over);
}

static void
test_caption_limit(void **state)
{
    (void)state;
    char *ok = repeat("é", 1024), *over = repeat("x", 1025);
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .caption = ok, .mime = "image/jpeg",
                                   .size = -1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_VIDEO, .caption = over, .mime = "video/mp4",
                                   .size = -1},
          "caption of 1025 characters: WhatsApp takes at most 1024");
    free(ok);
    free(over);
}

static void
test_media_types(void **state)
{
    (void)state;
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "image/png", .size = -1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "image/gif", .size = -1},
          "WhatsApp does not take image/gif as an image");
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "image/webp", .size = -1},
          "WhatsApp shows image/webp as a sticker, not an image");
    check(&(struct whatsapp_facts){.type = MSG_VIDEO, .mime = "video/webm", .size = -1},
          "WhatsApp does not take video/webm as a video");
    check(&(struct whatsapp_facts){.type = MSG_VIDEO, .mime = "video/3gpp", .size = -1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_AUDIO, .mime = "audio/mpeg", .size = -1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_AUDIO, .mime = "audio/ogg", .size = -1,
                                   .ogg_opus = 1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_AUDIO, .mime = "audio/ogg", .size = -1,
                                   .ogg_opus = 0},
          "WhatsApp plays Ogg audio only with the Opus codec");
    /* A MIME given by hand says nothing of the codec: nothing to warn about. */
    check(&(struct whatsapp_facts){.type = MSG_AUDIO, .mime = "audio/ogg", .size = -1,
                                   .ogg_opus = -1}, NULL);
    check(&(struct whatsapp_facts){.type = MSG_AUDIO, .mime = "audio/x-wav", .size = -1},
          "WhatsApp does not take audio/x-wav as audio");
    /* Parameters and case do not matter. */
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "Image/JPEG; q=1", .size = -1},
          NULL);
    /* Documents: anything goes but the size. */
    check(&(struct whatsapp_facts){.type = MSG_DOCUMENT, .mime = "application/zip",
                                   .size = -1}, NULL);
}

static void
test_sizes_at_the_edge(void **state)
{
    (void)state;
    long long mb = 1024 * 1024;
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "image/jpeg", .size = 5 * mb},
          NULL);
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "image/jpeg",
                                   .size = 5 * mb + 1},
          "image of 5242881 bytes: WhatsApp takes at most 5 MB");
    check(&(struct whatsapp_facts){.type = MSG_VIDEO, .mime = "video/mp4", .size = 16 * mb},
          NULL);
    check(&(struct whatsapp_facts){.type = MSG_AUDIO, .mime = "audio/aac",
                                   .size = 16 * mb + 1},
          "audio of 16777217 bytes: WhatsApp takes at most 16 MB");
    check(&(struct whatsapp_facts){.type = MSG_DOCUMENT, .mime = "application/pdf",
                                   .size = 100 * mb + 1},
          "document of 104857601 bytes: WhatsApp takes at most 100 MB");
}

static void
test_several_reasons_joined(void **state)
{
    (void)state;
    char *cap = calloc(1, 1100);
    memset(cap, 'c', 1099);
    check(&(struct whatsapp_facts){.type = MSG_IMAGE, .mime = "image/gif", .caption = cap,
                                   .size = 6 * 1024 * 1024},
          "caption of 1099 characters: WhatsApp takes at most 1024; "
          "WhatsApp does not take image/gif as an image; "
          "image of 6291456 bytes: WhatsApp takes at most 5 MB");
    free(cap);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_limit_counts_characters),
        cmocka_unit_test(test_caption_limit),
        cmocka_unit_test(test_media_types),
        cmocka_unit_test(test_sizes_at_the_edge),
        cmocka_unit_test(test_several_reasons_joined),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
