/*
 * tests/common/test-paths.c — common/paths.c: join, kinds, mkdir -p,
 * sorted listings without hidden entries, temporary sibling names, atomic
 * writes and small reads, suffixes in a tree, per-user paths (XDG), what
 * stands where a file should be (a folder, a FIFO, a link loop, a device),
 * manifest paths resolved with ".." and links, with their error cases.
 */
#include <config.h>

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/paths.h"
#include "tap.h"

static char tmp_dir[] = "/tmp/sb-test-paths-XXXXXX";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  return remove(path);
}

static void touch(const char *dir, const char *name)
{
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (f)
    fclose(f);
}

/* sb_path_check_file names what stands where a file should be. */
static void check_file_kinds(void)
{
  static const struct {
    const char *name, *want;
    sb_err err;
  } cases[] = {
    {"kinds/file.wav", NULL, SB_OK},
    {"kinds/missing.wav", "kinds/missing.wav: no such file", SB_ENOTFOUND},
    {"kinds/nofolder/x.wav", "no such file", SB_ENOTFOUND},
    {"kinds/file.wav/x.wav", "no such file", SB_ENOTFOUND},
    {"kinds/dir.wav", "kinds/dir.wav: is a directory, not a file", SB_EIO},
    {"kinds/fifo.wav", "kinds/fifo.wav: is a FIFO (named pipe), not a file", SB_EIO},
    {"kinds/loop.wav", "kinds/loop.wav: symbolic link loop", SB_EIO},
    {"kinds/dangling.wav", "no such file", SB_ENOTFOUND},
    {"kinds/link.wav", NULL, SB_OK},
  };
  char path[1024], target[1024];
  sb_msg msg;

  snprintf(path, sizeof path, "%s/kinds/dir.wav", tmp_dir);
  sb_path_mkdir_p(path, NULL);
  snprintf(path, sizeof path, "%s/kinds", tmp_dir);
  touch(path, "file.wav");
  snprintf(path, sizeof path, "%s/kinds/fifo.wav", tmp_dir);
  tap_ok(mkfifo(path, 0600) == 0, "fixture: a FIFO");
  snprintf(path, sizeof path, "%s/kinds/loop.wav", tmp_dir);
  tap_ok(symlink("loop.wav", path) == 0, "fixture: a link to itself");
  snprintf(path, sizeof path, "%s/kinds/dangling.wav", tmp_dir);
  tap_ok(symlink("nothing.wav", path) == 0, "fixture: a dangling link");
  snprintf(path, sizeof path, "%s/kinds/link.wav", tmp_dir);
  tap_ok(symlink("file.wav", path) == 0, "fixture: a link to a file");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    sb_msg_clear(&msg);
    snprintf(path, sizeof path, "%s/%s", tmp_dir, cases[i].name);
    sb_err err = sb_path_check_file(path, &msg);
    tap_ok(err == cases[i].err && (cases[i].want ? strstr(msg.text, cases[i].want) != NULL : !msg.text[0]),
           "check_file %s: %s", cases[i].name, msg.text);
  }
  tap_ok(sb_path_check_file("/dev/null", &msg) == SB_EIO && strstr(msg.text, "/dev/null: is a device"),
         "check_file of a device: %s", msg.text);
  tap_ok(sb_path_check_file(NULL, &msg) == SB_EINVAL, "check_file(NULL) is SB_EINVAL");
  snprintf(target, sizeof target, "%s/kinds", tmp_dir);
  if (geteuid() != 0 && chmod(target, 0600) == 0) {
    snprintf(path, sizeof path, "%s/kinds/file.wav", tmp_dir);
    tap_ok(sb_path_check_file(path, &msg) == SB_EIO && strstr(msg.text, "cannot be examined: Permission denied"),
           "check_file under a folder that cannot be searched: %s", msg.text);
    chmod(target, 0700);
  } else {
    tap_skip("a folder that cannot be searched (running as root; tests/runners/test-eval-dirs.sh drops root)");
  }
}

/* sb_path_resolve joins relative paths to the folder and makes the folder
 * part physical; the file name stays as written. */
