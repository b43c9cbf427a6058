#!/bin/sh
# tests/setup/test-setup.sh — setup.sh installs what is missing as root
# (a fresh Debian 12 root shell has no sudo) and, as a user, through sudo;
# apt-get, dpkg-query and sudo are stubs on PATH that log their calls, so
# nothing is installed.  The user case runs as nobody (setpriv).
. "$(dirname "$0")/../tap.sh"
src=${SB_TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sb-setup-XXXXXX") || exit 1
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/nosudo"
cat >"$tmp/bin/dpkg-query" <<'STUB'
#!/bin/sh
# every package is installed but flite
for last; do :; done
[ "$last" = flite ] && exit 1
echo "install ok installed"
STUB
cat >"$tmp/bin/apt-get" <<STUB
#!/bin/sh
echo "apt-get uid=\$(id -u) \$*" >>"$tmp/log"
STUB
cat >"$tmp/bin/sudo" <<STUB
#!/bin/sh
echo "sudo \$*" >>"$tmp/log"
exec "\$@"
STUB
chmod 755 "$tmp/bin/"*
for t in dpkg-query apt-get; do ln -s "$tmp/bin/$t" "$tmp/nosudo/$t"; done
touch "$tmp/log" && chmod 666 "$tmp/log"

if [ "$(id -u)" -ne 0 ]; then
  ok 1 "the test runs as root (it switches to nobody for the user case)"
  tap_done
  exit
fi

# 1. root, no sudo on PATH: apt-get is called directly for the missing package
PATH="$tmp/nosudo:/usr/bin:/bin" sh "$src/setup.sh" deps >"$tmp/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "^apt-get uid=0 install .*flite" "$tmp/log" && ! grep -q "^sudo" "$tmp/log"
ok $? "as root without sudo: apt-get installs the missing package (exit $st; $(tr '\n' ' ' <"$tmp/log"))"

# 2. a user with sudo: apt-get goes through sudo, once per apt-get call
: >"$tmp/log"
setpriv --reuid=65534 --regid=65534 --clear-groups env PATH="$tmp/bin:/usr/bin:/bin" HOME="$tmp" \
  sh "$src/setup.sh" deps >"$tmp/out" 2>&1
st=$?
[ $st -eq 0 ] && grep -q "^sudo env DEBIAN_FRONTEND=noninteractive apt-get install .*flite" "$tmp/log" &&
  [ "$(grep -c '^sudo' "$tmp/log")" -eq 2 ]
ok $? "as a user: apt-get runs through sudo (exit $st; $(tr '\n' ' ' <"$tmp/log"))"

# 3. a user without sudo: one clear line, exit 1, nothing run
: >"$tmp/log"
setpriv --reuid=65534 --regid=65534 --clear-groups env PATH="$tmp/nosudo:/usr/bin:/bin" HOME="$tmp" \
  sh "$src/setup.sh" deps >"$tmp/out" 2>&1
st=$?
[ $st -eq 1 ] && grep -q "sudo is not installed: run ./setup.sh as root" "$tmp/out" && [ ! -s "$tmp/log" ]
ok $? "as a user without sudo: exit 1 with a message, nothing installed (exit $st)"

# 4. nothing missing: no apt-get at all
: >"$tmp/log"
printf '#!/bin/sh\necho "install ok installed"\n' >"$tmp/nosudo/dpkg-query.all"
rm "$tmp/nosudo/dpkg-query" && mv "$tmp/nosudo/dpkg-query.all" "$tmp/nosudo/dpkg-query" && chmod 755 "$tmp/nosudo/dpkg-query"
PATH="$tmp/nosudo:/usr/bin:/bin" sh "$src/setup.sh" deps >"$tmp/out" 2>&1
st=$?
[ $st -eq 0 ] && [ ! -s "$tmp/log" ] && grep -q "all Debian packages are installed" "$tmp/out"
ok $? "every package installed: apt-get is not called (exit $st)"
tap_done
