/*
 * ogg_count.c — exact sample counts of Ogg Vorbis and Ogg Opus files without
 * decoding (doc/tokenizers.md: the fast path must equal the full decode).
 *
 * N is what libsndfile 1.2 delivers when it decodes the file, and that is not
 * the last granule position. libsndfile hands every packet of the stream to
 * the codec and then cuts what sf_readf_short() returns at sf.frames, a
 * length it computes once when opening:
 *  - Vorbis: libvorbis delivers (previous + current block size) / 4 samples
 *    per audio packet after the first, trims the start when the first
 *    granule position is smaller than what the first page decodes to, trims
 *    the end when the end-of-stream packet's granule position is smaller
 *    than its running count, and otherwise "believes the bitstream" without
 *    changing the count (a stream that starts at a non-zero granule is not
 *    trimmed: it decodes to all its samples). sf.frames is the last
 *    granule position minus the offset libsndfile derives from the first
 *    audio page. N = min(delivered, sf.frames); on real files the two
 *    differ when the granule positions disagree with the blocks (a cut or
 *    re-muxed stream): the last granule alone is then wrong.
 *  - Opus: at 48000 / f Hz (f from the header's input rate), each packet
 *    gives its sample count, the pre-skip is dropped from the start and the
 *    end-of-stream page's granule position cuts the end; sf.frames is
 *    (last granule - first offset - pre-skip) / f.
 * The replay here runs the same libogg calls libsndfile makes, in the same
 * order, and stands in for synthesis with what decides the count without
 * producing samples: vorbis_synthesis_trackonly() (libvorbis's own packet
 * check, the one vorbis_synthesis() makes) plus the sample bookkeeping of
 * vorbis_synthesis_blockin(); opus_packet_parse() and
 * opus_packet_get_nb_samples() for Opus.
 *
 * Everything the replay does not cover is refused, and the file decodes:
 * bytes that are not pages (junk, a bad CRC, a cut page), a page of another
 * logical stream (chained or multiplexed files: libsndfile reads the first
 * stream only and looks for its end in ways that depend on the neighbours),
 * a hole in the page sequence, a stream that does not end with its
 * end-of-stream page at the end of the file, extra packets after the headers,
 * the cases where libsndfile reports an error (no granule on the first audio
 * page, a granule smaller than the page's samples), an Opus stream with more
 * than one elementary stream (channel mapping family other than 0), an
 * empty or unparsable Opus packet (libopus would conceal it, or fail), and a
 * last granule position that libsndfile's backward search (the last 64 KiB)
 * would not find in its first step.
 */
#include "cim_config.h"
#include "decode/ogg_count.h"

#if CIM_HAVE_OGG_COUNT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <ogg/ogg.h>
#include <opus/opus.h>
#include <vorbis/codec.h>

#define READ_STEP        65536u
#define FIRST_PAGE_MAX   4000u    /* libsndfile reads the first page from the first 4 KiB */
#define LAST_SEARCH      65536u   /* libsndfile's first step back from the end for the last granule */
#define BATCH_MAX        255      /* packets libsndfile takes from one page */

typedef struct OggScan {
    FILE            *f;
    uint64_t         size;
    ogg_sync_state   sync;
    ogg_stream_state stream;
    ogg_page         page;          /* the last page read */
    uint64_t         pos;           /* file offset of the next page */
    int              serial;
    int              started;       /* the first page has been read */
    int              eos_seen;
    int64_t          last_gp;       /* granule of the last page that has one, -1 none */
    uint64_t         last_gp_off;   /* that page's offset */
    ogg_packet       pk[BATCH_MAX];
    int              npk;
} OggScan;

/* The next page of the file into the stream: 1, 0 at a clean end of file,
 * -1 for anything that is not a contiguous page of the one logical stream. */
