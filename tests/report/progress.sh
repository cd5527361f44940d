#!/usr/bin/env bash
# progress.sh — progress on stderr when it is a terminal, nothing when not (doc/cimeter.1).
. "$(dirname "$0")/lib.sh"
C=$CIMETER
command -v script >/dev/null || { echo "script(1) (util-linux) not found: skip"; exit 77; }
# Not a terminal: stderr stays empty on a clean run.
$C measure -t text:bytes -o "$TMP/a.json" "$CIM_SAMPLE/text" 2> "$TMP/err" || fail "measure"
[ ! -s "$TMP/err" ] || fail "output on a non-terminal stderr: $(head -c 200 "$TMP/err")"
$C measure -t text:bytes "$CIM_SAMPLE/text" > "$TMP/table" 2> "$TMP/err" || fail "measure (table)"
[ ! -s "$TMP/err" ] || fail "table run wrote to a non-terminal stderr"
# A terminal (a pty from script(1)): files done/total, bytes, MB/s and ETA.
n=$(find "$CIM_SAMPLE/text" -type f | wc -l)
script -qec "'$C' measure -t text:bytes -o '$TMP/b.json' '$CIM_SAMPLE/text'" /dev/null > "$TMP/tty" 2>&1 </dev/null \
    || fail "measure under script(1)"
tr '\r' '\n' < "$TMP/tty" > "$TMP/tty.lines"
grep -Eq "^$n/$n files +[0-9.]+ MB +[0-9.]+ MB/s +ETA" "$TMP/tty.lines" || { cat "$TMP/tty.lines" >&2; fail "no final progress line"; }
# --no-progress silences it on a terminal; --progress forces it elsewhere.
script -qec "'$C' measure --no-progress -t text:bytes -o '$TMP/c.json' '$CIM_SAMPLE/text'" /dev/null > "$TMP/tty2" 2>&1 </dev/null
! grep -q "MB/s" "$TMP/tty2" || fail "--no-progress printed progress"
$C measure --progress -t text:bytes -o "$TMP/d.json" "$CIM_SAMPLE/text" 2> "$TMP/err2"
grep -q "MB/s" "$TMP/err2" || fail "--progress printed nothing"
# Resumed from a journal, progress counts only the files left: here 1 of n.
$C measure -t text:bytes --journal "$TMP/j" -o "$TMP/e.json" "$CIM_SAMPLE/text" || fail "journal run"
head -n "$n" "$TMP/j" > "$TMP/j2"       # the header and n-1 records
script -qec "'$C' measure -t text:bytes --journal '$TMP/j2' -o '$TMP/f.json' '$CIM_SAMPLE/text'" /dev/null > "$TMP/tty3" 2>&1 </dev/null
tr '\r' '\n' < "$TMP/tty3" | grep -Eq "^1/1 files" || { cat "$TMP/tty3" >&2; fail "resumed progress does not count what is left"; }
cmp -s <(strip_command "$TMP/a.json") <(strip_command "$TMP/b.json") || fail "progress changed the result"
echo "progress ok"
