/* mpi.h — `mpirun -np N cimeter measure ...` (doc/scaling-out.md). */
#ifndef CIM_CLI_MPI_H
#define CIM_CLI_MPI_H
#include "cimeter.h"

/* Initialises MPI when built with it (-Dmpi=enabled) and launched by mpirun
 * or srun; returns 1 then, with rank and size set; 0 otherwise (rank 0 of 1). */
int cim_mpi_init(int *rank, int *size);
/* Collective: every rank passes its measure result rc (< 0 = failed); rank 0
 * receives the other ranks' records and reduces them with its own. Returns
 * < 0 on every rank when any rank failed (e says which on rank 0). */
int cim_mpi_gather(CimRun *run, int rc, int rank, int size, CimErr *e);
/* Collective: the largest exit code of all ranks; finalises MPI. */
int cim_mpi_finish(int rc);
#endif
