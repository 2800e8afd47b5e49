#include "ccurl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// libcurl's entry points, looked up once. Only the loader below touches libcurl: nothing links against it.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(load_error, sizeof load_error, "libcurl is not installed (libcurl.so.4: %s); on Debian: apt install libcurl4",
                 dlerror());
        return;
    }
#define LOOK(field, name)                                                                                      \
    *(void **)(&api.field) = dlsym(library, name);                                                             \
    if (!api.field) {                                                                                          \
        snprintf(load_error, sizeof load_error, "libcurl.so.4 lacks %s", name);                                \
        return;                                                                                                \
    }
    LOOK(global_init, "curl_global_init")
    LOOK(easy_init, "curl_easy_init")
    LOOK(easy_setopt, "curl_easy_setopt")
    LOOK(easy_perform, "curl_easy_perform")
    LOOK(easy_getinfo, "curl_easy_getinfo")
    LOOK(easy_cleanup, "curl_easy_cleanup")
    LOOK(slist_append, "curl_slist_append")
    LOOK(slist_free_all, "curl_slist_free_all")
#undef LOOK
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "libcurl failed to initialise");
    }
}

static size_t keep_start(char *data, size_t size, size_t count, void *context) {
    drover_curl_transfer *transfer = context;
    size_t length = size * count;
    size_t room = sizeof transfer->body - transfer->body_length;
    size_t kept = length < room ? length : room;
    memcpy(transfer->body + transfer->body_length, data, kept);
    transfer->body_length += kept;
    return length;  // read (and drop) the rest
}

static int check_cancel(void *context, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    (void)a, (void)b, (void)c, (void)d;
    return ((drover_curl_transfer *)context)->cancel ? 1 : 0;
}

int drover_curl_post(
    const char *url, const char *const *headers, size_t count, const char *body, size_t body_length,
    long timeout_ms, drover_curl_transfer *transfer, long *status, char *message, size_t message_size) {
    *status = 0;
    pthread_once(&load_once, load);
    if (load_error[0]) {
        snprintf(message, message_size, "%s", load_error);
        return DROVER_CURL_UNAVAILABLE;
    }
    CURL *handle = api.easy_init();
    if (!handle) {
        snprintf(message, message_size, "libcurl could not start a transfer");
        return DROVER_CURL_UNAVAILABLE;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < count; i++) list = api.slist_append(list, headers[i]);
    // No `Expect: 100-continue` wait before larger bodies.
    list = api.slist_append(list, "Expect:");

    api.easy_setopt(handle, CURLOPT_URL, url);
    api.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    api.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(handle, CURLOPT_POST, 1L);
    api.easy_setopt(handle, CURLOPT_POSTFIELDS, body);
    api.easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
    api.easy_setopt(handle, CURLOPT_HTTPHEADER, list);
    api.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    api.easy_setopt(handle, CURLOPT_WRITEFUNCTION, keep_start);
    api.easy_setopt(handle, CURLOPT_WRITEDATA, transfer);
    api.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    api.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, check_cancel);
    api.easy_setopt(handle, CURLOPT_XFERINFODATA, transfer);

    CURLcode result = transfer->cancel ? CURLE_ABORTED_BY_CALLBACK : api.easy_perform(handle);
    if (result == CURLE_OK) api.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, status);
    api.easy_cleanup(handle);
    api.slist_free_all(list);
    return (int)result;
}
