#!/usr/bin/env bash
# mpi.sh — archives, compressed streams and JSON Lines under mpirun -np 2 and 3 give
# the bytes of one process: members travel to rank 0 with their archive's records.
# Uses (or builds) the MPI-enabled copy in $CIM_BUILD_ROOT/mpi-build, as the report
# suite's MPI test does; skips (77) without OpenMPI.
set -u
command -v mpicc >/dev/null && command -v mpirun >/dev/null || { echo "mpicc/mpirun not found: skip"; exit 77; }
: "${CIM_SOURCE_ROOT:?}" "${CIM_BUILD_ROOT:?}" "${CIM_SAMPLE:?}"
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
B=$CIM_BUILD_ROOT/mpi-build
if [ ! -f "$B/build.ninja" ]; then
    meson setup "$B" "$CIM_SOURCE_ROOT" -Dmpi=enabled -Dtests=false -Dbuildtype=debugoptimized > "$T/setup.log" 2>&1 \
        || { tail -20 "$T/setup.log"; echo "meson setup with -Dmpi=enabled failed: skip"; exit 77; }
fi
ninja -C "$B" cimeter > "$T/build.log" 2>&1 || { tail -30 "$T/build.log"; fail "MPI build"; }
M=$B/cimeter
# The MPI copy is built without sanitizers: it must load its own libcimeter, not the
# one of an ASan build the test environment points at.
unset LD_LIBRARY_PATH
mkdir -p "$T/c/loose"
cp -r "$CIM_SAMPLE/text" "$CIM_SAMPLE/image" "$T/c/loose/"
tar -cf "$T/c/shard.tar" -C "$CIM_SAMPLE" image text
tar -czf "$T/c/shard.tar.gz" -C "$CIM_SAMPLE" text
gzip -c "$CIM_SAMPLE/text/kjv-genesis.txt" > "$T/c/kjv.txt.gz"
printf '{"text": "one"}\n{"text": "two \\u00e9"}\n' | gzip -c > "$T/c/docs.jsonl.gz"
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
args=(measure -t text:bytes -t text:chars -t vit-b16 --json-field text -j 1 --per-file)
"$M" "${args[@]}" -o "$T/one.json" "$T/c"; rc1=$?
[ $rc1 -le 1 ] || fail "single process exit $rc1"
for np in 2 3; do
    mpirun --oversubscribe --allow-run-as-root -np $np "$M" "${args[@]}" -o "$T/np$np.json" "$T/c" > "$T/log" 2>&1
    rc=$?
    [ $rc = $rc1 ] || { cat "$T/log"; fail "mpirun -np $np exit $rc (single: $rc1)"; }
    /usr/bin/python3 "$CIM_SOURCE_ROOT/tests/sources/same_json.py" "$T/one.json" "$T/np$np.json" \
        || fail "mpirun -np $np differs from one process"
    echo "mpirun -np $np: identical to one process"
done
grep -q '"archives"' "$T/one.json" || fail "no archives in the result"
echo "all checks passed"
