#ifndef DROVER_CLIBSSH2_SHIM_H
#define DROVER_CLIBSSH2_SHIM_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <sys/eventfd.h>

/* Constants that are macros of expressions Swift cannot import. */
static const long drover_libssh2_channel_window_default = 2 * 1024 * 1024;
static const long drover_libssh2_channel_packet_default = 32768;

/* The reactor's wake-up descriptor (eventfd's flags are not visible to Swift on every libc). */
static inline int drover_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

#endif
