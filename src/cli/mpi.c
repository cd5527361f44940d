/*
 * mpi.c — measure under MPI (OpenMPI; built with -Dmpi=enabled).
 *
 * Rank r of N measures files r, r+N, ... of the sorted list
 * (cim_run_set_shard), so ranks need no communication while they work. Then
 * every rank serialises its records exactly (cim_run_export_records),
 * rank 0 receives them in rank order (in chunks below INT_MAX bytes), sorts
 * the union by path and reduces: the output is byte-identical to one process.
 * Only rank 0 writes results; every rank exits with the largest exit code.
 * MPI is initialised only when a launcher's environment is present, so the
 * same binary still runs alone without mpirun.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#include "cli/mpi.h"
#if CIM_HAVE_MPI
#include <mpi.h>

#define CHUNK (1 << 30)

int cim_mpi_init(int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK") && !getenv("PMI_SIZE"))
        return 0;
    int provided;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return 0;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 1;
}

int cim_mpi_gather(CimRun *run, int rc, int rank, int size, CimErr *e)
{
    char *buf = NULL;
    size_t len = 0;
    if (rc >= 0 && rank != 0) rc = cim_run_export_records(run, &buf, &len, e);
    uint64_t mine = rc < 0 ? UINT64_MAX : (uint64_t)len, *lens = NULL;
    if (rank == 0 && !(lens = malloc((size_t)size * sizeof *lens))) mine = UINT64_MAX;
    MPI_Gather(&mine, 1, MPI_UINT64_T, lens, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    int failed = 0;
    if (rank == 0) {
        for (int r = 0; r < size; r++)
            if (!lens || lens[r] == UINT64_MAX) failed = 1;
        if (failed && rc >= 0) {
            rc = CIM_ERR_INTERNAL;
            e->code = rc;
            snprintf(e->msg, sizeof e->msg, "an MPI rank failed; see its message");
        }
    }
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (failed) {
        free(buf);
        free(lens);
        return rc < 0 ? rc : CIM_ERR_INTERNAL;
    }
    if (rank != 0) {
        for (size_t off = 0; off < len; off += CHUNK)
            MPI_Send(buf + off, (int)(len - off < CHUNK ? len - off : CHUNK), MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        free(buf);
        return 0;
    }
    size_t total = 0;
    for (int r = 1; r < size; r++) total += lens[r];
    char *b = malloc(total ? total : 1);
    if (!b) MPI_Abort(MPI_COMM_WORLD, 2);   /* the senders would block forever */
    size_t at = 0;
    for (int r = 1; r < size; r++)
        for (size_t off = 0; off < lens[r]; off += CHUNK) {
            int n = (int)(lens[r] - off < CHUNK ? lens[r] - off : CHUNK);
            MPI_Recv(b + at, n, MPI_CHAR, r, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            at += (size_t)n;
        }
    if (rc >= 0) rc = cim_run_adopt_records(run, b, total, e);
    free(b);
    free(lens);
    return rc;
}

int cim_mpi_finish(int rc)
{
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return all;
}
#else
int cim_mpi_init(int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    return 0;
}
int cim_mpi_gather(CimRun *run, int rc, int rank, int size, CimErr *e) { return rc; }
int cim_mpi_finish(int rc) { return rc; }
#endif
