/*
 * expr.c — parser and forward-mode evaluator of law formulas (see expr.h).
 *
 * Why not libmatheval (Debian's libmatheval-dev, which parses, evaluates and
 * differentiates symbolically): its evaluator keeps variable values inside
 * the parsed object, so one formula cannot be evaluated by the bootstrap's
 * threads at once, its parser is a non-reentrant flex/bison one, and a
 * gradient over k parameters costs k + 1 tree walks per row where the dual
 * numbers here cost one pass over a flat program. The grammar is small; the
 * parser is fuzzed against an independent evaluator in tests/fit/test_expr.c.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "fit/expr.h"

enum { OP_CONST, OP_COL, OP_PARAM, OP_NAME, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_NEG,
       OP_EXP, OP_LOG, OP_LOG10, OP_SQRT, OP_ABS, OP_MIN, OP_MAX };

#define MAXDEPTH 200     /* nesting and stack depth: deeper input is refused, not recursed into */
#define MAXNAMES 64

typedef struct Ins { int op, slot; double c; } Ins;

struct CimExpr {
    char  *src;
    Ins   *prog;
    int    n, cap, depth, maxdepth;
    int    nnames;
    char  *names[MAXNAMES];
    int    kind[MAXNAMES];      /* OP_COL / OP_PARAM / OP_NAME (unbound) */
    int    index[MAXNAMES];
};

typedef struct Parser {
    const char *s, *p;
    CimExpr *x;
    CimErr *e;
    int nest;
} Parser;

static int fail(Parser *ps, const char *what)
{
    return cim_err(ps->e, CIM_ERR_USAGE, "formula '%s': %s at offset %d", ps->s, what, (int)(ps->p - ps->s));
}

static void skip(Parser *ps) { while (isspace((unsigned char)*ps->p)) ps->p++; }

static int emit(Parser *ps, int op, int slot, double c, int push)
{
    CimExpr *x = ps->x;
    if (x->n == x->cap) {
        int cap = x->cap ? 2 * x->cap : 32;
        Ins *v = realloc(x->prog, (size_t)cap * sizeof *v);
        CIM_RETURN_IF(!v, ps->e, CIM_ERR_NOMEM, "out of memory");
        x->prog = v;
        x->cap = cap;
    }
    x->prog[x->n++] = (Ins){op, slot, c};
    x->depth += push;
    if (x->depth > x->maxdepth) x->maxdepth = x->depth;
    if (x->maxdepth > MAXDEPTH) return fail(ps, "expression too deep");
    return 0;
}

static int name_slot(Parser *ps, const char *name, size_t len)
{
    CimExpr *x = ps->x;
    for (int i = 0; i < x->nnames; i++)
        if (strlen(x->names[i]) == len && !memcmp(x->names[i], name, len)) return i;
    if (x->nnames == MAXNAMES) return fail(ps, "more than 64 distinct names");
    char *s = strndup(name, len);
    CIM_RETURN_IF(!s, ps->e, CIM_ERR_NOMEM, "out of memory");
    x->names[x->nnames] = s;
    x->kind[x->nnames] = OP_NAME;
    return x->nnames++;
}

static int parse_expr(Parser *ps);
static int parse_unary(Parser *ps);

