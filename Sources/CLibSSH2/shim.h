#ifndef DROVER_CLIBSSH2_SHIM_H
#define DROVER_CLIBSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <openssl/evp.h>

/* Constants that are macros of expressions Swift cannot import. */
static const long drover_libssh2_channel_window_default = 2 * 1024 * 1024;
static const long drover_libssh2_channel_packet_default = 32768;

/* The reactor's wake-up descriptor (eventfd's flags are not visible to Swift on every libc). */
static inline int drover_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

/* An ed25519 private key parsed once, from its 32-byte seed; NULL on failure. Free with EVP_PKEY_free. */
static inline EVP_PKEY *drover_ed25519_key(const unsigned char *seed) {
    return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
}

/* libssh2 sign callback: signs `data` with the EVP_PKEY in *abstract. The signature is malloc'ed because
   libssh2 frees it with its default allocator (free). Saves libssh2 re-parsing the key file per login. */
static inline int drover_ed25519_sign(LIBSSH2_SESSION *session, unsigned char **sig, size_t *sig_len,
                                      const unsigned char *data, size_t data_len, void **abstract) {
    (void)session;
    EVP_PKEY *key = (EVP_PKEY *)*abstract;
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    unsigned char *out = malloc(64);
    size_t length = 64;
    int ok = context && out && EVP_DigestSignInit(context, NULL, NULL, NULL, key) == 1
        && EVP_DigestSign(context, out, &length, data, data_len) == 1;
    EVP_MD_CTX_free(context);
    if (!ok) {
        free(out);
        return -1;
    }
    *sig = out;
    *sig_len = length;
    return 0;
}

#endif
