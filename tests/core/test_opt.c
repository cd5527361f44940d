/* test_opt.c — option tables: defaults, k=v, shorthand, flags, ranges, errors. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "common/opt.h"

typedef struct Conf { int64_t p; double thr; int causal; char *model; } Conf;
static const CimOption opts[] = {
    {"p", "patch", offsetof(Conf, p), CIM_OPT_INT, 16, 1, 4096, NULL, 0, NULL},
    {"thr", "threshold", offsetof(Conf, thr), CIM_OPT_DOUBLE, 0.5, 0, 1e9, NULL, 0, NULL},
    {"causal", "flag", offsetof(Conf, causal), CIM_OPT_FLAG, 0, 0, 1, NULL, 0, NULL},
    {"model", "file", offsetof(Conf, model), CIM_OPT_STRING, 0, 0, 0, "m.model", 0, NULL},
    {0}
};
static const char *const shorthand[] = {"model", NULL};

/* Exact numbers: a rate with a word for "none", a signed decimal, a non-negative one. */
typedef struct Exact { CimRational rate, db, thr; } Exact;
static const CimOption exact_opts[] = {
    {"rate", "rate", offsetof(Exact, rate), CIM_OPT_RATIONAL, 0, 0, 4294967295.0, "native", 0,
     "native"},
    {"db", "dB", offsetof(Exact, db), CIM_OPT_DECIMAL, 0, -1000, 1000, "-40", 2, NULL},
    {"thr", "thr", offsetof(Exact, thr), CIM_OPT_DECIMAL, 0, 0, 1000000, "25.5", 9, NULL},
    {0}
};

/* Parses spec into x; 0 or the error code. */
static int exact(Exact *x, const char *spec)
{
    CimErr e = {0};
    memset(x, 0, sizeof *x);
    return cim_opt_parse(x, exact_opts, NULL, spec, &e);
}

/* The canonical form of spec, or "ERR". */
static const char *exact_canon(const char *spec)
{
    static char buf[256];
    Exact x;
    if (exact(&x, spec) || cim_opt_canon(&x, exact_opts, buf, sizeof buf))
        return "ERR";
    return buf;
}

static void test_exact(void)
{
    Exact x;
    EXPECT(exact(&x, "") == 0);
    EXPECT(x.rate.num == 0 && x.rate.den == 1);                /* the word */
    EXPECT(x.db.num == -40 && x.db.den == 1);
    EXPECT(x.thr.num == 51 && x.thr.den == 2);                 /* 25.5 reduced */
    EXPECT(!strcmp(exact_canon(""), "rate=native,db=-40,thr=25.5"));

    /* Integer, a/b and decimal all reduce to one fraction, printed one way. */
    EXPECT(!strcmp(exact_canon("rate=44100/512"), "rate=11025/128,db=-40,thr=25.5"));
    EXPECT(!strcmp(exact_canon("rate=12.5"), "rate=25/2,db=-40,thr=25.5"));
    EXPECT(!strcmp(exact_canon("rate=30000/1001"), "rate=30000/1001,db=-40,thr=25.5"));
    EXPECT(!strcmp(exact_canon("rate=29.97"), "rate=2997/100,db=-40,thr=25.5"));
    EXPECT(!strcmp(exact_canon("rate=150/2"), "rate=75,db=-40,thr=25.5"));
    EXPECT(!strcmp(exact_canon("rate=75.000"), "rate=75,db=-40,thr=25.5"));

    /* Decimals print without trailing zeros, with their sign. */
    EXPECT(!strcmp(exact_canon("db=-40.50,thr=0.1"), "rate=native,db=-40.5,thr=0.1"));
    EXPECT(!strcmp(exact_canon("db=-0.05,thr=0"), "rate=native,db=-0.05,thr=0"));
    EXPECT(!strcmp(exact_canon("db=+3,thr=12.000000001"), "rate=native,db=3,thr=12.000000001"));
    EXPECT(!strcmp(exact_canon("db=-0"), "rate=native,db=0,thr=25.5"));
    EXPECT(!strcmp(exact_canon("db=1000,thr=1000000"), "rate=native,db=1000,thr=1000000"));
    EXPECT(exact(&x, "db=-0.05") == 0);
    EXPECT(x.db.num == -1 && x.db.den == 20);

    /* Refused: zero or negative rates, malformed text, too many decimals, out of range,
     * parts beyond 32 bits, a fraction where a decimal is asked for. */
    const char *bad[] = {
        "rate=0", "rate=0/5", "rate=-5", "rate=5/0", "rate=", "rate=abc", "rate=1.", "rate=.5",
        "rate=1/", "rate=/2", "rate=1e3", "rate=3/2/1", "rate=4294967296", "rate=1/4294967296",
        "rate=0.00000000001", "rate=99999999999999999999", "rate=nativ",
        "db=-40.125", "db=1e3", "db=abc", "db=", "db=1000.5", "db=-1001", "db=1/2", "db=--1",
        "thr=-1", "thr=0.1234567891", "thr=1000001", "thr=+1", NULL,
    };
    for (const char **b = bad; *b; b++) {
        CimErr e = {0};
        memset(&x, 0, sizeof x);
        int rc = cim_opt_parse(&x, exact_opts, NULL, *b, &e);
        EXPECT(rc == CIM_ERR_USAGE);
        EXPECT(strstr(e.msg, "option ") != NULL);
        if (rc != CIM_ERR_USAGE)
            fprintf(stderr, "accepted: %s\n", *b);
    }

    /* The one gcd. */
    EXPECT_EQ_U(cim_gcd(44100, 512), 4);
    EXPECT_EQ_U(cim_gcd(0, 7), 7);
    EXPECT_EQ_U(cim_gcd(7, 0), 7);
    EXPECT_EQ_U(cim_gcd(0, 0), 0);
    EXPECT_EQ_U(cim_gcd(UINT64_MAX, 5), 5);
}