static int parse_primary(Parser *ps)
{
    skip(ps);
    const char *p = ps->p;
    if (*p == '(') {
        ps->p++;
        CIM_CHECK(parse_expr(ps));
        skip(ps);
        if (*ps->p != ')') return fail(ps, "')' expected");
        ps->p++;
        return 0;
    }
    if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        /* strtod would also take hex and "infinity": only decimal digits here */
        for (const char *q = p; q < end; q++)
            if (!strchr("0123456789.eE+-", *q)) return fail(ps, "a decimal number expected");
        if (errno == ERANGE || !isfinite(v)) return fail(ps, "number out of range");
        ps->p = end;
        return emit(ps, OP_CONST, 0, v, 1);
    }
    const char *name = NULL;
    size_t len = 0;
    if (*p == '`') {
        const char *q = strchr(p + 1, '`');
        if (!q) return fail(ps, "unterminated `name`");
        name = p + 1;
        len = (size_t)(q - p - 1);
        if (!len) return fail(ps, "empty `name`");
        ps->p = q + 1;
    } else if (isalpha((unsigned char)*p) || *p == '_') {
        const char *q = p;
        while (isalnum((unsigned char)*q) || *q == '_') q++;
        name = p;
        len = (size_t)(q - p);
        ps->p = q;
    } else {
        return fail(ps, *p ? "a number, a name or '(' expected" : "unexpected end");
    }
    skip(ps);
    if (*ps->p == '(' && *p != '`') {
        static const struct { const char *name; int op, args; } fn[] = {
            {"exp", OP_EXP, 1}, {"log", OP_LOG, 1}, {"ln", OP_LOG, 1}, {"log10", OP_LOG10, 1},
            {"sqrt", OP_SQRT, 1}, {"abs", OP_ABS, 1}, {"min", OP_MIN, 2}, {"max", OP_MAX, 2}};
        int op = -1, args = 1;
        for (size_t i = 0; i < sizeof fn / sizeof *fn; i++)
            if (strlen(fn[i].name) == len && !memcmp(fn[i].name, name, len)) op = fn[i].op, args = fn[i].args;
        if (op < 0) return fail(ps, "unknown function (exp, log, ln, log10, sqrt, abs, min, max)");
        ps->p++;
        CIM_CHECK(parse_expr(ps));
        if (args == 2) {
            skip(ps);
            if (*ps->p != ',') return fail(ps, "',' expected (min and max take two arguments)");
            ps->p++;
            CIM_CHECK(parse_expr(ps));
        }
        skip(ps);
        if (*ps->p != ')') return fail(ps, "')' expected");
        ps->p++;
        return emit(ps, op, 0, 0, args == 2 ? -1 : 0);
    }
    int slot = name_slot(ps, name, len);
    if (slot < 0) return slot;
    return emit(ps, OP_NAME, slot, 0, 1);
}

static int parse_power(Parser *ps)
{
    CIM_CHECK(parse_primary(ps));
    skip(ps);
    if (*ps->p == '^' || (ps->p[0] == '*' && ps->p[1] == '*')) {
        ps->p += *ps->p == '^' ? 1 : 2;
        CIM_CHECK(parse_unary(ps));
        return emit(ps, OP_POW, 0, 0, -1);
    }
    return 0;
}

static int parse_unary(Parser *ps)
{
    skip(ps);
    if (++ps->nest > MAXDEPTH) return fail(ps, "expression too deep");
    int rc;
    if (*ps->p == '-' || *ps->p == '+') {
        int neg = *ps->p == '-';
        ps->p++;
        rc = parse_unary(ps);
        if (rc == 0 && neg) rc = emit(ps, OP_NEG, 0, 0, 0);
    } else {
        rc = parse_power(ps);
    }
    ps->nest--;
    return rc;
}

static int parse_term(Parser *ps)
{
    CIM_CHECK(parse_unary(ps));
    for (;;) {
        skip(ps);
        char c = *ps->p;
        if ((c != '*' && c != '/') || ps->p[1] == '*') return 0;
        ps->p++;
        CIM_CHECK(parse_unary(ps));
        CIM_CHECK(emit(ps, c == '*' ? OP_MUL : OP_DIV, 0, 0, -1));
    }
}

static int parse_expr(Parser *ps)
{
    if (++ps->nest > MAXDEPTH) return fail(ps, "expression too deep");
    CIM_CHECK(parse_term(ps));
    for (;;) {
        skip(ps);
        char c = *ps->p;
        if (c != '+' && c != '-') break;
        ps->p++;
        CIM_CHECK(parse_term(ps));
        CIM_CHECK(emit(ps, c == '+' ? OP_ADD : OP_SUB, 0, 0, -1));
    }
    ps->nest--;
    return 0;
}

void cim_expr_free(CimExpr *x)
{
    if (!x) return;
    for (int i = 0; i < x->nnames; i++) free(x->names[i]);
    free(x->prog);
    free(x->src);
    free(x);
}