static int next_page(OggScan *s)
{
    for (;;) {
        long r = ogg_sync_pageseek(&s->sync, &s->page);
        if (r < 0) return -1;            /* bytes skipped: junk or a bad CRC */
        if (r > 0) break;
        char *b = ogg_sync_buffer(&s->sync, READ_STEP);
        if (!b) return -1;
        size_t got = fread(b, 1, READ_STEP, s->f);
        if (got == 0) {
            /* A partial page left over is a cut file. */
            return s->sync.fill > s->sync.returned || ferror(s->f) ? -1 : 0;
        }
        ogg_sync_wrote(&s->sync, (long)got);
    }
    uint64_t len = (uint64_t)s->page.header_len + (uint64_t)s->page.body_len;
    if (!s->started) {
        if (!ogg_page_bos(&s->page) || len > FIRST_PAGE_MAX) return -1;
        s->serial = ogg_page_serialno(&s->page);
        ogg_stream_reset_serialno(&s->stream, s->serial);
        s->started = 1;
    } else if (ogg_page_serialno(&s->page) != s->serial || s->eos_seen || ogg_page_bos(&s->page)) {
        return -1;   /* another logical stream, or pages past the end of this one */
    }
    if (ogg_page_eos(&s->page)) s->eos_seen = 1;
    int64_t gp = ogg_page_granulepos(&s->page);
    if (gp != -1) {
        s->last_gp = gp;
        s->last_gp_off = s->pos;
    }
    s->pos += len;
    return ogg_stream_pagein(&s->stream, &s->page) < 0 ? -1 : 1;
}

/* libsndfile's ogg_stream_unpack_page(): the packets available now, reading
 * pages until there is one. 1, 0 at the end of the stream, -1 refused. */
static int unpack(OggScan *s)
{
    s->npk = 0;
    int r = ogg_stream_packetout(&s->stream, &s->pk[0]);
    while (r == 0) {
        int p = next_page(s);
        if (p <= 0) return p;
        r = ogg_stream_packetout(&s->stream, &s->pk[0]);
    }
    if (r < 0) return -1;   /* a hole: libsndfile resynchronises, we do not follow */
    int i;
    for (i = 1;; i++) {
        if (i == BATCH_MAX) {
            if (ogg_stream_packetpeek(&s->stream, NULL) != 0) return -1;
            break;
        }
        r = ogg_stream_packetout(&s->stream, &s->pk[i]);
        if (r < 0) return -1;
        if (r == 0) break;
    }
    s->npk = i;
    return 1;
}

/* The next header packet, reading pages as needed; 0 when refused. */
static int header_packet(OggScan *s, ogg_packet *op)
{
    for (;;) {
        int r = ogg_stream_packetout(&s->stream, op);
        if (r == 1) return 1;
        if (r < 0 || next_page(s) != 1) return 0;
    }
}

/* sf.frames' end: the last granule, as libsndfile's backward search from the
 * end of the file finds it in its first 64 KiB step. */
static int last_granule(const OggScan *s, uint64_t *gp)
{
    uint64_t begin = s->size > LAST_SEARCH ? s->size - LAST_SEARCH : 0;
    if (s->last_gp == -1 || s->last_gp_off < begin) return 0;
    *gp = (uint64_t)s->last_gp;
    return 1;
}

/* ---- Vorbis ------------------------------------------------------------- */

/* The sample bookkeeping of libvorbis's vorbis_synthesis_blockin() (1.3.7),
 * for a caller that takes every sample before the next packet (libsndfile). */
typedef struct VorbisTrack {
    long    bs[2];
    int     primed;       /* a first block has been taken (pcm_returned != -1) */
    int     w;            /* the previous block's size flag */
    int64_t sequence, granulepos, sample_count;
    uint64_t delivered;
} VorbisTrack;

/* What vorbis_track() reads of a packet from vorbis_synthesis_trackonly(). */
typedef struct VorbisBlock {
    int     W, eofflag;
    int64_t sequence, granulepos;
} VorbisBlock;

