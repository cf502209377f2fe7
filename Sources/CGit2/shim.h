#include <git2.h>
#include <git2/sys/odb_backend.h>

// git_libgit2_opts is variadic: Swift cannot call it directly.
static inline int gantry_git_set_strict_hash_verification(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}

static inline int gantry_git_set_fsync_gitdir(int enabled) {
    return git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, enabled);
}

#include <stdlib.h>

// A pack-writing backend that shows every byte of a pack to `scan` before the pack backend of
// `target` indexes it: gantryd checks a fetched pack's delta sizes (PackStreamScanner) before
// libgit2 resolves a delta. A non-zero `scan` stops the write. Only `writepack` is provided;
// libgit2 skips the backend for everything else.
typedef int (*gantry_pack_scan_cb)(const void *data, size_t size, void *payload);

typedef struct {
    git_odb_backend parent;
    git_odb *target;
    gantry_pack_scan_cb scan;  // NULL: pass bytes through unread
    void *payload;
} gantry_scanning_backend;

typedef struct {
    git_odb_writepack parent;
    git_odb_writepack *inner;
    gantry_scanning_backend *backend;
} gantry_scanning_writepack;

static inline int gantry_scanning_append(git_odb_writepack *writepack, const void *data, size_t size, git_indexer_progress *stats) {
    gantry_scanning_writepack *scanning = (gantry_scanning_writepack *)writepack;
    gantry_scanning_backend *backend = scanning->backend;
    if (backend->scan != NULL && backend->scan(data, size, backend->payload) != 0) {
        return GIT_EUSER;
    }
    return scanning->inner->append(scanning->inner, data, size, stats);
}

static inline int gantry_scanning_commit(git_odb_writepack *writepack, git_indexer_progress *stats) {
    gantry_scanning_writepack *scanning = (gantry_scanning_writepack *)writepack;
    return scanning->inner->commit(scanning->inner, stats);
}

static inline void gantry_scanning_writepack_free(git_odb_writepack *writepack) {
    gantry_scanning_writepack *scanning = (gantry_scanning_writepack *)writepack;
    scanning->inner->free(scanning->inner);
    free(scanning);
}

static inline int gantry_scanning_open_writepack(
    git_odb_writepack **out, git_odb_backend *backend, git_odb *odb, git_indexer_progress_cb progress, void *progress_payload) {
    (void)odb;
    gantry_scanning_backend *scanning = (gantry_scanning_backend *)backend;
    gantry_scanning_writepack *writepack = calloc(1, sizeof *writepack);
    if (writepack == NULL) return -1;
    int error = git_odb_write_pack(&writepack->inner, scanning->target, progress, progress_payload);
    if (error < 0) {
        free(writepack);
        return error;
    }
    writepack->parent.backend = backend;
    writepack->parent.append = gantry_scanning_append;
    writepack->parent.commit = gantry_scanning_commit;
    writepack->parent.free = gantry_scanning_writepack_free;
    writepack->backend = scanning;
    *out = &writepack->parent;
    return 0;
}

static inline void gantry_scanning_backend_free(git_odb_backend *backend) {
    gantry_scanning_backend *scanning = (gantry_scanning_backend *)backend;
    git_odb_free(scanning->target);
    free(scanning);
}

// Adds the scanning backend to `odb` ahead of its own; it takes `target` (freed with it) unless
// it returns NULL.
// Returns the backend, so that its `scan` can be cleared once the caller's payload is gone.
static inline gantry_scanning_backend *gantry_add_scanning_backend(git_odb *odb, git_odb *target, gantry_pack_scan_cb scan, void *payload) {
    gantry_scanning_backend *scanning = calloc(1, sizeof *scanning);
    if (scanning == NULL) return NULL;
    if (git_odb_init_backend(&scanning->parent, GIT_ODB_BACKEND_VERSION) < 0) {
        free(scanning);
        return NULL;
    }
    scanning->parent.writepack = gantry_scanning_open_writepack;
    scanning->parent.free = gantry_scanning_backend_free;
    scanning->target = target;
    scanning->scan = scan;
    scanning->payload = payload;
    if (git_odb_add_backend(odb, &scanning->parent, 1000) < 0) {
        free(scanning);
        return NULL;
    }
    return scanning;
}
