#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them directly.
static inline CURLcode gantry_curl_setopt_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode gantry_curl_setopt_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode gantry_curl_setopt_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}
typedef size_t (*gantry_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);
static inline CURLcode gantry_curl_setopt_callback(CURL *curl, CURLoption option, gantry_curl_data_callback value) {
    return curl_easy_setopt(curl, option, value);
}
static inline CURLcode gantry_curl_getinfo_long(CURL *curl, CURLINFO info, long *value) {
    return curl_easy_getinfo(curl, info, value);
}
static inline CURLcode gantry_curl_setopt_off_t(CURL *curl, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(curl, option, value);
}
typedef int (*gantry_curl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
static inline CURLcode gantry_curl_setopt_xferinfo(CURL *curl, CURLoption option, gantry_curl_xferinfo_callback value) {
    return curl_easy_setopt(curl, option, value);
}
// CURL_GLOBAL_DEFAULT is a macro expression; call it from C.
static inline CURLcode gantry_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
static inline CURLcode gantry_curl_getinfo_off_t(CURL *curl, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(curl, info, value);
}