static void vorbis_track(VorbisTrack *t, const VorbisBlock *vb)
{
    int lw = t->w;
    t->w = vb->W;
    if (t->sequence == -1 || t->sequence + 1 != vb->sequence) {
        t->granulepos = -1;   /* out of sequence: libvorbis loses count */
        t->sample_count = -1;
    }
    t->sequence = vb->sequence;
    int64_t span = t->bs[lw] / 4 + t->bs[t->w] / 4;
    int64_t out = t->primed ? span : 0;
    t->primed = 1;
    t->sample_count = t->sample_count == -1 ? 0 : t->sample_count + span;
    if (t->granulepos == -1) {
        if (vb->granulepos != -1) {
            t->granulepos = vb->granulepos;
            if (t->sample_count > t->granulepos) {
                int64_t extra = t->sample_count - vb->granulepos;
                if (extra < 0) extra = 0;
                if (vb->eofflag) {
                    out -= extra > out ? out : extra;    /* a one-page stream: the end is cut */
                } else {
                    out = out > extra ? out - extra : 0; /* the beginning is cut */
                }
            }
        }
    } else {
        t->granulepos += span;
        if (vb->granulepos != -1 && t->granulepos != vb->granulepos) {
            if (t->granulepos > vb->granulepos && vb->eofflag) {
                int64_t extra = t->granulepos - vb->granulepos;
                if (extra > out) extra = out;
                out -= extra;
            }
            t->granulepos = vb->granulepos;
        }
    }
    t->delivered += (uint64_t)out;
}

/* The decoder state vorbis_synthesis_trackonly() reads, or the answer that
 * vorbis_synthesis_init() rejects the set-up (libsndfile cannot open the
 * file then). Both depend on the vorbis_info alone: the channels, rate and
 * block sizes of the identification header and the setup header. Building
 * the decoder's codebooks costs more than the rest of a short file's replay,
 * while a corpus encoded by one encoder at one setting repeats the same
 * headers: the first SETUP_CACHE set-ups (of up to SETUP_CACHE_MAX bytes)
 * keep theirs for the life of the process, shared by every thread, which only
 * read it (trackonly writes to the caller's own vorbis_block). */
#define SETUP_CACHE      16
#define SETUP_CACHE_MAX  65536

typedef struct SetupEntry {
    long              shape[4];   /* channels, rate, short and long block size */
    unsigned char    *setup;
    size_t            len;
    vorbis_info      *vi;         /* what vd was built from */
    vorbis_dsp_state *vd;         /* NULL: rejected */
} SetupEntry;

static SetupEntry setup_cache[SETUP_CACHE];
static size_t setup_cache_used;
static pthread_mutex_t setup_cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* The decoder for *vi (headers read, setup packet `setup`): 1 with *vd, 0 when
 * rejected. When the cache keeps *vi, *vi becomes NULL (not the caller's to
 * clear any more); *own is set when *vd is the caller's to clear and free. */
static int setup_decoder(vorbis_info **vi, const ogg_packet *setup, vorbis_dsp_state **vd, int *own)
{
    long shape[4] = {(*vi)->channels, (*vi)->rate, vorbis_info_blocksize(*vi, 0),
                     vorbis_info_blocksize(*vi, 1)};
    size_t len = (size_t)setup->bytes;
    int found = 0;
    *vd = NULL;
    *own = 0;
    pthread_mutex_lock(&setup_cache_lock);
    for (size_t i = 0; i < setup_cache_used && !found; i++) {
        const SetupEntry *c = &setup_cache[i];
        if (c->len == len && !memcmp(c->shape, shape, sizeof shape) && !memcmp(c->setup, setup->packet, len)) {
            *vd = c->vd;
            found = 1;
        }
    }
    pthread_mutex_unlock(&setup_cache_lock);
    if (found) return *vd != NULL;
    vorbis_dsp_state *d = malloc(sizeof *d);
    if (!d) return 0;
    if (vorbis_synthesis_init(d, *vi) != 0) {   /* (it clears d itself on failure) */
        free(d);
        d = NULL;
    }
    unsigned char *copy = len <= SETUP_CACHE_MAX ? malloc(len ? len : 1) : NULL;
    int kept = 0;
    if (copy) {
        memcpy(copy, setup->packet, len);
        pthread_mutex_lock(&setup_cache_lock);
        if (setup_cache_used < SETUP_CACHE) {
            SetupEntry *c = &setup_cache[setup_cache_used++];
            *c = (SetupEntry){.setup = copy, .len = len, .vi = *vi, .vd = d};
            memcpy(c->shape, shape, sizeof shape);
            kept = 1;
        }
        pthread_mutex_unlock(&setup_cache_lock);
        if (!kept) free(copy);
    }
    if (kept) {
        *vi = NULL;
    } else {
        *own = d != NULL;
    }
    *vd = d;
    return d != NULL;
}

