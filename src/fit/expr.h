/*
 * expr.h — the small expression language of law formulas (`--form`,
 * `--column`, `--weight`).
 *
 * Grammar (usual precedence; ^ binds tighter than unary minus and is
 * right-associative, so -x^2 = -(x^2) and 2^-a is allowed; ** is ^):
 *   expr    := term (('+' | '-') term)*
 *   term    := unary (('*' | '/') unary)*
 *   unary   := ('-' | '+') unary | power
 *   power   := primary (('^' | '**') unary)?
 *   primary := NUMBER | NAME | NAME '(' expr ')' | '(' expr ')'
 * NAME is [A-Za-z_][A-Za-z0-9_]* or any text in backquotes (`Model Size`).
 * Functions: exp, log (natural; ln is the same), log10, sqrt, abs, and the
 * two-argument min and max (the gradient of the branch taken).
 *
 * An expression is parsed once into a postfix program over named slots; the
 * caller binds each name to a data column or to a parameter, then evaluates
 * it per row with the value and, in one pass, the exact gradient with respect
 * to every parameter (forward-mode dual numbers: no finite differences).
 * Evaluation writes only to the caller's stack, so one bound program is used
 * by many threads at once.
 */
#ifndef CIM_EXPR_H
#define CIM_EXPR_H
#include "cimeter.h"

#define CIM_EXPR_MAXGRAD 16     /* parameters one gradient carries */

typedef struct CimExpr CimExpr;

/* Parses src; errors name the offset and what was expected. */
int  cim_expr_parse(const char *src, CimExpr **out, CimErr *e);
void cim_expr_free(CimExpr *x);
/* The distinct names the expression uses, in order of first use. */
int         cim_expr_nnames(const CimExpr *x);
const char *cim_expr_name(const CimExpr *x, int i);
/* Binds name i to column c (reads cols[c]) or to parameter p (reads
 * theta[p], gradient slot p < CIM_EXPR_MAXGRAD). */
void cim_expr_bind_column(CimExpr *x, int i, int c);
void cim_expr_bind_param(CimExpr *x, int i, int p);
/* Whether the value depends on any parameter. */
int  cim_expr_has_params(const CimExpr *x);
/* Of the parameters in `candidates` (bit p = parameter p), the largest set S
 * found greedily in parameter order such that the expression is affine in S:
 * f = Σ_{p∈S} g_p·θ_p + h with g_p and h free of every parameter in S. Those
 * enter linearly and can be solved exactly for fixed others (variable
 * projection). */
unsigned cim_expr_linear_params(const CimExpr *x, unsigned candidates);
/* The parameters an exponent depends on (the right side of any ^): bit p
 * for parameter p. */
unsigned cim_expr_exponent_params(const CimExpr *x);
/* Value only. */
double cim_expr_eval(const CimExpr *x, const double *cols, const double *theta);
/* Value and d value / d theta[0..np) into grad (np ≤ CIM_EXPR_MAXGRAD). */
double cim_expr_eval_grad(const CimExpr *x, const double *cols, const double *theta, int np, double *grad);
/* The source text. */
const char *cim_expr_source(const CimExpr *x);

#endif