int cim_expr_parse(const char *src, CimExpr **out, CimErr *e)
{
    *out = NULL;
    CimExpr *x = calloc(1, sizeof *x);
    CIM_RETURN_IF(!x, e, CIM_ERR_NOMEM, "out of memory");
    x->src = strdup(src);
    if (!x->src) { free(x); return cim_err(e, CIM_ERR_NOMEM, "out of memory"); }
    Parser ps = {src, src, x, e, 0};
    int rc = parse_expr(&ps);
    if (rc == 0) {
        skip(&ps);
        if (*ps.p) rc = fail(&ps, "operator or end expected");
    }
    if (rc < 0) { cim_expr_free(x); return rc; }
    *out = x;
    return 0;
}

int cim_expr_nnames(const CimExpr *x) { return x->nnames; }
const char *cim_expr_name(const CimExpr *x, int i) { return x->names[i]; }
const char *cim_expr_source(const CimExpr *x) { return x->src; }

void cim_expr_bind_column(CimExpr *x, int i, int c) { x->kind[i] = OP_COL; x->index[i] = c; }
void cim_expr_bind_param(CimExpr *x, int i, int p) { x->kind[i] = OP_PARAM; x->index[i] = p; }

int cim_expr_has_params(const CimExpr *x)
{
    for (int i = 0; i < x->nnames; i++)
        if (x->kind[i] == OP_PARAM) return 1;
    return 0;
}

/* Whether the program is affine in the parameter set S: an abstract run
 * that tracks, per stack entry, the parameters it depends on and whether it
 * is affine in S. */
static int affine_in(const CimExpr *x, unsigned S)
{
    unsigned deps[MAXDEPTH + 1];
    int aff[MAXDEPTH + 1], sp = 0;
    for (int k = 0; k < x->n; k++) {
        const Ins *in = &x->prog[k];
        int a = sp - 2, b = sp - 1;
        switch (in->op) {
        case OP_CONST: deps[sp] = 0; aff[sp++] = 1; break;
        case OP_NAME:
            deps[sp] = x->kind[in->slot] == OP_PARAM ? 1u << x->index[in->slot] : 0;
            aff[sp++] = 1;
            break;
        case OP_ADD: case OP_SUB:
            aff[a] = aff[a] && aff[b]; deps[a] |= deps[b]; sp--; break;
        case OP_MUL:
            aff[a] = aff[a] && aff[b] && (!(deps[a] & S) || !(deps[b] & S)); deps[a] |= deps[b]; sp--; break;
        case OP_DIV:
            aff[a] = aff[a] && !(deps[b] & S); deps[a] |= deps[b]; sp--; break;
        case OP_POW: case OP_MIN: case OP_MAX:
            aff[a] = !((deps[a] | deps[b]) & S); deps[a] |= deps[b]; sp--; break;
        case OP_NEG: break;
        default: aff[sp - 1] = !(deps[sp - 1] & S); break;
        }
    }
    return sp == 1 && aff[0];
}

unsigned cim_expr_exponent_params(const CimExpr *x)
{
    unsigned deps[MAXDEPTH + 1], out = 0;
    int sp = 0;
    for (int k = 0; k < x->n; k++) {
        const Ins *in = &x->prog[k];
        switch (in->op) {
        case OP_CONST: deps[sp++] = 0; break;
        case OP_NAME: deps[sp++] = x->kind[in->slot] == OP_PARAM ? 1u << x->index[in->slot] : 0; break;
        case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MIN: case OP_MAX:
            deps[sp - 2] |= deps[sp - 1]; sp--; break;
        case OP_POW: out |= deps[sp - 1]; deps[sp - 2] |= deps[sp - 1]; sp--; break;
        default: break;
        }
    }
    return out;
}

unsigned cim_expr_linear_params(const CimExpr *x, unsigned candidates)
{
    unsigned S = 0;
    for (int p = 0; p < CIM_EXPR_MAXGRAD; p++) {
        unsigned bit = 1u << p;
        if ((candidates & bit) && affine_in(x, S | bit)) S |= bit;
    }
    return S;
}

