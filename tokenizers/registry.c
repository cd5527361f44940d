/*
 * registry.c — every tokenizer front-end, one extern line each.
 * A new tokenizer is one new file, its extern line and its table line here, and one line in
 * meson.build.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cim_config.h"
#include "common/err.h"
#include "common/sha256.h"
#include "tokenizer.h"

extern const CimTokenizer cim_tok_bytes;
extern const CimTokenizer cim_tok_chars;
extern const CimTokenizer cim_tok_tiktoken;
#if CIM_HAVE_SPM
extern const CimTokenizer cim_tok_spm;
extern const CimTokenizer cim_tok_hf;
#endif
extern const CimTokenizer cim_tok_patch;
extern const CimTokenizer cim_tok_fixed;
extern const CimTokenizer cim_tok_adaptive;
extern const CimTokenizer cim_tok_frame;
extern const CimTokenizer cim_tok_codec;
extern const CimTokenizer cim_tok_vad;
#if CIM_HAVE_AV
extern const CimTokenizer cim_tok_tubelet;
extern const CimTokenizer cim_tok_rlt;
#endif

static const CimTokenizer *const tokenizers[] = {
    &cim_tok_bytes,
    &cim_tok_chars,
    &cim_tok_tiktoken,
#if CIM_HAVE_SPM
    &cim_tok_spm,
    &cim_tok_hf,
#endif
    &cim_tok_patch,
    &cim_tok_fixed,
    &cim_tok_adaptive,
    &cim_tok_frame,
    &cim_tok_codec,
    &cim_tok_vad,
#if CIM_HAVE_AV
    &cim_tok_tubelet,
    &cim_tok_rlt,
#endif
    NULL
};

const CimTokenizer *const *cim_tokenizer_list(void) { return tokenizers; }

const CimTokenizer *cim_tokenizer_find(CimModality m, const char *name)
{
    for (const CimTokenizer *const *t = tokenizers; *t; t++)
        if ((*t)->modality == m && !strcmp((*t)->name, name))
            return *t;
    return NULL;
}

/* Defaults for `measure` without -t: one sensible tokenizer per modality, if built. */
const char *cim_tokenizer_default(CimModality m)
{
    static const char *const prefs[CIM_MOD_COUNT][3] = {
        [CIM_MOD_TEXT]  = {"text:tiktoken:cl100k_base", "text:bytes", NULL},
        [CIM_MOD_IMAGE] = {"image:vit-b16", NULL},
        [CIM_MOD_VIDEO] = {"video:cosmos-dv8x16x16", NULL},
        [CIM_MOD_AUDIO] = {"audio:encodec-24k-6kbps", NULL},
    };
    for (int i = 0; m >= 0 && m < CIM_MOD_COUNT && prefs[m][i]; i++) {
        CimTokInstance ti;
        CimErr e;
        if (cim_tok_instance_init(&ti, prefs[m][i], &e) == 0) {
            cim_tok_instance_free(&ti);
            return prefs[m][i];
        }
    }
    return NULL;
}