static void check_resolve(void)
{
  char *real = realpath(tmp_dir, NULL), *p = NULL, want[2048], path[1024];
  bool ok;
  sb_msg msg;

  snprintf(path, sizeof path, "%s/res/a/b", tmp_dir);
  sb_path_mkdir_p(path, NULL);
  snprintf(path, sizeof path, "%s/res/to-b", tmp_dir);
  tap_ok(real && symlink("a/b", path) == 0, "fixture: res/to-b -> a/b");
  snprintf(path, sizeof path, "%s/res/a", tmp_dir);
  tap_ok(sb_path_resolve(path, "../a/./b/x.wav", "m.csv: line 2", &p, &msg) == SB_OK, "'..' and '.' resolve");
  snprintf(want, sizeof want, "%s/res/a/b/x.wav", real ? real : "");
  tap_ok(p && strcmp(p, want) == 0, "  to %s (%s)", want, p);
  free(p);
  snprintf(path, sizeof path, "%s/res", tmp_dir);
  tap_ok(sb_path_resolve(path, "to-b/../y.stem.mp4#3", "m.csv: line 3", &p, &msg) == SB_OK, "through a link");
  snprintf(want, sizeof want, "%s/res/a/y.stem.mp4#3", real ? real : "");
  tap_ok(p && strcmp(p, want) == 0, "  link/.. is the parent of the link's target, the name kept: %s", p);
  free(p);
  p = NULL;
  ok = sb_path_resolve(path, "gone/../z.wav", "m.csv: line 4", &p, &msg) == SB_OK && p &&
       strstr(p, "/res/gone/../z.wav") != NULL;
  tap_ok(ok, "a folder that does not exist stays as written: %s", p ? p : msg.text);
  free(p);
  p = NULL;
  ok = sb_path_resolve("/base", "/abs/q.wav", "w", &p, &msg) == SB_OK && p && strcmp(p, "/abs/q.wav") == 0;
  tap_ok(ok, "an absolute path with no such folder is kept: %s", p ? p : msg.text);
  free(p);
  p = NULL;
  tap_ok(sb_path_resolve(path, "", "m.csv: line 5", &p, &msg) == SB_EINVAL && !p && strstr(msg.text, "line 5"),
         "an empty path: %s", msg.text);
  tap_ok(sb_path_resolve(path, "a\tb.wav", "m.csv: line 6", &p, &msg) == SB_EINVAL && strstr(msg.text, "control"),
         "a control character: %s", msg.text);
  free(real);
}

