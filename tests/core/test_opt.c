/* test_opt.c — option tables: defaults, k=v, shorthand, flags, ranges, errors. */
#include <stddef.h>
#include <string.h>
#include "check.h"
#include "common/opt.h"

typedef struct Conf { int64_t p; double thr; int causal; char *model; } Conf;
static const CimOption opts[] = {
    {"p", "patch", offsetof(Conf, p), CIM_OPT_INT, 16, 1, 4096, NULL},
    {"thr", "threshold", offsetof(Conf, thr), CIM_OPT_DOUBLE, 0.5, 0, 1e9, NULL},
    {"causal", "flag", offsetof(Conf, causal), CIM_OPT_FLAG, 0, 0, 1, NULL},
    {"model", "file", offsetof(Conf, model), CIM_OPT_STRING, 0, 0, 0, "m.model"},
    {0}
};
static const char *const shorthand[] = {"model", NULL};

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
    TEST_DONE();
}
