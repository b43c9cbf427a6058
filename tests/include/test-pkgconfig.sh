#!/bin/sh
# tests/include/test-pkgconfig.sh — sepbench.pc (from sepbench.pc.in) is a
# valid pkg-config file of the package's version whose --libs link the C
# API's library and whose --cflags build a plugin out of the tree: the example separator plugin and the test metric
# plugin compile against the public headers alone (includedir pointed at
# the source tree, as an installed copy would be) and export their entry
# points.  Emits TAP.
set -u
srcdir=${SB_TOP_SRCDIR:?SB_TOP_SRCDIR must point to the source directory}
builddir=${SB_TOP_BUILDDIR:?SB_TOP_BUILDDIR must point to the build directory}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-test-pc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
. "$(dirname "$0")/../tap.sh"
cc=${CC:-cc}
pc="pkg-config --define-variable=includedir=$srcdir/include"
export PKG_CONFIG_PATH="$builddir"

pkg-config --validate sepbench 2>"$tmp/v.err"
ok $? "pkg-config --validate sepbench: $(head -c 300 "$tmp/v.err")"
want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$builddir/config.h")
got=$(pkg-config --modversion sepbench 2>&1)
[ -n "$want" ] && [ "$got" = "$want" ]
ok $? "--modversion is the package's version (got '$got', config.h '$want')"
cflags=$($pc --cflags sepbench 2>&1)
[ "$(echo $cflags)" = "-I$srcdir/include" ]
ok $? "--cflags is -I\${includedir} (got '$cflags')"
libs=$(pkg-config --define-variable=libdir=/x/lib --libs sepbench 2>&1)
[ "$(echo $libs)" = "-L/x/lib -lsepbench" ]
ok $? "--libs is -L\${libdir} -lsepbench, the C API's library (got '$libs')"
static=$(pkg-config --static --libs sepbench 2>&1)
case " $static " in *" -lsepbench "*"-lsndfile "*) true ;; *) false ;; esac
ok $? "--static --libs adds the libraries libsepbench links (Libs.private; got '$(echo $static | head -c 200)')"

# config.h is the build's; out of the tree a plugin has none (an empty one
# stands in for it), and nothing else of the source tree is on the path.
: >"$tmp/config.h"
for plugin in backends/example_plugin.c:sepbench_backend_v1 tests/backends/rms_metric_plugin.c:sepbench_metric_v1; do
  file=${plugin%%:*}
  entry=${plugin#*:}
  $cc -std=gnu11 -shared -fPIC -Werror -Wall -I"$tmp" $cflags "$srcdir/$file" -o "$tmp/p.so" -lm 2>"$tmp/c.err"
  ok $? "$file builds as a plugin with the .pc's flags alone: $(head -c 300 "$tmp/c.err")"
  nm -D --defined-only "$tmp/p.so" 2>/dev/null | grep -q " T $entry\$"
  ok $? "$file's plugin exports $entry"
done
tap_done
