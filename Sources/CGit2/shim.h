#include <git2.h>
#include <git2/sys/odb_backend.h>

// git_libgit2_opts is variadic: Swift cannot call it directly.
static inline int gantry_git_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}
