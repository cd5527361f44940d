#!/usr/bin/env bash
# mpi.sh — mpirun -np 2 and 3 give the bytes of one process (doc/scaling-out.md).
# Builds an MPI-enabled copy in $CIM_BUILD_ROOT/mpi-build (skip 77 without OpenMPI).
. "$(dirname "$0")/lib.sh"
command -v mpicc >/dev/null && command -v mpirun >/dev/null || { echo "mpicc/mpirun not found: skip"; exit 77; }
: "${CIM_SOURCE_ROOT:?}" "${CIM_BUILD_ROOT:?}"
B=$CIM_BUILD_ROOT/mpi-build
if [ ! -f "$B/build.ninja" ]; then
    meson setup "$B" "$CIM_SOURCE_ROOT" -Dmpi=enabled -Dtests=false -Dbuildtype=debugoptimized > "$TMP/setup.log" 2>&1 \
        || { tail -20 "$TMP/setup.log"; echo "meson setup with -Dmpi=enabled failed: skip"; exit 77; }
fi
ninja -C "$B" cimeter > "$TMP/build.log" 2>&1 || { tail -30 "$TMP/build.log"; fail "MPI build"; }
M=$B/cimeter
grep -q "CIM_HAVE_MPI 1" "$B/cim_config.h" || fail "MPI not enabled in $B"
mkdir -p "$TMP/corpus"
for i in 1 2 3 4 5; do for f in "$CIM_SAMPLE"/text/*; do cp "$f" "$TMP/corpus/$(basename "$f").$i"; done; done
: > "$TMP/corpus/empty"
cp -r "$CIM_SAMPLE/image" "$TMP/corpus/"       # errors or measured, as the build allows
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
MPIRUN="mpirun --oversubscribe --allow-run-as-root"
$M measure "${TOKS[@]}" -j 1 --per-file -o "$TMP/one.json" "$TMP/corpus"; rc1=$?
[ $rc1 -le 1 ] || fail "single process"
# Without a launcher the MPI build runs alone.
for np in 2 3; do
    $MPIRUN -np $np "$M" measure "${TOKS[@]}" -j 1 --per-file -o "$TMP/np$np.json" "$TMP/corpus" > "$TMP/mpi$np.log" 2>&1
    rc=$?
    [ $rc = $rc1 ] || { cat "$TMP/mpi$np.log"; fail "mpirun -np $np exit $rc (single: $rc1)"; }
    same_but_command "$TMP/one.json" "$TMP/np$np.json" || fail "mpirun -np $np differs from one process"
    echo "mpirun -np $np: identical to one process"
done
# Journals per rank: a rerun resumes each rank's share.
$MPIRUN -np 2 "$M" measure "${TOKS[@]}" --per-file --journal "$TMP/j" -o "$TMP/j1.json" "$TMP/corpus" > /dev/null 2>&1
[ -s "$TMP/j.0-of-2" ] && [ -s "$TMP/j.1-of-2" ] || fail "per-rank journals missing"
head -n 5 "$TMP/j.1-of-2" > "$TMP/jcut" && mv "$TMP/jcut" "$TMP/j.1-of-2"
$MPIRUN -np 2 "$M" measure "${TOKS[@]}" --per-file --journal "$TMP/j" -o "$TMP/j2.json" "$TMP/corpus" > /dev/null 2>&1
same_but_command "$TMP/one.json" "$TMP/j2.json" || fail "MPI resume differs"
# --shard with ranks is a usage error on every rank.
$MPIRUN -np 2 "$M" measure --shard 0/2 -o "$TMP/x.json" "$TMP/corpus" > /dev/null 2>&1; [ $? != 0 ] || fail "--shard under MPI accepted"
echo "mpi ok"
