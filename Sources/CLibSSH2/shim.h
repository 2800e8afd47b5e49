#ifndef DROVER_CLIBSSH2_SHIM_H
#define DROVER_CLIBSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
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

/* What the reactor knows about one session's socket beyond what libssh2 says. libssh2 reads and writes through
   drover_recv and drover_send (below), which keep it; it is the session's `abstract`. */
typedef struct {
    /* Bytes drover_recv may still hand libssh2 before it answers EAGAIN, until the reactor refills it for its next
       turn. libssh2 1.10 loops inside one call for as long as bytes keep coming (a server's first line that never
       ends is read a byte per recv, 256 at a time, looking for "SSH-"; a transport read drains the socket until it
       is empty), so without this a peer that sends without end keeps the reactor thread, and every other host,
       waiting. Each recv costs at least DROVER_RECV_MIN_COST, so a turn is bounded in calls too. */
    long budget;
    /* drover_recv answered EAGAIN because the budget ran out: bytes may be waiting on the socket. */
    int starved;
    /* errno of the last recv or send that failed (ECONNRESET, ETIMEDOUT, …); 0 when none did. */
    int socket_errno;
    /* The peer closed the connection (recv returned 0). */
    int peer_closed;
    /* Bytes received in all. */
    unsigned long long received;
    /* The first bytes the server sent: its identification line, or what it sent instead. */
    unsigned char first[320];
    unsigned int first_length;
} drover_session_io;

/* What one recv costs the budget at least: a peer feeding libssh2 a byte per call gets 256 calls per MiB. */
#define DROVER_RECV_MIN_COST 4096

/* libssh2's recv callback: recv(2) within the session's budget, keeping the accounting above. */
static inline ssize_t drover_recv(libssh2_socket_t socket, void *buffer, size_t length, int flags, void **abstract) {
    drover_session_io *io = (drover_session_io *)*abstract;
    if (io->budget <= 0) {
        io->starved = 1;
        return -EAGAIN;
    }
    if (length > (size_t)io->budget) length = (size_t)io->budget;
    ssize_t count = recv(socket, buffer, length, flags);
    if (count < 0) {
        int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) return -EAGAIN;
        io->socket_errno = error;
        return -error;
    }
    if (count == 0) {
        io->peer_closed = 1;
        return 0;
    }
    io->budget -= count < DROVER_RECV_MIN_COST ? DROVER_RECV_MIN_COST : count;
    if (io->first_length < sizeof io->first) {
        size_t room = sizeof io->first - io->first_length;
        size_t take = (size_t)count < room ? (size_t)count : room;
        memcpy(io->first + io->first_length, buffer, take);
        io->first_length += (unsigned int)take;
    }
    io->received += (unsigned long long)count;
    return count;
}

/* libssh2's send callback: send(2), keeping the errno of a failure. */
static inline ssize_t drover_send(libssh2_socket_t socket, const void *buffer, size_t length, int flags,
                                  void **abstract) {
    drover_session_io *io = (drover_session_io *)*abstract;
    ssize_t count = send(socket, buffer, length, flags);
    if (count < 0) {
        int error = errno;
        if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR) return -EAGAIN;
        io->socket_errno = error;
        return -error;
    }
    return count;
}

/* A new session that reads and writes through drover_recv and drover_send with `io`; NULL when out of memory. */
static inline LIBSSH2_SESSION *drover_session_new(drover_session_io *io) {
    LIBSSH2_SESSION *session = libssh2_session_init_ex(NULL, NULL, NULL, io);
    if (session) {
        libssh2_session_callback_set(session, LIBSSH2_CALLBACK_RECV, (void *)drover_recv);
        libssh2_session_callback_set(session, LIBSSH2_CALLBACK_SEND, (void *)drover_send);
    }
    return session;
}

/* The name of a libssh2 error code (LIBSSH2_ERROR_SOCKET_RECV), NULL for a code libssh2 1.10 does not define. */
static inline const char *drover_libssh2_error_name(int code) {
#define DROVER_ERROR_NAME(name) \
    case name: return #name;
    switch (code) {
        DROVER_ERROR_NAME(LIBSSH2_ERROR_NONE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SOCKET_NONE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_BANNER_RECV)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_BANNER_SEND)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_INVALID_MAC)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_KEX_FAILURE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_ALLOC)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SOCKET_SEND)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_KEY_EXCHANGE_FAILURE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_TIMEOUT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_HOSTKEY_INIT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_HOSTKEY_SIGN)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_DECRYPT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SOCKET_DISCONNECT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_PROTO)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_PASSWORD_EXPIRED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_FILE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_METHOD_NONE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_AUTHENTICATION_FAILED) /* = LIBSSH2_ERROR_PUBLICKEY_UNRECOGNIZED */
        DROVER_ERROR_NAME(LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_OUTOFORDER)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_FAILURE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_UNKNOWN)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_WINDOW_EXCEEDED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_CLOSED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_EOF_SENT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SCP_PROTOCOL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_ZLIB)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SOCKET_TIMEOUT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SFTP_PROTOCOL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_REQUEST_DENIED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_METHOD_NOT_SUPPORTED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_INVAL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_INVALID_POLL_TYPE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_PUBLICKEY_PROTOCOL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_EAGAIN)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_BUFFER_TOO_SMALL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_BAD_USE)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_COMPRESS)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_OUT_OF_BOUNDARY)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_AGENT_PROTOCOL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_SOCKET_RECV)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_ENCRYPT)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_BAD_SOCKET)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_KNOWN_HOSTS)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_CHANNEL_WINDOW_FULL)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_KEYFILE_AUTH_FAILED)
        DROVER_ERROR_NAME(LIBSSH2_ERROR_RANDGEN)
    default: return NULL;
    }
#undef DROVER_ERROR_NAME
}

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
