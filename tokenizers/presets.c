/*
 * presets.c — names of real systems, each expanding to a spec string (doc/tokenizers.md).
 * The output records the expanded spec, never just the preset name.
 *
 * codebook: the number of codes one token of the real system is drawn from, so that its
 * capacity (tokens x log2 V, doc/records.md) is known; 0 for continuous encoders (ViT,
 * ViViT, Whisper, HuBERT) and for text presets, whose tokenizer reports its own vocabulary.
 * Sources, per entry, in doc/tokenizers.md ("Vocabulary and codebook sizes").
 */
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tokenizer.h"

static const CimPreset presets[] = {
    /* text */
    {"gpt2",               CIM_MOD_TEXT,  "text:tiktoken:r50k_base",  "GPT-2/GPT-3 (r50k_base)", 0},
    {"codex",              CIM_MOD_TEXT,  "text:tiktoken:p50k_base",  "Codex (p50k_base)", 0},
    {"gpt-4",              CIM_MOD_TEXT,  "text:tiktoken:cl100k_base", "GPT-4/GPT-3.5 (cl100k_base)", 0},
    {"gpt-4o",             CIM_MOD_TEXT,  "text:tiktoken:o200k_base", "GPT-4o (o200k_base)", 0},
    /* image */
    {"vit-b16",            CIM_MOD_IMAGE, "image:patch:p=16,resize=224x224,pad=ceil", "ViT-B/16 at 224x224 (196 tokens)", 0},
    {"chameleon",          CIM_MOD_IMAGE, "image:patch:p=16,resize=512x512,pad=ceil", "Chameleon VQ 512x512 (1024 tokens)", 8192},
    {"cosmos-di8",         CIM_MOD_IMAGE, "image:patch:p=8,resize=native,pad=ceil",   "Cosmos DI 8x8, native size", 64000},
    {"cosmos-di16",        CIM_MOD_IMAGE, "image:patch:p=16,resize=native,pad=ceil",  "Cosmos DI 16x16, native size", 64000},
    {"titok-l32",          CIM_MOD_IMAGE, "image:fixed:n=32",         "TiTok-L-32 (32 tokens per image)", 4096},
    /* video */
    {"vivit-2x16",         CIM_MOD_VIDEO, "video:tubelet:t=2,p=16,fps=native,resize=native", "ViViT tubelets 2x16x16", 0},
    {"cosmos-dv4x8x8",     CIM_MOD_VIDEO, "video:tubelet:t=4,p=8,fps=native,resize=native,causal", "Cosmos DV 4x8x8 (causal)", 64000},
    {"cosmos-dv8x8x8",     CIM_MOD_VIDEO, "video:tubelet:t=8,p=8,fps=native,resize=native,causal", "Cosmos DV 8x8x8 (causal)", 64000},
    {"cosmos-dv8x16x16",   CIM_MOD_VIDEO, "video:tubelet:t=8,p=16,fps=native,resize=native,causal", "Cosmos DV 8x16x16 (causal)", 64000},
    /* audio */
    {"whisper",            CIM_MOD_AUDIO, "audio:frame:hop=20,sr=16000,window=30", "Whisper encoder (20 ms, 30 s windows)", 0},
    {"hubert",             CIM_MOD_AUDIO, "audio:frame:hop=20,sr=16000", "HuBERT (20 ms frames at 16 kHz)", 0},
    {"encodec-24k-6kbps",  CIM_MOD_AUDIO, "audio:codec:rate=75,codebooks=8", "EnCodec 24 kHz 6 kbps (75 Hz x 8)", 1024},
    {"encodec-24k-1.5kbps",CIM_MOD_AUDIO, "audio:codec:rate=75,codebooks=2", "EnCodec 24 kHz 1.5 kbps (75 Hz x 2)", 1024},
    {"dac-44k",            CIM_MOD_AUDIO, "audio:codec:rate=44100/512,codebooks=9", "DAC 44.1 kHz (86.13 Hz x 9)", 1024},
    {"mimi",               CIM_MOD_AUDIO, "audio:codec:rate=25/2,codebooks=8", "Mimi (12.5 Hz x 8)", 2048},
    {"speechtokenizer",    CIM_MOD_AUDIO, "audio:codec:rate=50,codebooks=8", "SpeechTokenizer (50 Hz x 8)", 1024},
    {NULL, CIM_MOD_NONE, NULL, NULL, 0}
};

const CimPreset *cim_preset_list(void) { return presets; }

const CimPreset *cim_preset_find(const char *name)
{
    for (const CimPreset *p = presets; p->name; p++)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

const CimPreset *cim_preset_of_spec(const char *spec)
{
    const char *colon = strchr(spec, ':');
    if (!colon)
        return cim_preset_find(spec);
    if (strchr(colon + 1, ':'))
        return NULL;
    const CimPreset *p = cim_preset_find(colon + 1);
    int same_modality = p && !strncmp(spec, cim_modality_name(p->modality), (size_t)(colon - spec))
                        && cim_modality_name(p->modality)[colon - spec] == '\0';
    return same_modality ? p : NULL;
}

int cim_spec_expand(const char *spec, char **canon, CimErr *e)
{
    const char *name = spec, *colon = strchr(spec, ':');
    /* "vit-b16" or "image:vit-b16" (a preset), else "modality:name[:args]". */
    if (colon && !strchr(colon + 1, ':') && cim_preset_find(colon + 1))
        name = colon + 1;
    const CimPreset *p = (name != spec || !colon) ? cim_preset_find(name) : NULL;
    if (p && name != spec && strncmp(spec, cim_modality_name(p->modality), (size_t)(colon - spec)))
        return cim_err(e, CIM_ERR_USAGE, "preset %s is a %s tokenizer", name, cim_modality_name(p->modality));
    CIM_RETURN_IF(!p && !colon, e, CIM_ERR_USAGE,
                  "unknown tokenizer or preset '%s' (see `cimeter tokenizers`)", spec);
    *canon = strdup(p ? p->spec : spec);
    CIM_RETURN_IF(!*canon, e, CIM_ERR_NOMEM, "out of memory");
    return 0;
}