double cim_expr_eval(const CimExpr *x, const double *cols, const double *theta)
{
    double st[MAXDEPTH + 1];
    int sp = 0;
    for (int k = 0; k < x->n; k++) {
        const Ins *in = &x->prog[k];
        switch (in->op) {
        case OP_CONST: st[sp++] = in->c; break;
        case OP_NAME:
            st[sp++] = x->kind[in->slot] == OP_COL ? cols[x->index[in->slot]]
                     : x->kind[in->slot] == OP_PARAM ? theta[x->index[in->slot]] : NAN;
            break;
        case OP_ADD: sp--; st[sp - 1] += st[sp]; break;
        case OP_SUB: sp--; st[sp - 1] -= st[sp]; break;
        case OP_MUL: sp--; st[sp - 1] *= st[sp]; break;
        case OP_DIV: sp--; st[sp - 1] /= st[sp]; break;
        case OP_POW: sp--; st[sp - 1] = pow(st[sp - 1], st[sp]); break;
        case OP_NEG: st[sp - 1] = -st[sp - 1]; break;
        case OP_EXP: st[sp - 1] = exp(st[sp - 1]); break;
        case OP_LOG: st[sp - 1] = log(st[sp - 1]); break;
        case OP_LOG10: st[sp - 1] = log10(st[sp - 1]); break;
        case OP_SQRT: st[sp - 1] = sqrt(st[sp - 1]); break;
        case OP_ABS: st[sp - 1] = fabs(st[sp - 1]); break;
        case OP_MIN: sp--; st[sp - 1] = st[sp] < st[sp - 1] ? st[sp] : st[sp - 1]; break;
        case OP_MAX: sp--; st[sp - 1] = st[sp] > st[sp - 1] ? st[sp] : st[sp - 1]; break;
        }
    }
    return sp == 1 ? st[0] : NAN;
}

/* A one-argument function's value at x, and its derivative there in *d. */
static double unary(int op, double x, double *d)
{
    double r;
    switch (op) {
    case OP_NEG: r = -x; *d = -1; break;
    case OP_EXP: r = exp(x); *d = r; break;
    case OP_LOG: r = log(x); *d = 1 / x; break;
    case OP_LOG10: r = log10(x); *d = 1 / (x * M_LN10); break;
    case OP_SQRT: r = sqrt(x); *d = 0.5 / r; break;
    default: r = fabs(x); *d = x < 0 ? -1 : 1; break;
    }
    return r;
}

/* Forward mode, every gradient entry of a stack slot that has one: the
 * reference for eval_grad below, which falls back to it where a value is not
 * finite (0·inf in an entry it skips would be NaN here). */