static int vorbis_count(OggScan *s, ogg_packet *id, uint64_t *n, uint32_t *rate, uint32_t *channels)
{
    vorbis_info *vi = malloc(sizeof *vi);
    vorbis_comment vc;
    vorbis_dsp_state *vd = NULL;
    vorbis_block vb;
    int ok = 0, own_vd = 0, block = 0;
    if (!vi) return 0;
    vorbis_info_init(vi);
    vorbis_comment_init(&vc);
    ogg_packet op;
    if (!id->b_o_s || ogg_stream_packetpeek(&s->stream, NULL) != 0 ||
        vorbis_synthesis_headerin(vi, &vc, id) < 0)
        goto done;
    for (int i = 0; i < 2; i++)
        if (!header_packet(s, &op) || vorbis_synthesis_headerin(vi, &vc, &op) < 0) goto done;
    long bs[2] = {vorbis_info_blocksize(vi, 0), vorbis_info_blocksize(vi, 1)};
    long vi_rate = vi->rate;
    int vi_channels = vi->channels;
    if (!setup_decoder(&vi, &op, &vd, &own_vd)) goto done;   /* op: the setup header */
    vorbis_block_init(vd, &vb);
    block = 1;
    /* Audio packets on the setup header's page: libsndfile drops them. */
    if (ogg_stream_packetpeek(&s->stream, NULL) != 0 || unpack(s) != 1) goto done;
    if (vi_channels <= 0 || vi_rate <= 0) goto done;

    /* libsndfile's offset of the first sample (vorbis_calculate_granulepos). */
    uint64_t duration = 0;
    long last = -1;
    for (int i = 0; i < s->npk; i++) {
        long this = vorbis_packet_blocksize(vd->vi, &s->pk[i]);
        if (this < 0) continue;
        if (last != -1) duration += (uint64_t)((last + this) >> 2);
        last = this;
    }
    uint64_t first_gp = (uint64_t)s->pk[s->npk - 1].granulepos, start;
    if (first_gp == (uint64_t)-1) goto done;
    if (s->pk[s->npk - 1].e_o_s && first_gp <= duration) {
        start = 0;
    } else {
        if (first_gp < duration) goto done;
        start = first_gp - duration;
    }

    VorbisTrack t = {.bs = {bs[0], bs[1]}, .sequence = -1, .granulepos = -1, .sample_count = -1};
    if (t.bs[0] <= 0 || t.bs[1] <= 0) goto done;
    int r = 1;
    while (r == 1) {
        for (int i = 0; i < s->npk; i++) {
            if (vorbis_synthesis_trackonly(&vb, &s->pk[i]) != 0) continue;
            VorbisBlock b = {.W = vb.W, .eofflag = vb.eofflag, .sequence = vb.sequence,
                             .granulepos = vb.granulepos};
            vorbis_track(&t, &b);
        }
        r = unpack(s);
    }
    uint64_t end;
    if (r < 0 || !last_granule(s, &end) || end < start || end - start > INT64_MAX) goto done;
    uint64_t frames = end - start;
    *n = t.delivered < frames ? t.delivered : frames;
    *rate = (uint32_t)vi_rate;
    *channels = (uint32_t)vi_channels;
    ok = 1;
done:
    if (block) vorbis_block_clear(&vb);
    if (own_vd) {
        vorbis_dsp_clear(vd);
        free(vd);
    }
    vorbis_comment_clear(&vc);
    if (vi) {
        vorbis_info_clear(vi);
        free(vi);
    }
    return ok;
}

/* ---- Opus --------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* The comment header as libsndfile's vorbiscomment_read_tags() bounds it. */
static int opus_tags_ok(const ogg_packet *op)
{
    const unsigned char *p = op->packet, *end = op->packet + op->bytes;
    if (op->bytes < 16 || memcmp(p, "OpusTags", 8)) return 0;
    p += 8;
    uint64_t len = le32(p);
    p += 4;
    if (len > (uint64_t)(end - p) || (uint64_t)(end - p) - len < 4) return 0;
    p += len;
    uint32_t ntags = le32(p);
    p += 4;
    for (uint32_t i = 0; i < ntags; i++) {
        if (end - p < 4) return 0;
        len = le32(p);
        p += 4;
        if (len > (uint64_t)(end - p)) return 0;
        p += len;
    }
    return 1;
}

