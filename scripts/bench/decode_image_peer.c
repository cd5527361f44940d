/*
 * decode_image_peer.c — the decode-only peer of scripts/bench-image.sh.
 *
 * Decodes each PNG (libpng) and JPEG (libjpeg-turbo) file named on the command
 * line to the same canonical 8-bit rows cimeter's decoders produce (strip_16,
 * palette to RGB(A), gray expanded to 8 bits; JPEG to gray/RGB/CMYK with the
 * library defaults), one row at a time, and discards them: the floor that an
 * image pass of cimeter is compared against. Prints files, pixels and errors.
 * Build: cc -O2 decode_image_peer.c -lpng -ljpeg
 */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <png.h>
#include <jpeglib.h>

static uint64_t sum;   /* touch one sample per row so nothing is dead */
static void quiet(png_structp p, png_const_charp m) { (void)p; (void)m; }

static int dec_png(FILE *f, uint64_t *px)
{
    png_structp p = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, quiet);
    png_infop info = png_create_info_struct(p);
    uint8_t *volatile row = NULL;
    if (setjmp(png_jmpbuf(p))) { free(row); png_destroy_read_struct(&p, &info, NULL); return -1; }
    png_init_io(p, f);
    png_read_info(p, info);
    int ct = png_get_color_type(p, info), d = png_get_bit_depth(p, info);
    if (d == 16) png_set_strip_16(p);
    if (ct == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(p);
    if (ct == PNG_COLOR_TYPE_GRAY && d < 8) png_set_expand_gray_1_2_4_to_8(p);
    int passes = png_set_interlace_handling(p);
    png_read_update_info(p, info);
    uint32_t w = png_get_image_width(p, info), h = png_get_image_height(p, info);
    size_t rb = png_get_rowbytes(p, info);
    if (passes > 1) { row = malloc(rb * h); }   /* interlaced: the whole image, as usual */
    else row = malloc(rb);
    for (int pass = 0; pass < passes; pass++)
        for (uint32_t y = 0; y < h; y++) {
            png_read_row(p, passes > 1 ? row + (size_t)y * rb : row, NULL);
            sum += row[0];
        }
    png_read_end(p, NULL);
    free(row);
    png_destroy_read_struct(&p, &info, NULL);
    *px = (uint64_t)w * h;
    return 0;
}

struct jerr { struct jpeg_error_mgr pub; jmp_buf jb; };
static void jexit(j_common_ptr ci) { longjmp(((struct jerr *)ci->err)->jb, 1); }

static int dec_jpeg(FILE *f, uint64_t *px)
{
    struct jpeg_decompress_struct ci;
    struct jerr je;
    uint8_t *volatile row = NULL;
    ci.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = jexit;
    if (setjmp(je.jb)) { free(row); jpeg_destroy_decompress(&ci); return -1; }
    jpeg_create_decompress(&ci);
    jpeg_stdio_src(&ci, f);
    jpeg_read_header(&ci, TRUE);
    if (ci.jpeg_color_space == JCS_YCCK || ci.jpeg_color_space == JCS_CMYK) ci.out_color_space = JCS_CMYK;
    jpeg_start_decompress(&ci);
    row = malloc((size_t)ci.output_width * ci.output_components);
    JSAMPROW r = row;
    while (ci.output_scanline < ci.output_height) {
        jpeg_read_scanlines(&ci, &r, 1);
        sum += row[0];
    }
    *px = (uint64_t)ci.output_width * ci.output_height;
    jpeg_finish_decompress(&ci);
    jpeg_destroy_decompress(&ci);
    free(row);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t files = 0, pixels = 0, errors = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { errors++; continue; }
        unsigned char m[8] = {0};
        size_t n = fread(m, 1, 8, f);
        rewind(f);
        uint64_t px = 0;
        int rc = -1;
        if (n >= 8 && !memcmp(m, "\x89PNG\r\n\x1a\n", 8)) rc = dec_png(f, &px);
        else if (n >= 3 && m[0] == 0xFF && m[1] == 0xD8 && m[2] == 0xFF) rc = dec_jpeg(f, &px);
        fclose(f);
        if (rc == 0) { files++; pixels += px; } else errors++;
    }
    printf("files %llu pixels %llu errors %llu (checksum %llu)\n", (unsigned long long)files,
           (unsigned long long)pixels, (unsigned long long)errors, (unsigned long long)sum);
    return errors ? 1 : 0;
}
