// spm_shim.cc — extern "C" wrapper over libsentencepiece. No exceptions cross
// into C: every entry point catches and reports through its return value.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>
#include "spm_shim.h"

struct CimSpm {
    sentencepiece::SentencePieceProcessor sp;
};

static void put_err(char *err, size_t n, const std::string &msg)
{
    if (err && n) std::snprintf(err, n, "%s", msg.c_str());
}

extern "C" int cim_spm_load(const char *path, CimSpm **out, char *err, size_t errn)
{
    try {
        auto *s = new CimSpm;
        auto st = s->sp.Load(path);
        if (!st.ok()) {
            put_err(err, errn, st.ToString());
            delete s;
            return -1;
        }
        *out = s;
        return 0;
    } catch (const std::exception &ex) {
        put_err(err, errn, ex.what());
        return -1;
    }
}

extern "C" int64_t cim_spm_count(const CimSpm *spm, const char *line, size_t len)
{
    // One reusable id buffer per thread keeps the per-line call allocation-free.
    thread_local std::vector<int> ids;
    try {
        auto st = spm->sp.Encode(absl::string_view(line, len), &ids);
        return st.ok() ? (int64_t)ids.size() : -1;
    } catch (...) {
        return -1;
    }
}

extern "C" int cim_spm_serialized(const CimSpm *spm, uint8_t **out, size_t *n)
{
    try {
        const auto bytes = spm->sp.serialized_model_proto();
        *out = static_cast<uint8_t *>(std::malloc(bytes.size() ? bytes.size() : 1));
        if (!*out) return -1;
        std::memcpy(*out, bytes.data(), bytes.size());
        *n = bytes.size();
        return 0;
    } catch (...) {
        return -1;
    }
}

extern "C" int cim_spm_piece_size(const CimSpm *spm) { return spm->sp.GetPieceSize(); }

extern "C" void cim_spm_free(CimSpm *spm) { delete spm; }

extern "C" int cim_spm_train(const char *flags, char *err, size_t errn)
{
    try {
        auto st = sentencepiece::SentencePieceTrainer::Train(flags);
        if (!st.ok()) {
            put_err(err, errn, st.ToString());
            return -1;
        }
        return 0;
    } catch (const std::exception &ex) {
        put_err(err, errn, ex.what());
        return -1;
    }
}
