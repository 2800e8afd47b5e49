#ifndef DROVER_CCURL_H
#define DROVER_CCURL_H

#include <stddef.h>

/// One webhook POST through libcurl, which is loaded (dlopen) when the first one is sent, so the curl stack and
/// its TLS libraries stay out of every run that sends none.
typedef struct {
    /// The first bytes of the response body (for the error message of a refused notice).
    char body[512];
    size_t body_length;
    /// Set (to 1) from any thread to abort the transfer; the POST then returns DROVER_CURL_ABORTED.
    volatile int cancel;
} drover_curl_transfer;

/// libcurl could not be loaded: `drover_curl_post` returns this and `message` says why.
#define DROVER_CURL_UNAVAILABLE (-1)
/// CURLE_ABORTED_BY_CALLBACK: cancelled through `transfer->cancel`.
#define DROVER_CURL_ABORTED 42

/// POSTs `body` to `url` (http or https only, no redirects followed) with `headers` ("Name: value", `count`
/// of them), within `timeout_ms` for the whole exchange. Blocks the calling thread.
/// Returns 0 (CURLE_OK) with `*status` the HTTP status, or the CURLcode of the failure, or
/// DROVER_CURL_UNAVAILABLE with `message` filled in.
int drover_curl_post(
    const char *url, const char *const *headers, size_t count, const char *body, size_t body_length,
    long timeout_ms, drover_curl_transfer *transfer, long *status, char *message, size_t message_size);

#endif