/* Samples at 48 kHz of a packet libopus decodes as it is, or -1. */
static int opus_samples48(const ogg_packet *op)
{
    const unsigned char *frames[48];
    opus_int16 sizes[48];
    if (op->bytes <= 0 || op->bytes > INT32_MAX) return -1;   /* empty: libopus would conceal */
    if (opus_packet_parse(op->packet, (opus_int32)op->bytes, NULL, frames, sizes, NULL) < 0) return -1;
    int n = opus_packet_get_nb_samples(op->packet, (opus_int32)op->bytes, 48000);
    return n > 0 && n <= 5760 ? n : -1;
}

static int opus_count(OggScan *s, ogg_packet *id, uint64_t *n, uint32_t *rate, uint32_t *channels)
{
    /* Mapping family 0 only: one elementary stream, 1 or 2 channels, 19 bytes. */
    const unsigned char *h = id->packet;
    if (ogg_page_packets(&s->page) != 1 || id->bytes != 19 || (h[8] != 0 && h[8] != 1) ||
        h[18] != 0 || h[9] < 1 || h[9] > 2 || ogg_stream_packetpeek(&s->stream, NULL) != 0)
        return 0;
    uint32_t ch = h[9];
    uint64_t preskip = (uint64_t)(h[10] | h[11] << 8);
    uint32_t input_rate = le32(h + 12);
    int f = input_rate > 24000 ? 1 : input_rate > 16000 ? 2 : input_rate > 12000 ? 3 :
            input_rate > 8000 ? 4 : 6;
    ogg_packet op;
    if (!header_packet(s, &op) || !opus_tags_ok(&op)) return 0;

    /* The first audio page: its granule less its samples is the offset. */
    if (unpack(s) != 1) return 0;
    uint64_t pg_pos = (uint64_t)s->pk[s->npk - 1].granulepos, pkt_pos = 0, sum = 0;
    if (pg_pos == (uint64_t)-1) return 0;
    for (int i = 0; i < s->npk; i++) {
        int k = opus_samples48(&s->pk[i]);
        if (k < 0) return 0;
        sum += (uint64_t)k;
    }
    if (!ogg_page_eos(&s->page)) {
        if (sum > pg_pos) return 0;
        pkt_pos = pg_pos - sum;
    } else if (sum < pg_pos) {
        return 0;
    }
    uint64_t gp_start = pkt_pos;

    /* Packet by packet, as ogg_opus_read_refill() cuts pre-skip and end. */
    uint64_t delivered = 0;
    int r = 1, first = 1;
    while (r == 1) {
        /* libsndfile asks its last page read whether it ends the stream; for
         * the first batch that is the file's last page (its end search). */
        int eos = first ? 1 : ogg_page_eos(&s->page);
        for (int i = 0; i < s->npk; i++) {
            int k = opus_samples48(&s->pk[i]);
            if (k < 0 || k % f) return 0;
            int64_t nsamp = k / f, len;
            uint64_t pkt_gp = pkt_pos + (uint64_t)k;
            if (pkt_gp <= pg_pos) {
                len = nsamp;
            } else if (eos) {
                len = (int)(pg_pos - pkt_pos) / f;
                if (len < 0) len = 0;
            } else {
                return 0;   /* a mid-stream granule below the samples: libsndfile's error */
            }
            int64_t loc = 0;
            if (pkt_pos < preskip) {
                loc = ((int64_t)preskip - (int)pkt_pos) / f;
                if (loc > len) loc = len;
            }
            delivered += (uint64_t)(len - loc);
            pkt_pos = pkt_gp;
        }
        r = unpack(s);
        if (r == 1) {
            pkt_pos = pg_pos;
            pg_pos = (uint64_t)s->pk[s->npk - 1].granulepos;
        }
        first = 0;
    }
    uint64_t end;
    if (r < 0 || !last_granule(s, &end) || end < gp_start || end - gp_start < preskip) return 0;
    uint64_t frames = (end - gp_start - preskip) / (uint64_t)f;
    if (frames > INT64_MAX) return 0;
    *n = delivered < frames ? delivered : frames;
    *rate = 48000u / (uint32_t)f;
    *channels = ch;
    return 1;
}

