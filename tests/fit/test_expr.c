/*
 * test_expr.c — the formula parser and its forward-mode gradients.
 *
 * 1. Precedence and syntax by hand (values known in closed form).
 * 2. Fuzzing against an independent evaluator: random expression trees are
 *    printed (random spacing, ^ or **, redundant parentheses) and evaluated
 *    here by recursion with their derivative by the chain rule; the parsed
 *    program must give the same value (bit for bit: same operations in the
 *    same order) and the same gradient (1e-10 relative, 1e-12 absolute).
 * 3. Random byte strings and mutated valid formulas must parse or fail with
 *    a message, never crash (run under ASan in the sanitizer build).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fit/expr.h"

/* Depth ≤ 6 keeps every printed formula far below the buffers. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static int failures;
#define CHECK(c, ...) do { if (!(c)) { failures++; printf("FAIL "); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rs = 88172645463325252ull;
static uint64_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return rs; }
static int rint_(int n) { return (int)(rnd() % (uint64_t)n); }

static double cols[2] = {3.7, 0.45};
static double theta[3] = {1.3, 0.7, 2.2};
static const char *colname[2] = {"x0", "`col 1`"};
static const char *parname[3] = {"p0", "p_1", "Alpha"};

/* Builds a random expression into buf; returns its value and, in d[3],
 * its derivative with respect to each parameter. */
static double gen(char *buf, size_t cap, int depth, double *d)
{
    char a[4096], b[4096];
    double da[3], db[3];
    const char *sp = rint_(2) ? " " : "";
    int kind = depth <= 0 ? rint_(3) : rint_(12);
    if (kind == 0) {
        double c = 0.25 * (1 + rint_(12));
        snprintf(buf, cap, "%g", c);
        d[0] = d[1] = d[2] = 0;
        return c;
    }
    if (kind == 1) {
        int i = rint_(2);
        snprintf(buf, cap, "%s", colname[i]);
        d[0] = d[1] = d[2] = 0;
        return cols[i];
    }
    if (kind == 2) {
        int i = rint_(3);
        snprintf(buf, cap, "%s", parname[i]);
        for (int j = 0; j < 3; j++) d[j] = j == i;
        return theta[i];
    }
    double x = gen(a, sizeof a, depth - 1, da);
    if (kind <= 7) {
        double y = gen(b, sizeof b, depth - 1, db), r;
        static const char *const ops[] = {"+", "-", "*", "/", "^"};
        int op = kind - 3;
        const char *os = op == 4 && rint_(2) ? "**" : ops[op];
        snprintf(buf, cap, "(%s%s%s%s%s)", a, sp, os, sp, b);
        for (int j = 0; j < 3; j++) {
            switch (op) {
            case 0: d[j] = da[j] + db[j]; break;
            case 1: d[j] = da[j] - db[j]; break;
            case 2: d[j] = da[j] * y + db[j] * x; break;
            case 3: d[j] = (da[j] - x / y * db[j]) / y; break;
            default: d[j] = (da[j] != 0 ? y * pow(x, y - 1) * da[j] : 0) + (db[j] != 0 ? pow(x, y) * log(x) * db[j] : 0);
            }
        }
        switch (op) {
        case 0: r = x + y; break;
        case 1: r = x - y; break;
        case 2: r = x * y; break;
        case 3: r = x / y; break;
        default: r = pow(x, y);
        }
        return r;
    }
    static const char *const fn[] = {"-", "exp", "log", "sqrt"};
    int f = kind - 8;
    double r, dr;
    switch (f) {
    case 0: r = -x; dr = -1; snprintf(buf, cap, "(-%s%s)", sp, a); break;
    case 1: r = exp(x); dr = r; snprintf(buf, cap, "exp(%s%s)", sp, a); break;
    case 2: r = log(x); dr = 1 / x; snprintf(buf, cap, "%s(%s)", rint_(2) ? "log" : "ln", a); break;
    default: r = sqrt(x); dr = 0.5 / r; snprintf(buf, cap, "sqrt(%s)", a); break;
    }
    (void)fn;
    for (int j = 0; j < 3; j++) d[j] = da[j] != 0 ? da[j] * dr : 0;
    return r;
}

static CimExpr *parse_bound(const char *s)
{
    CimExpr *x;
    CimErr e = {0};
    if (cim_expr_parse(s, &x, &e) < 0) return NULL;
    for (int i = 0; i < cim_expr_nnames(x); i++) {
        const char *n = cim_expr_name(x, i);
        if (!strcmp(n, "x0")) cim_expr_bind_column(x, i, 0);
        else if (!strcmp(n, "col 1")) cim_expr_bind_column(x, i, 1);
        else if (!strcmp(n, "p0")) cim_expr_bind_param(x, i, 0);
        else if (!strcmp(n, "p_1")) cim_expr_bind_param(x, i, 1);
        else if (!strcmp(n, "Alpha")) cim_expr_bind_param(x, i, 2);
    }
    return x;
}

static void by_hand(const char *s, double want)
{
    CimExpr *x = parse_bound(s);
    CHECK(x, "'%s' parses", s);
    if (!x) return;
    double v = cim_expr_eval(x, cols, theta);
    CHECK(fabs(v - want) <= 1e-14 * fabs(want), "'%s' = %.17g, want %.17g", s, v, want);
    cim_expr_free(x);
}

static void bad(const char *s)
{
    CimExpr *x = NULL;
    CimErr e = {0};
    int rc = cim_expr_parse(s, &x, &e);
    CHECK(rc < 0 && !x && e.msg[0], "'%s' is refused with a message (%s)", s, e.msg);
    cim_expr_free(x);
}

