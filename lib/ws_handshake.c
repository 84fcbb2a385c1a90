#include "camcast/ws_handshake.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/sha1.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

_Static_assert(BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE) == CC_WS_ACCEPT_LEN,
               "accept length is base64 of a SHA-1 digest");
_Static_assert(BASE64_ENCODE_RAW_LENGTH(CC_WS_KEY_RAW) == CC_WS_KEY_LEN,
               "key length is base64 of 16 bytes");

static bool key_valid(const char *key)
{
    struct base64_decode_ctx ctx;
    uint8_t raw[BASE64_DECODE_LENGTH(CC_WS_KEY_LEN)];
    size_t raw_len = 0;
    if (strlen(key) != CC_WS_KEY_LEN)
        return false;
    base64_decode_init(&ctx);
    return base64_decode_update(&ctx, &raw_len, raw, CC_WS_KEY_LEN, key) &&
           base64_decode_final(&ctx) && raw_len == CC_WS_KEY_RAW;
}

int cc_ws_accept(const char *key, char out[CC_WS_ACCEPT_LEN + 1])
{
    struct sha1_ctx sha;
    uint8_t digest[SHA1_DIGEST_SIZE];
    if (!key_valid(key))
        return -EINVAL;
    sha1_init(&sha);
    sha1_update(&sha, CC_WS_KEY_LEN, (const uint8_t *)key);
    sha1_update(&sha, sizeof WS_GUID - 1, (const uint8_t *)WS_GUID);
    sha1_digest(&sha, sizeof digest, digest);
    base64_encode_raw(out, sizeof digest, digest);
    out[CC_WS_ACCEPT_LEN] = '\0';
    return 0;
}

void cc_ws_key(const unsigned char raw[CC_WS_KEY_RAW], char out[CC_WS_KEY_LEN + 1])
{
    base64_encode_raw(out, CC_WS_KEY_RAW, raw);
    out[CC_WS_KEY_LEN] = '\0';
}