int main(void)
{
  char *p = NULL, **names = NULL, buf[64], path[1024], expect[1024];
  int n = 0;
  size_t len;
  sb_msg msg;
  sb_err err;

  if (!mkdtemp(tmp_dir)) {
    tap_ok(0, "create a temporary directory");
    return tap_done();
  }
  tap_ok(sb_path_join("a/b", "c d.wav", &p) == SB_OK && strcmp(p, "a/b/c d.wav") == 0, "join adds one slash");
  free(p);
  tap_ok(sb_path_join("a/b/", "c", &p) == SB_OK && strcmp(p, "a/b/c") == 0, "join keeps a trailing slash single");
  free(p);
  tap_ok(sb_path_join("", "c", &p) == SB_OK && strcmp(p, "c") == 0, "join with an empty folder gives the name");
  free(p);

  snprintf(path, sizeof path, "%s/x/y z/&'(w)", tmp_dir);
  tap_ok(sb_path_mkdir_p(path, &msg) == SB_OK && sb_path_kind_of(path) == SB_PATH_DIR, "mkdir -p of a nested path");
  tap_ok(sb_path_mkdir_p(path, &msg) == SB_OK, "mkdir -p of an existing folder is fine");
  touch(tmp_dir, "file");
  snprintf(path, sizeof path, "%s/file/sub", tmp_dir);
  err = sb_path_mkdir_p(path, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "/file"), "mkdir -p through a file is SB_EIO: %s", msg.text);
  snprintf(path, sizeof path, "%s/file", tmp_dir);
  tap_ok(sb_path_kind_of(path) == SB_PATH_FILE && sb_path_kind_of(tmp_dir) == SB_PATH_DIR &&
             sb_path_kind_of("/dev/null") == SB_PATH_OTHER && sb_path_kind_of("/nonexistent") == SB_PATH_NONE &&
             sb_path_kind_of(NULL) == SB_PATH_NONE,
         "kinds: file, dir, other, none");

  touch(tmp_dir, "b");
  touch(tmp_dir, "B");
  touch(tmp_dir, "a b");
  touch(tmp_dir, ".hidden");
  err = sb_path_list(tmp_dir, SB_PATH_NONE, &names, &n, &msg);
  /* strcmp order: "B" (0x42) < "a b" < "b" < "file" < "x" */
  tap_ok(err == SB_OK && n == 5 && strcmp(names[0], "B") == 0 && strcmp(names[1], "a b") == 0 &&
             strcmp(names[2], "b") == 0 && strcmp(names[3], "file") == 0 && strcmp(names[4], "x") == 0,
         "listing is bytewise sorted and skips hidden names");
  sb_path_free_list(&names, n);
  tap_ok(names == NULL, "free_list NULLs the pointer");
  err = sb_path_list(tmp_dir, SB_PATH_DIR, &names, &n, &msg);
  tap_ok(err == SB_OK && n == 1 && strcmp(names[0], "x") == 0, "folders only");
  sb_path_free_list(&names, n);
  err = sb_path_list(tmp_dir, SB_PATH_FILE, &names, &n, &msg);
  tap_ok(err == SB_OK && n == 4, "files only");
  sb_path_free_list(&names, n);
  err = sb_path_list("/nonexistent/dir", SB_PATH_NONE, &names, &n, &msg);
  tap_ok(err == SB_EIO && names == NULL && n == 0 && strstr(msg.text, "/nonexistent/dir"),
         "listing a missing folder: %s", msg.text);

  tap_ok(sb_path_temp_sibling("d/vocals.wav", &p) == SB_OK, "temporary sibling");
  snprintf(expect, sizeof expect, "d/.vocals.tmp-%ld-%ld.wav", (long)getpid(), (long)gettid());
  tap_ok(p && strcmp(p, expect) == 0, "hidden, keeps the extension: %s", p);
  free(p);
  tap_ok(sb_path_temp_sibling(".complete", &p) == SB_OK, "temporary sibling of a dot file");
  snprintf(expect, sizeof expect, "..complete.tmp-%ld-%ld", (long)getpid(), (long)gettid());
  tap_ok(p && strcmp(p, expect) == 0, "dot file: %s", p);
  free(p);

  snprintf(path, sizeof path, "%s/marker", tmp_dir);
  tap_ok(sb_path_write_atomic(path, "hello\n", 6, &msg) == SB_OK, "atomic write");
  tap_ok(sb_path_read_small(path, buf, sizeof buf - 1, &len, &msg) == SB_OK && len == 6 && strcmp(buf, "hello\n") == 0,
         "read it back");
  tap_ok(sb_path_read_small(path, buf, 3, &len, &msg) == SB_ELENGTH, "longer than max_len is SB_ELENGTH");
  err = sb_path_list(tmp_dir, SB_PATH_FILE, &names, &n, &msg);
  tap_ok(err == SB_OK && n == 5, "no temporary file is left behind");
  sb_path_free_list(&names, n);
  snprintf(path, sizeof path, "%s/missing/marker", tmp_dir);
  err = sb_path_write_atomic(path, "x", 1, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "missing"), "atomic write into a missing folder: %s", msg.text);
  err = sb_path_read_small(path, buf, sizeof buf - 1, &len, &msg);
  tap_ok(err == SB_EIO && strstr(msg.text, "missing/marker"), "reading a missing file: %s", msg.text);

  tap_ok(sb_path_trim_slashes("a/b//", &p) == SB_OK && strcmp(p, "a/b") == 0, "trim_slashes: a/b// -> a/b");
  free(p);
  tap_ok(sb_path_trim_slashes("/", &p) == SB_OK && strcmp(p, "/") == 0, "trim_slashes keeps the root");
  free(p);
  tap_ok(sb_path_trim_slashes("", &p) == SB_OK && strcmp(p, "") == 0, "trim_slashes of an empty path");
  free(p);
  tap_ok(sb_path_has_suffix("a.stem.mp4", ".stem.mp4") && !sb_path_has_suffix(".wav", ".wav") &&
             !sb_path_has_suffix("wav", ".wav") && !sb_path_has_suffix("a.wav.txt", ".wav"),
         "has_suffix: longer than the suffix and ending with it");
  snprintf(path, sizeof path, "%s/x/y z", tmp_dir);
  touch(path, "deep.stem.mp4");
  touch(tmp_dir, ".hidden.stem.mp4");
  tap_ok(!sb_path_find_suffix(tmp_dir, ".stem.mp4", 1) && sb_path_find_suffix(tmp_dir, ".stem.mp4", 2),
         "find_suffix looks depth levels down, not into hidden names");
  tap_ok(sb_path_find_suffix(path, ".mp4", 0) && !sb_path_find_suffix(tmp_dir, "y z", 0) &&
             !sb_path_find_suffix("/nonexistent", ".wav", 3),
         "find_suffix: files only; a missing folder holds nothing");

  check_file_kinds();
  check_resolve();

  setenv("SB_TEST_OVERRIDE", "", 1);
  setenv("SB_TEST_XDG", "relative/dir", 1);
  setenv("HOME", "/home/u", 1);
  tap_ok(sb_path_xdg(path, sizeof path, "SB_TEST_OVERRIDE", "SB_TEST_XDG", ".cache", "sb/x") == SB_OK &&
             strcmp(path, "/home/u/.cache/sb/x") == 0,
         "xdg: an empty override and a relative XDG variable give way to HOME: %s", path);
  setenv("SB_TEST_XDG", "/xdg", 1);
  tap_ok(sb_path_xdg(path, sizeof path, NULL, "SB_TEST_XDG", ".cache", "sb/x") == SB_OK && strcmp(path, "/xdg/sb/x") == 0,
         "xdg: an absolute XDG variable: %s", path);
  setenv("SB_TEST_OVERRIDE", "/my/file", 1);
  tap_ok(sb_path_xdg(path, sizeof path, "SB_TEST_OVERRIDE", "SB_TEST_XDG", ".cache", "sb/x") == SB_OK &&
             strcmp(path, "/my/file") == 0,
         "xdg: the override wins as it is: %s", path);
  tap_ok(sb_path_xdg(buf, 4, "SB_TEST_OVERRIDE", "SB_TEST_XDG", ".cache", "sb/x") == SB_EINVAL, "xdg: too small");
  unsetenv("SB_TEST_OVERRIDE");
  unsetenv("SB_TEST_XDG");
  unsetenv("HOME");
  tap_ok(sb_path_xdg(path, sizeof path, "SB_TEST_OVERRIDE", "SB_TEST_XDG", ".cache", "sb/x") == SB_ENOTFOUND,
         "xdg: nothing set is SB_ENOTFOUND");

  tap_ok(nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "temporary folder removed");
  return tap_done();
}