static double eval_grad_dense(const CimExpr *x, const double *cols, const double *theta, int np,
                              double *grad)
{
    double v[MAXDEPTH + 1], g[MAXDEPTH + 1][CIM_EXPR_MAXGRAD];
    int nz[MAXDEPTH + 1], sp = 0;
    if (np > CIM_EXPR_MAXGRAD) np = CIM_EXPR_MAXGRAD;
    for (int k = 0; k < x->n; k++) {
        const Ins *in = &x->prog[k];
        int a = sp - 2, b = sp - 1, t = sp - 1;
        switch (in->op) {
        case OP_CONST:
            v[sp] = in->c; nz[sp++] = 0;
            break;
        case OP_NAME: {
            int kind = x->kind[in->slot], idx = x->index[in->slot];
            if (kind == OP_PARAM) {
                v[sp] = theta[idx];
                for (int j = 0; j < np; j++) g[sp][j] = j == idx;
                nz[sp++] = 1;
            } else {
                v[sp] = kind == OP_COL ? cols[idx] : NAN;
                nz[sp++] = 0;
            }
            break;
        }
        case OP_ADD: case OP_SUB: {
            double s = in->op == OP_ADD ? 1 : -1;
            v[a] += s * v[b];
            if (nz[b]) {
                if (nz[a]) for (int j = 0; j < np; j++) g[a][j] += s * g[b][j];
                else for (int j = 0; j < np; j++) g[a][j] = s * g[b][j];
                nz[a] = 1;
            }
            sp--;
            break;
        }
        case OP_MUL:
            if (nz[a] && nz[b]) for (int j = 0; j < np; j++) g[a][j] = g[a][j] * v[b] + g[b][j] * v[a];
            else if (nz[a]) for (int j = 0; j < np; j++) g[a][j] *= v[b];
            else if (nz[b]) for (int j = 0; j < np; j++) g[a][j] = g[b][j] * v[a];
            nz[a] |= nz[b];
            v[a] *= v[b];
            sp--;
            break;
        case OP_DIV: {
            double q = v[a] / v[b];
            if (nz[a] && nz[b]) for (int j = 0; j < np; j++) g[a][j] = (g[a][j] - q * g[b][j]) / v[b];
            else if (nz[a]) for (int j = 0; j < np; j++) g[a][j] /= v[b];
            else if (nz[b]) for (int j = 0; j < np; j++) g[a][j] = -q * g[b][j] / v[b];
            nz[a] |= nz[b];
            v[a] = q;
            sp--;
            break;
        }
        case OP_POW: {
            double r = pow(v[a], v[b]);
            /* d(a^b) = b a^(b-1) da + a^b ln a db */
            double da = 0, db = nz[b] ? r * log(v[a]) : 0;
            /* b·a^b/a saves a pow; not where a^b or a is near the ends of the doubles */
            if (nz[a]) da = fabs(r) > 1e-280 && fabs(r) < 1e280 && fabs(v[a]) > 1e-280 ? v[b] * r / v[a] : v[b] * pow(v[a], v[b] - 1);
            /* A zero direction contributes 0, not 0·inf (0^b, ln 0). */
            for (int j = 0; (nz[a] || nz[b]) && j < np; j++) {
                double ga = nz[a] ? g[a][j] : 0, gb = nz[b] ? g[b][j] : 0;
                g[a][j] = (ga != 0 ? da * ga : 0) + (gb != 0 ? db * gb : 0);
            }
            nz[a] |= nz[b];
            v[a] = r;
            sp--;
            break;
        }
        case OP_MIN: case OP_MAX: {
            /* the derivative of the branch taken (the first on a tie) */
            int second = in->op == OP_MIN ? v[b] < v[a] : v[b] > v[a];
            if (second) {
                v[a] = v[b];
                if (nz[b]) for (int j = 0; j < np; j++) g[a][j] = g[b][j];
                nz[a] = nz[b];
            }
            sp--;
            break;
        }
        default: {
            double d;
            double r = unary(in->op, v[t], &d);
            if (nz[t]) for (int j = 0; j < np; j++) g[t][j] = g[t][j] != 0 ? g[t][j] * d : 0;
            v[t] = r;
            break;
        }
        }
    }
    if (sp != 1) {
        for (int j = 0; j < np; j++) grad[j] = NAN;
        return NAN;
    }
    for (int j = 0; j < np; j++) grad[j] = nz[0] ? g[0][j] : 0;
    return v[0];
}

/* Forward mode: each stack entry carries its gradient g[.][0..np) and a mask
 * of the entries that may be non-zero (the others are 0 and never read), so
 * columns and constants cost nothing in the gradient arithmetic and a
 * parameter's own entry is the only one its slot carries until sums and
 * products merge slots. With finite values this is the dense evaluation's
 * arithmetic on the entries it touches (the rest are exact zeros there); a
 * value that is not finite sends the row to the dense evaluation. */
#define EACH(j, mask) \
    for (unsigned bits_ = (mask), j; bits_ && ((j = (unsigned)__builtin_ctz(bits_)), 1); \
         bits_ &= bits_ - 1)