int cim_ogg_count(FILE *f, uint64_t size, uint64_t *samples, uint32_t *rate, uint32_t *channels)
{
    OggScan *s = calloc(1, sizeof *s);
    if (!s) return 0;
    s->f = f;
    s->size = size;
    s->last_gp = -1;
    ogg_sync_init(&s->sync);
    ogg_stream_init(&s->stream, 0);
    int ok = 0;
    ogg_packet id;
    if (fseeko(f, 0, SEEK_SET) == 0 && next_page(s) == 1 && ogg_stream_packetout(&s->stream, &id) == 1) {
        if (id.bytes >= 7 && !memcmp(id.packet, "\x01vorbis", 7))
            ok = vorbis_count(s, &id, samples, rate, channels);
        else if (id.bytes >= 8 && !memcmp(id.packet, "OpusHead", 8))
            ok = opus_count(s, &id, samples, rate, channels);
    }
    /* The whole file must have been pages of the stream, ending with its last. */
    if (ok && (!s->eos_seen || s->pos != size)) ok = 0;
    ogg_stream_clear(&s->stream);
    ogg_sync_clear(&s->sync);
    free(s);
    return ok;
}

/* What a packet at the head of the stream is: a Vorbis or Opus header, or audio. */
static int head_kind(const ogg_packet *op)
{
    if (op->bytes >= 7 && (op->packet[0] & 1) && !memcmp(op->packet + 1, "vorbis", 6)) return 'v';
    if (op->bytes >= 4 && !memcmp(op->packet, "Opus", 4)) return 'o';
    return 0;
}

int cim_ogg_audio_prefix(const uint8_t *b, size_t n)
{
    ogg_sync_state sync;
    ogg_stream_state stream;
    ogg_page page;
    ogg_packet op;
    int pages = 0, packets = 0, headers = 0, serial = 0, ok = 0, done = 0;
    if (n < 27 || memcmp(b, "OggS", 4)) return 0;   /* every file is asked: not Ogg, no copy */
    ogg_sync_init(&sync);
    ogg_stream_init(&stream, 0);
    char *buf = n ? ogg_sync_buffer(&sync, (long)n) : NULL;
    if (buf) {
        memcpy(buf, b, n);
        ogg_sync_wrote(&sync, (long)n);
    }
    /* Pages one after the other from the start (libogg checks each CRC; a
     * skip is junk), all of the first page's stream, up to its first audio
     * packet. */
    while (buf && !done && ogg_sync_pageseek(&sync, &page) > 0) {
        if (!pages) {
            serial = ogg_page_serialno(&page);
            ogg_stream_reset_serialno(&stream, serial);
        }
        if (!ogg_page_bos(&page) != (pages > 0) || ogg_page_serialno(&page) != serial ||
            ogg_stream_pagein(&stream, &page) < 0)
            break;
        pages++;
        int r;
        while (!done && (r = ogg_stream_packetout(&stream, &op)) != 0) {
            int kind = r < 0 ? -1 : head_kind(&op);
            packets++;
            if (packets == 1) {
                headers = kind == 'v' && op.packet[0] == 1 ? 3
                        : kind == 'o' && op.bytes >= 8 && !memcmp(op.packet, "OpusHead", 8) ? 2 : 0;
                done = !headers;
            } else if (packets <= headers) {
                done = kind != (headers == 3 ? 'v' : 'o');
            } else {
                /* the first audio packet: none a demuxer would take for a header */
                ok = kind == 0 && op.bytes > 0 && (headers == 2 || !(op.packet[0] & 1));
                done = 1;
            }
        }
    }
    ogg_stream_clear(&stream);
    ogg_sync_clear(&sync);
    return ok;
}
#else
int cim_ogg_count(FILE *f, uint64_t size, uint64_t *samples, uint32_t *rate, uint32_t *channels)
{
    (void)f; (void)size; (void)samples; (void)rate; (void)channels;
    return 0;
}

int cim_ogg_audio_prefix(const uint8_t *b, size_t n)
{
    (void)b; (void)n;
    return 0;
}
#endif
