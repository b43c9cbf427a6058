/*
 * tests/schemas/fault_vfs.c — an SQLite VFS for the tests that fails the
 * way disks do.  It wraps the default VFS ("unix") and passes every call
 * through, but counts the xWrite calls of every file the process opens
 * (store, WAL, rollback journal; the WAL index is written through mmap
 * and is not counted) and, from write N on, makes them fail.
 *
 * It is linked only into tests/schemas/sepbench-faults, the sepbench
 * program built for `make check` (never installed): a constructor
 * registers it as the default VFS when the environment sets
 *   SB_TEST_STORE_FAULT=ioerr:N[:COUNT]  writes N .. N+COUNT-1 fail with
 *                                        SQLITE_IOERR_WRITE (a disk error);
 *                        full:N[:COUNT]  the same with SQLITE_FULL (no space);
 *                                        without COUNT every write from N on;
 *                        kill:N          the process sends itself SIGKILL
 *                                        just before write N (a crash at a
 *                                        chosen point, replayable);
 *   SB_TEST_STORE_WRITES=FILE            at exit, the number of writes the
 *                                        process made is written to FILE.
 * Writes are numbered from 1 in the order they reach the VFS; with several
 * threads that order is the order of the store's (serialised) calls.
 *
 * Follows the VFS interface of sqlite.org/c3ref/vfs.html and
 * sqlite.org/c3ref/io_methods.html (version 3 methods: WAL, mmap).
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

typedef enum fault_kind { FAULT_NONE, FAULT_IOERR, FAULT_FULL, FAULT_KILL } fault_kind;

static sqlite3_vfs *real_vfs;
static fault_kind kind;
static long first_fault, n_faults;
static long n_writes; /* updated with __atomic builtins */
static const char *writes_file;

/* An open file: our header, then the real VFS's file object. */
typedef struct fault_file {
  sqlite3_file base;
  sqlite3_file *real;
} fault_file;

#define REAL(f) (((fault_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
  return REAL(f)->pMethods->xClose(REAL(f));
}

static int f_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
  return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}

static int f_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
  long n = __atomic_add_fetch(&n_writes, 1, __ATOMIC_SEQ_CST);
  if (kind != FAULT_NONE && n >= first_fault && (n_faults <= 0 || n < first_fault + n_faults)) {
    if (kind == FAULT_KILL)
      raise(SIGKILL);
    errno = kind == FAULT_FULL ? ENOSPC : EIO;
    return kind == FAULT_FULL ? SQLITE_FULL : SQLITE_IOERR_WRITE;
  }
  return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
  return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int level)
{
  return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int f_unlock(sqlite3_file *f, int level)
{
  return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int f_check_reserved(sqlite3_file *f, int *out)
{
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_file_control(sqlite3_file *f, int op, void *arg)
{
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector_size(sqlite3_file *f)
{
  return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_device_characteristics(sqlite3_file *f)
{
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
  return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
  return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
  REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int delete_flag)
{
  return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int f_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **out)
{
  return REAL(f)->pMethods->xFetch(REAL(f), off, amt, out);
}

static int f_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
  return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods fault_methods = {
  3,           f_close,       f_read,         f_write,
  f_truncate,  f_sync,        f_file_size,    f_lock,
  f_unlock,    f_check_reserved, f_file_control, f_sector_size,
  f_device_characteristics, f_shm_map, f_shm_lock, f_shm_barrier,
  f_shm_unmap, f_fetch,       f_unfetch,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                  int *out_flags)
{
  fault_file *f = (fault_file *)file;
  int rc;
  (void)vfs;
  f->real = (sqlite3_file *)(f + 1);
  rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
  /* The real file's methods are version 3 too (unix VFS); without them
   * (a failed open) SQLite must not call ours. */
  f->base.pMethods = f->real->pMethods ? &fault_methods : NULL;
  return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
  (void)vfs;
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
  (void)vfs;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
  (void)vfs;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *vfs, const char *name)
{
  (void)vfs;
  return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
  (void)vfs;
  real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void)
{
  (void)vfs;
  return real_vfs->xDlSym(real_vfs, handle, symbol);
}

static void v_dlclose(sqlite3_vfs *vfs, void *handle)
{
  (void)vfs;
  real_vfs->xDlClose(real_vfs, handle);
}

static int v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
  (void)vfs;
  return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
  (void)vfs;
  return real_vfs->xSleep(real_vfs, us);
}

static int v_current_time(sqlite3_vfs *vfs, double *out)
{
  (void)vfs;
  return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_last_error(sqlite3_vfs *vfs, int n, char *out)
{
  (void)vfs;
  return real_vfs->xGetLastError(real_vfs, n, out);
}

static int v_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
  (void)vfs;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static sqlite3_vfs fault_vfs = {
  .iVersion = 2,
  .zName = "sb-fault",
  .xOpen = v_open,
  .xDelete = v_delete,
  .xAccess = v_access,
  .xFullPathname = v_full_pathname,
  .xDlOpen = v_dlopen,
  .xDlError = v_dlerror,
  .xDlSym = v_dlsym,
  .xDlClose = v_dlclose,
  .xRandomness = v_randomness,
  .xSleep = v_sleep,
  .xCurrentTime = v_current_time,
  .xGetLastError = v_last_error,
  .xCurrentTimeInt64 = v_current_time64,
};

static void report_writes(void)
{
  FILE *f = fopen(writes_file, "w");
  if (f) {
    fprintf(f, "%ld\n", __atomic_load_n(&n_writes, __ATOMIC_SEQ_CST));
    fclose(f);
  }
}

/* Parses KIND:N[:COUNT]; 0 when the text is not of that form. */
static int parse_fault(const char *text)
{
  static const struct {
    const char *name;
    fault_kind kind;
  } kinds[] = {{"ioerr", FAULT_IOERR}, {"full", FAULT_FULL}, {"kill", FAULT_KILL}};
  const char *colon = strchr(text, ':');
  char *end;
  if (!colon)
    return 0;
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
    if (strlen(kinds[k].name) == (size_t)(colon - text) &&
        strncmp(text, kinds[k].name, (size_t)(colon - text)) == 0)
      kind = kinds[k].kind;
  first_fault = strtol(colon + 1, &end, 10);
  if (*end == ':')
    n_faults = strtol(end + 1, &end, 10);
  return kind != FAULT_NONE && first_fault >= 1 && *end == '\0';
}

__attribute__((constructor)) static void fault_vfs_install(void)
{
  const char *fault = getenv("SB_TEST_STORE_FAULT");
  writes_file = getenv("SB_TEST_STORE_WRITES");
  if (!fault && !writes_file)
    return;
  if (fault && !parse_fault(fault)) {
    fprintf(stderr, "fault_vfs: SB_TEST_STORE_FAULT='%s': expected ioerr:N[:COUNT], "
                    "full:N[:COUNT] or kill:N\n", fault);
    _exit(99);
  }
  real_vfs = sqlite3_vfs_find(NULL);
  if (!real_vfs) {
    fprintf(stderr, "fault_vfs: no default SQLite VFS\n");
    _exit(99);
  }
  fault_vfs.szOsFile = (int)sizeof(fault_file) + real_vfs->szOsFile;
  fault_vfs.mxPathname = real_vfs->mxPathname;
  if (sqlite3_vfs_register(&fault_vfs, 1) != SQLITE_OK) {
    fprintf(stderr, "fault_vfs: cannot register the VFS\n");
    _exit(99);
  }
  if (writes_file)
    atexit(report_writes);
}
