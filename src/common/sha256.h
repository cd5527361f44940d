/* sha256.h — SHA-256 of a file (OpenSSL EVP), for model and vocabulary files. */
#ifndef CIM_SHA256_H
#define CIM_SHA256_H
/* Writes 64 hex digits and a NUL into out; 0, or -1 when the file cannot be read. */
int cim_sha256_file(const char *path, char out[65]);
#endif