int main(void)
{
    Conf c;
    CimErr e = {0};
    char buf[256];
    memset(&c, 0, sizeof c);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "", &e) == 0);
    EXPECT_EQ_U(c.p, 16);
    EXPECT(c.thr == 0.5 && !c.causal && !strcmp(c.model, "m.model"));
    cim_opt_free(&c, opts);

    EXPECT(cim_opt_parse(&c, opts, shorthand, "x.model,p=8,causal,thr=2.5", &e) == 0);
    EXPECT_EQ_U(c.p, 8);
    EXPECT(c.thr == 2.5 && c.causal && !strcmp(c.model, "x.model"));
    EXPECT(cim_opt_canon(&c, opts, buf, sizeof buf) == 0);
    EXPECT(!strcmp(buf, "p=8,thr=2.5,causal,model=x.model"));
    cim_opt_free(&c, opts);

    EXPECT(cim_opt_canon(&(Conf){.p = 1, .thr = 0.1}, opts, buf, sizeof buf) == 0);
    EXPECT(!strcmp(buf, "p=1,thr=0.1"));

    EXPECT(cim_opt_parse(&c, opts, shorthand, "p=0", &e) == CIM_ERR_USAGE);      /* below min */
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "p=abc", &e) == CIM_ERR_USAGE);
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "nope=1", &e) == CIM_ERR_USAGE);
    EXPECT(strstr(e.msg, "nope") != NULL);
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "a,b", &e) == CIM_ERR_USAGE);      /* 2 positionals */
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "thr=nan", &e) == CIM_ERR_USAGE);
    cim_opt_free(&c, opts);

    /* Quoted values hold any character; the canonical form quotes them back. */
    EXPECT(cim_opt_parse(&c, opts, shorthand, "\"/d/run=3, a:b/m.model\",p=4", &e) == 0);
    EXPECT(!strcmp(c.model, "/d/run=3, a:b/m.model") && c.p == 4);
    EXPECT(cim_opt_canon(&c, opts, buf, sizeof buf) == 0);
    EXPECT(!strcmp(buf, "p=4,thr=0.5,model=\"/d/run=3, a:b/m.model\""));
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "model=\"q\\\"b\\\\s\",causal", &e) == 0);
    EXPECT(!strcmp(c.model, "q\"b\\s") && c.causal);
    EXPECT(cim_opt_quote(c.model, buf, sizeof buf) == 0);
    EXPECT(!strcmp(buf, "\"q\\\"b\\\\s\""));
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_quote("plain/path:x.model", buf, sizeof buf) == 0);
    EXPECT(!strcmp(buf, "plain/path:x.model"));
    EXPECT(cim_opt_parse(&c, opts, shorthand, "/d/run=3/m.model", &e) == CIM_ERR_USAGE);
    EXPECT(strstr(e.msg, "double quotes") != NULL);
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "\"open", &e) == CIM_ERR_USAGE);
    cim_opt_free(&c, opts);
    EXPECT(cim_opt_parse(&c, opts, shorthand, "\"a\"b", &e) == CIM_ERR_USAGE);
    cim_opt_free(&c, opts);
    test_exact();
    TEST_DONE();
}
