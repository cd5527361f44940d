/* spm_shim.h — a C ABI over libsentencepiece (C++), kept to what cimeter needs. */
#ifndef CIM_SPM_SHIM_H
#define CIM_SPM_SHIM_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef struct CimSpm CimSpm;
/* Loads a .model file; 0 or -1 with a message in err. */
int     cim_spm_load(const char *path, CimSpm **out, char *err, size_t errn);
/* Pieces of one line (no BOS/EOS), or -1 on error. Thread-safe (Encode is const). */
int64_t cim_spm_count(const CimSpm *spm, const char *line, size_t len);
/* The loaded model's ModelProto, serialized by libsentencepiece (malloc'd: free it). */
int     cim_spm_serialized(const CimSpm *spm, uint8_t **out, size_t *n);
/* Pieces in the model (GetPieceSize: every id, control and unknown pieces included). */
int     cim_spm_piece_size(const CimSpm *spm);
void    cim_spm_free(CimSpm *spm);
/* SentencePieceTrainer::Train with a flag string; 0 or -1 with a message. */
int     cim_spm_train(const char *flags, char *err, size_t errn);
#ifdef __cplusplus
}
#endif
#endif