int cim_tok_instance_init(CimTokInstance *ti, const char *spec, CimErr *e)
{
    memset(ti, 0, sizeof *ti);
    char *canon = NULL;
    CIM_CHECK(cim_spec_expand(spec, &canon, e));
    /* canon = "modality:name[:args]" */
    char *c1 = strchr(canon, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1) { free(canon); return cim_err(e, CIM_ERR_USAGE, "bad tokenizer spec '%s'", spec); }
    *c1 = 0;
    if (c2) *c2 = 0;
    CimModality m = cim_modality_from_name(canon);
    const CimTokenizer *t = m == CIM_MOD_NONE ? NULL : cim_tokenizer_find(m, c1 + 1);
    if (!t) {
        int r = cim_err(e, CIM_ERR_USAGE, "unknown tokenizer '%s' (see `cimeter tokenizers`)", spec);
        free(canon);
        return r;
    }
    const char *args = c2 ? c2 + 1 : "";
    char canon_args[2048] = "", model[4096] = "";
    ti->tok = t;
    ti->conf = calloc(1, t->conf_size ? t->conf_size : 1);
    ti->requested = strdup(spec);
    int rc = (!ti->conf || !ti->requested) ? cim_err(e, CIM_ERR_NOMEM, "out of memory") : 0;
    if (!rc)
        rc = cim_opt_parse(ti->conf, t->options, t->shorthand, args, e);
    if (!rc && t->init)
        rc = t->init(ti->conf, canon_args, sizeof canon_args, model, sizeof model, e);
    if (!rc && !canon_args[0] && t->options &&
        cim_opt_canon(ti->conf, t->options, canon_args, sizeof canon_args) < 0)
        rc = cim_err(e, CIM_ERR_USAGE, "spec too long");
    if (!rc && model[0])
        rc = cim_sha256_file(model, ti->sha256) < 0
           ? cim_err(e, CIM_ERR_MODEL, "cannot read model file %s", model) : 0;
    if (!rc) {
        /* V: the tokenizer's own (vocabulary, codebook= option), else the preset's codebook. */
        const CimPreset *preset = cim_preset_of_spec(spec);
        ti->vocab = t->vocab_size ? t->vocab_size(ti->conf) : 0;
        if (!ti->vocab && preset)
            ti->vocab = preset->codebook;
    }
    if (!rc) {
        size_t len = strlen(canon) + strlen(t->name) + strlen(canon_args) + 3;
        ti->spec = malloc(len);
        if (!ti->spec)
            rc = cim_err(e, CIM_ERR_NOMEM, "out of memory");
        else
            snprintf(ti->spec, len, canon_args[0] ? "%s:%s:%s" : "%s:%s", canon, t->name, canon_args);
    }
    free(canon);
    if (rc < 0) {
        /* Prefix the spec so a message from deep inside names what was asked. */
        if (e && !strstr(e->msg, spec)) {
            char tmp[2 * sizeof e->msg];
            snprintf(tmp, sizeof tmp, "%s: %s", spec, e->msg);
            snprintf(e->msg, sizeof e->msg, "%.*s", (int)sizeof e->msg - 1, tmp);
        }
        cim_tok_instance_free(ti);
    }
    return rc;
}

double cim_capacity_bits(uint64_t tokens, uint64_t vocab)
{
    /* log2 of the integer V as a double (glibc's log2), times the token count as a double:
     * exact for V a power of two and tokens below 2^53; otherwise within a few ulps. */
    return vocab ? (double)tokens * log2((double)vocab) : NAN;
}

void cim_tok_instance_free(CimTokInstance *ti)
{
    if (!ti) return;
    if (ti->conf && ti->tok) {
        if (ti->tok->uninit) ti->tok->uninit(ti->conf);
        cim_opt_free(ti->conf, ti->tok->options);
    }
    free(ti->conf);
    free(ti->spec);
    free(ti->requested);
    memset(ti, 0, sizeof *ti);
}

void cim_list_tokenizers(FILE *f)
{
    fprintf(f, "Tokenizers (spec: MODALITY:NAME[:k=v,...]):\n");
    for (const CimTokenizer *const *t = tokenizers; *t; t++) {
        fprintf(f, "  %s:%-10s %s\n", cim_modality_name((*t)->modality), (*t)->name, (*t)->help);
        for (const CimOption *o = (*t)->options; o && o->name; o++) {
            int text_default = o->type == CIM_OPT_STRING || o->type == CIM_OPT_RATIONAL
                               || o->type == CIM_OPT_DECIMAL;
            if (text_default)
                fprintf(f, "      %-10s %s%s%s%s\n", o->name, o->help, o->def_str ? " (default " : "",
                        o->def_str ? o->def_str : "", o->def_str ? ")" : "");
            else if (o->type == CIM_OPT_FLAG)
                fprintf(f, "      %-10s %s (flag)\n", o->name, o->help);
            else
                fprintf(f, "      %-10s %s (default %g)\n", o->name, o->help, o->def);
        }
    }
    fprintf(f, "\nPresets (real systems; expand to the spec shown):\n");
    for (const CimPreset *p = cim_preset_list(); p->name; p++) {
        int built = 0;
        char *c1 = strchr(p->spec, ':');
        if (c1) {
            char name[64];
            const char *c2 = strchr(c1 + 1, ':');
            size_t len = c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1);
            if (len < sizeof name) {
                memcpy(name, c1 + 1, len);
                name[len] = 0;
                built = cim_tokenizer_find(p->modality, name) != NULL;
            }
        }
        fprintf(f, "  %-22s %-45s %s%s\n", p->name, p->spec, p->help, built ? "" : " [not built]");
    }
    fprintf(f, "\nDefaults (measure without -t):\n");
    for (int m = 0; m < CIM_MOD_COUNT; m++) {
        const char *d = cim_tokenizer_default((CimModality)m);
        fprintf(f, "  %-6s %s\n", cim_modality_name((CimModality)m), d ? d : "(none built: files are skipped)");
    }
}