double cim_expr_eval_grad(const CimExpr *x, const double *cols, const double *theta, int np,
                          double *grad)
{
    double v[MAXDEPTH + 1], g[MAXDEPTH + 1][CIM_EXPR_MAXGRAD];
    unsigned m[MAXDEPTH + 1];
    int sp = 0;
    if (np > CIM_EXPR_MAXGRAD) np = CIM_EXPR_MAXGRAD;
    for (int k = 0; k < x->n; k++) {
        const Ins *in = &x->prog[k];
        int a = sp - 2, b = sp - 1, t = sp - 1;
        switch (in->op) {
        case OP_CONST:
            v[sp] = in->c;
            m[sp++] = 0;
            t = sp - 1;
            break;
        case OP_NAME: {
            int kind = x->kind[in->slot], idx = x->index[in->slot];
            if (kind == OP_PARAM) {
                v[sp] = theta[idx];
                m[sp] = idx < np ? 1u << idx : 0;
                if (idx < np) g[sp][idx] = 1;
                sp++;
            } else {
                v[sp] = kind == OP_COL ? cols[idx] : NAN;
                m[sp++] = 0;
            }
            t = sp - 1;
            break;
        }
        case OP_ADD: case OP_SUB: {
            double s = in->op == OP_ADD ? 1 : -1;
            v[a] += s * v[b];
            EACH(j, m[b]) g[a][j] = (m[a] >> j & 1) ? g[a][j] + s * g[b][j] : s * g[b][j];
            m[a] |= m[b];
            sp--;
            t = a;
            break;
        }
        case OP_MUL:
            if (m[a] && m[b])
                EACH(j, m[a] | m[b]) {
                    double ga = (m[a] >> j & 1) ? g[a][j] : 0, gb = (m[b] >> j & 1) ? g[b][j] : 0;
                    g[a][j] = ga * v[b] + gb * v[a];
                }
            else if (m[a]) EACH(j, m[a]) g[a][j] *= v[b];
            else EACH(j, m[b]) g[a][j] = g[b][j] * v[a];
            m[a] |= m[b];
            v[a] *= v[b];
            sp--;
            t = a;
            break;
        case OP_DIV: {
            double q = v[a] / v[b];
            if (m[a] && m[b])
                EACH(j, m[a] | m[b]) {
                    double ga = (m[a] >> j & 1) ? g[a][j] : 0, gb = (m[b] >> j & 1) ? g[b][j] : 0;
                    g[a][j] = (ga - q * gb) / v[b];
                }
            else if (m[a]) EACH(j, m[a]) g[a][j] /= v[b];
            else EACH(j, m[b]) g[a][j] = -q * g[b][j] / v[b];
            m[a] |= m[b];
            v[a] = q;
            sp--;
            t = a;
            break;
        }
        case OP_POW: {
            double r = pow(v[a], v[b]);
            double da = 0, db = m[b] ? r * log(v[a]) : 0;
            int plain = fabs(r) > 1e-280 && fabs(r) < 1e280 && fabs(v[a]) > 1e-280;
            if (m[a]) da = plain ? v[b] * r / v[a] : v[b] * pow(v[a], v[b] - 1);
            EACH(j, m[a] | m[b]) {
                double ga = (m[a] >> j & 1) ? g[a][j] : 0, gb = (m[b] >> j & 1) ? g[b][j] : 0;
                g[a][j] = (ga != 0 ? da * ga : 0) + (gb != 0 ? db * gb : 0);
            }
            m[a] |= m[b];
            v[a] = r;
            sp--;
            t = a;
            break;
        }
        case OP_MIN: case OP_MAX: {
            int second = in->op == OP_MIN ? v[b] < v[a] : v[b] > v[a];
            if (second) {
                v[a] = v[b];
                EACH(j, m[b]) g[a][j] = g[b][j];
                m[a] = m[b];
            }
            sp--;
            t = a;
            break;
        }
        default: {
            double d;
            double r = unary(in->op, v[t], &d);
            EACH(j, m[t]) g[t][j] = g[t][j] != 0 ? g[t][j] * d : 0;
            v[t] = r;
            break;
        }
        }
        if (!isfinite(v[t])) return eval_grad_dense(x, cols, theta, np, grad);
    }
    if (sp != 1) {
        for (int j = 0; j < np; j++) grad[j] = NAN;
        return NAN;
    }
    for (int j = 0; j < np; j++) grad[j] = (m[0] >> j & 1) ? g[0][j] : 0;
    return v[0];
}
#undef EACH