int main(void)
{
    by_hand("2+3*4^2", 50);
    by_hand("-2^2", -4);
    by_hand("2^-1", 0.5);
    by_hand("2^3^2", 512);
    by_hand("2**3**2", 512);
    by_hand("8/4/2", 1);
    by_hand("8-4-2", 2);
    by_hand("2*-3", -6);
    by_hand("1.5e3 + .5", 1500.5);
    by_hand("x0 * `col 1`", 3.7 * 0.45);
    by_hand("exp(log(x0))", exp(log(3.7)));
    by_hand("log10(1000) + sqrt(16) + abs(-2) + ln(1)", 9);
    by_hand("p0 + p_1 * Alpha", 1.3 + 0.7 * 2.2);
    by_hand("min(x0, 2) + max(-1, `col 1`) * min(3, max(1, 2))", 2 + 0.45 * 2);
    bad("min(1)");
    bad("max(1, 2, 3)");
    bad("");
    bad("1 +");
    bad("(1");
    bad("foo(2)");
    bad("2 3");
    bad("0x10");
    bad("1e999");
    bad("`unterminated");
    bad("``");
    bad("a ^^ b");
    char deep[1200];
    memset(deep, '(', 600);
    strcpy(deep + 600, "1");
    bad(deep);
    memset(deep, '-', 600);
    strcpy(deep + 600, "1");
    bad(deep);

    /* Gradient of a scaling law by hand. */
    CimExpr *law = parse_bound("p0 + p_1 / x0^Alpha");
    double g[3], v = cim_expr_eval_grad(law, cols, theta, 3, g);
    double want = 1.3 + 0.7 / pow(3.7, 2.2);
    CHECK(fabs(v - want) < 1e-15 && g[0] == 1 && fabs(g[1] - 1 / pow(3.7, 2.2)) < 1e-15 &&
          fabs(g[2] + 0.7 * log(3.7) / pow(3.7, 2.2)) < 1e-15, "law gradient");
    cim_expr_free(law);
    /* min takes the gradient of the smaller branch */
    law = parse_bound("min(p0 * x0, p_1 * Alpha)");
    v = cim_expr_eval_grad(law, cols, theta, 3, g);
    CHECK(v == 0.7 * 2.2 && g[0] == 0 && g[1] == 2.2 && g[2] == 0.7, "min gradient");
    cim_expr_free(law);

    /* Linear parameters (variable projection): p0 + p_1/x0^Alpha is affine in p0, p_1. */
    struct { const char *f; unsigned want; } lin[] = {
        {"p0 + p_1 / x0^Alpha", 3}, {"p0 * x0^Alpha + p_1 * 6^(Alpha/2) * x0^Alpha", 3},
        {"p0 * p_1 + Alpha", 5}, {"exp(p0) + p_1 * x0", 6}, {"-(p0 - p_1 * Alpha) / x0", 3},
        {"(p0 + p_1) * Alpha", 3}, {"p0 / p_1", 5}};  /* Alpha absent: trivially linear */
    for (size_t k = 0; k < sizeof lin / sizeof *lin; k++) {
        CimExpr *x = parse_bound(lin[k].f);
        unsigned got = x ? cim_expr_linear_params(x, 7) : 99;
        CHECK(got == lin[k].want, "linear parameters of '%s': %u, want %u", lin[k].f, got, lin[k].want);
        cim_expr_free(x);
    }

    int compared = 0;
    for (int it = 0; it < 20000; it++) {
        char buf[4096];
        double d[3];
        double want = gen(buf, sizeof buf, 1 + it % 6, d);
        CimExpr *x = parse_bound(buf);
        CHECK(x, "random formula parses: %s", buf);
        if (!x) continue;
        double gg[3], v1 = cim_expr_eval(x, cols, theta), v2 = cim_expr_eval_grad(x, cols, theta, 3, gg);
        int same = (isnan(want) && isnan(v1)) || v1 == want;
        CHECK(same && (v2 == v1 || (isnan(v1) && isnan(v2))), "%s = %.17g, want %.17g (grad pass %.17g)", buf, v1, want, v2);
        if (isfinite(want)) {
            for (int j = 0; j < 3; j++) {
                if (!isfinite(d[j])) continue;
                /* relative 1e-10, absolute 1e-12: a derivative that is a near-cancellation of
                 * O(1) terms is rounding noise in both evaluators */
                CHECK(fabs(gg[j] - d[j]) <= 1e-10 * fabs(d[j]) + 1e-12,
                      "%s: d/dp%d = %.17g, want %.17g", buf, j, gg[j], d[j]);
            }
            compared++;
        }
        /* Mutations of a valid formula: parse or fail cleanly. */
        size_t n = strlen(buf);
        for (int m = 0; m < 4 && n; m++) {
            char mut[4096];
            memcpy(mut, buf, n + 1);
            mut[rint_((int)n)] = "()+-*/^`e.0a "[rint_(13)];
            CimExpr *y = NULL;
            CimErr e = {0};
            if (cim_expr_parse(mut, &y, &e) < 0) CHECK(e.msg[0] && !y, "mutant fails with a message");
            else { (void)cim_expr_eval(y, cols, theta); cim_expr_free(y); }
        }
        cim_expr_free(x);
    }
    for (int it = 0; it < 20000; it++) {
        char s[64];
        int n = rint_(63);
        for (int k = 0; k < n; k++) s[k] = (char)(1 + rint_(255));
        s[n] = 0;
        CimExpr *y = NULL;
        CimErr e = {0};
        if (cim_expr_parse(s, &y, &e) < 0) CHECK(e.msg[0] && !y, "random bytes fail with a message");
        else cim_expr_free(y);
    }
    printf("%d random formulas compared with finite values\n", compared);
    CHECK(compared > 5000, "enough finite random formulas (%d)", compared);
    if (failures) printf("%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
