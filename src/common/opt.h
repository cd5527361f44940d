/* opt.h — option tables for tokenizer specs ("p=16,resize=224"), FFmpeg AVOption style.
 *
 * A tokenizer declares a const CimOption table of its conf struct's fields;
 * cim_opt_parse() fills defaults, then applies the comma-separated k=v list.
 * Values without a key bind to the shorthand names in order
 * ("spm:MODEL" -> model=MODEL). A flag may be given bare ("causal"). A value in
 * double quotes may hold any character ('\"' and '\\' escape a quote and a
 * backslash): text:spm:"/data/run=3/m.model".
 */
#ifndef CIM_OPT_H
#define CIM_OPT_H
#include <stddef.h>
#include <stdint.h>
#include "cimeter.h"

typedef enum CimOptType {
    CIM_OPT_INT,     /* int64_t */
    CIM_OPT_DOUBLE,  /* double */
    CIM_OPT_FLAG,    /* int, 0/1; bare name sets 1 */
    CIM_OPT_STRING,  /* char *, malloc'd; freed by cim_opt_free */
    CIM_OPT_RATIONAL, /* CimRational > 0, exact: "30", "30000/1001", "29.97"; printed a/b */
    CIM_OPT_DECIMAL,  /* CimRational, exact: "25.5", "-40"; printed as a decimal */
} CimOptType;

/* An exact number num/den in lowest terms, den > 0. A rational option keeps each part
 * within 32 bits, so that a 64-bit count times either part fits 128 bits. */
typedef struct CimRational {
    int64_t num;
    int64_t den;
} CimRational;

typedef struct CimOption {
    const char *name;      /* key in the spec string */
    const char *help;      /* one line for `cimeter tokenizers` */
    size_t      offset;    /* offsetof(conf struct, field) */
    CimOptType  type;
    double      def;       /* default for INT/DOUBLE/FLAG */
    double      min, max;  /* inclusive range for INT/DOUBLE; integers for RATIONAL/DECIMAL */
    const char *def_str;   /* default for STRING, RATIONAL and DECIMAL (may be NULL) */
    int         decimals;  /* DECIMAL: most digits allowed after the point */
    const char *word;      /* RATIONAL (optional): a word read as 0/1 and printed back
                            * as itself ("fps=native") */
} CimOption;

int  cim_opt_parse(void *conf, const CimOption *opts, const char *const *shorthand,
                   const char *args, CimErr *e);
void cim_opt_free(void *conf, const CimOption *opts);
/* Writes value into buf as a spec value: as it is, or in double quotes (with '"' and
 * '\\' escaped) when it holds ',', '=', '"' or '\\'; -1 when it does not fit. */
int  cim_opt_quote(const char *value, char *buf, size_t n);
/* Euclid's greatest common divisor (0 when both are 0); the code base's one gcd. */
uint64_t cim_gcd(uint64_t a, uint64_t b);
/* Reads "a", "a/b" or "a.ddd" (signed when allow_sign) into a reduced fraction; -1 when
 * the text is not such a number or a part overflows 64 bits. */
int  cim_rational_read(const char *s, int allow_sign, CimRational *r, int *decimals);
/* Writes r as "a" or "a/b"; -1 when it does not fit. */
int  cim_rational_format(CimRational r, char *buf, size_t n);
/* Writes r (whose den divides a power of 10) as the shortest decimal ("25.5", "-40"). */
int  cim_decimal_format(CimRational r, char *buf, size_t n);
/* Writes the canonical "k=v,k=v" form of every option (defaults included). */
int  cim_opt_canon(const void *conf, const CimOption *opts, char *buf, size_t n);
#endif
