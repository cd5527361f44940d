#!/usr/bin/env bash
# install_pkgconfig.sh — `meson install` lays out the library, header, pkg-config
# file, man page and CLI; a program builds against it with pkg-config alone.
. "$(dirname "$0")/lib.sh"
B=${CIM_BUILD_ROOT:?}
meson install -C "$B" --destdir "$T/root" --no-rebuild >"$T/log" 2>&1 || { cat "$T/log"; fail "meson install"; finish; }
prefix=$(meson introspect "$B" --buildoptions | "$PY" -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
libdir=$(meson introspect "$B" --buildoptions | "$PY" -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"][0])')
pc=$(find "$T/root" -name cimeter.pc | head -n1)
[ -n "$pc" ] && ok "cimeter.pc installed" || fail "no cimeter.pc"
[ -f "$T/root$prefix/include/cimeter.h" ] && ok "header installed" || fail "no header"
[ -f "$T/root$prefix/include/cimeter_fit.h" ] && ok "fit header installed" || fail "no fit header"
find "$T/root" -name 'cimeter.1*' | grep -q . && ok "man page installed" || fail "no man page"
cat > "$T/use.c" <<'C'
#include <cimeter.h>
#include <stdio.h>
int main(void) { printf("%s\n", cim_version()); return 0; }
C
export PKG_CONFIG_SYSROOT_DIR="$T/root" PKG_CONFIG_PATH=$(dirname "$pc")
# A sanitizer build's library needs the sanitizer runtime in the consumer too.
san=$(meson introspect "$B" --buildoptions | "$PY" -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"][0])')
sflags=(); [ "$san" = none ] || sflags=(-fsanitize="$san")
cc "${sflags[@]}" "$T/use.c" $(pkg-config --cflags --libs cimeter) -o "$T/use" 2>"$T/cc.err" && ok "builds with pkg-config" || { cat "$T/cc.err"; fail "cc with pkg-config"; }
LD_LIBRARY_PATH="$T/root$prefix/$libdir" "$T/use" | grep -q . && ok "runs" || fail "does not run"
finish
