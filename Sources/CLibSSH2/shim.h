#ifndef DROVER_CLIBSSH2_SHIM_H
#define DROVER_CLIBSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <sys/eventfd.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <malloc.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

/* libssh2 1.10 keeps a 16 KiB receive buffer and a 35 KB send buffer inside every session and zeroes all 45 KB
   at creation, so each session cost 45 KB of resident memory (9 MB at 200 hosts) though a session running short
   commands only ever writes the first pages of each buffer. This hands the session's pages that are still all
   zero back to the kernel: they keep reading as zero, and a page comes back (zeroed) when it is first written.
   `session` must come from malloc (libssh2's default allocator). Returns the number of bytes handed back. */
static inline size_t drover_release_zero_pages(LIBSSH2_SESSION *session) {
    static const uint64_t zero[512];
    const uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    if (page == 0 || page > sizeof zero) return 0;
    const uintptr_t start = ((uintptr_t)session + page - 1) & ~(page - 1);
    const uintptr_t end = ((uintptr_t)session + malloc_usable_size(session)) & ~(page - 1);
    size_t released = 0;
    uintptr_t run = 0; /* start of the current run of zero pages, 0 if none */
    for (uintptr_t at = start; at + page <= end + page; at += page) {
        int zeroed = at + page <= end && memcmp((const void *)at, zero, page) == 0;
        if (zeroed && run == 0) run = at;
        if (!zeroed && run != 0) {
            if (madvise((void *)run, at - run, MADV_DONTNEED) == 0) released += at - run;
            run = 0;
        }
    }
    return released;
}

/* HMAC-SHA1 keyed once, checked many times: how a hashed known_hosts entry (`|1|salt|hash`) names its host.
   Both pads are hashed when the entry is read, so checking a host name costs two SHA-1 blocks and no
   allocation (OpenSSL 3's HMAC/EVP_MAC would fetch the digest and allocate on every call; a 1,000-line hashed
   file is checked once per host). The low-level SHA1 API is deprecated in OpenSSL 3, not removed. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
typedef struct { SHA_CTX inner; SHA_CTX outer; } drover_hmac_sha1_key;

static inline void drover_hmac_sha1_key_init(drover_hmac_sha1_key *key, const unsigned char *secret, size_t length) {
    unsigned char block[SHA_CBLOCK] = {0};
    if (length > SHA_CBLOCK) SHA1(secret, length, block); else memcpy(block, secret, length);
    unsigned char pad[SHA_CBLOCK];
    for (int i = 0; i < SHA_CBLOCK; i++) pad[i] = block[i] ^ 0x36;
    SHA1_Init(&key->inner);
    SHA1_Update(&key->inner, pad, SHA_CBLOCK);
    for (int i = 0; i < SHA_CBLOCK; i++) pad[i] = block[i] ^ 0x5c;
    SHA1_Init(&key->outer);
    SHA1_Update(&key->outer, pad, SHA_CBLOCK);
}

/* Whether HMAC-SHA1(key, message) equals `expected` (20 bytes). */
static inline int drover_hmac_sha1_equals(const drover_hmac_sha1_key *key, const void *message, size_t length,
                                          const unsigned char *expected) {
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA_CTX context = key->inner;
    SHA1_Update(&context, message, length);
    SHA1_Final(digest, &context);
    context = key->outer;
    SHA1_Update(&context, digest, SHA_DIGEST_LENGTH);
    SHA1_Final(digest, &context);
    return memcmp(digest, expected, SHA_DIGEST_LENGTH) == 0;
}
#pragma GCC diagnostic pop

#endif
