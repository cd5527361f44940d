/*
 * data.c — tokenizer data fetched at set-up (tiktoken rank files, tokenizer.json presets),
 * found and checked the same way for every tokenizer that ships some.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cim_config.h"
#include "common/err.h"
#include "common/sha256.h"
#include "tokenizer.h"

int cim_tok_file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int cim_tok_data_file(const char *rel, const char *sha256, const char *what, char *out, size_t n,
                      CimErr *e)
{
    const char *env = getenv("CIMETER_DATA_DIR");
    const char *dirs[2] = {CIM_SOURCE_DATA_DIR, CIM_INSTALL_DATA_DIR};
    int found = 0;
    if (env && *env) {
        snprintf(out, n, "%s/%s", env, rel);
        CIM_RETURN_IF(!cim_tok_file_exists(out), e, CIM_ERR_MODEL,
                      "%s %s not found (CIMETER_DATA_DIR=%s); run scripts/deps.sh to fetch it",
                      what, out, env);
        found = 1;
    }
    for (int i = 0; i < 2 && !found; i++) {
        snprintf(out, n, "%s/%s", dirs[i], rel);
        found = cim_tok_file_exists(out);
    }
    CIM_RETURN_IF(!found, e, CIM_ERR_MODEL,
                  "%s %s not found in %s or %s (or $CIMETER_DATA_DIR); "
                  "run scripts/deps.sh (it calls scripts/fetch-tokenizers.sh) to fetch it",
                  what, rel, dirs[0], dirs[1]);
    char hex[65];
    CIM_RETURN_IF(cim_sha256_file(out, hex) < 0, e, CIM_ERR_MODEL, "cannot read %s", out);
    CIM_RETURN_IF(strcmp(hex, sha256), e, CIM_ERR_MODEL,
                  "%s has SHA-256 %s, not the pinned %s; run scripts/deps.sh to fetch it again",
                  out, hex, sha256);
    return 0;
}
