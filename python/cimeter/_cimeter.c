/*
 * _cimeter.c — the CPython extension under the cimeter package: a thin layer over
 * libcimeter (src/cimeter.h). Every call releases the GIL while the library works;
 * library errors become cimeter.Error with the code's JSON name.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "cimeter.h"
#include "fit/fit.h"

static PyObject *error_type;   /* cimeter.Error, set by the package (_set_error_type) */

static PyObject *raise_err(const CimErr *e)
{
    const char *name = cim_strerror(e->code ? e->code : CIM_ERR_INTERNAL);
    PyObject *type = error_type ? error_type : PyExc_RuntimeError;
    PyObject *exc = PyObject_CallFunction(type, "ss", e->msg[0] ? e->msg : name, name);
    if (exc) {
        PyErr_SetObject(type, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* A command's Python answer: None when it worked, else cimeter.Error raised. */
static PyObject *none_or_raise(int rc, const CimErr *e)
{
    if (rc < 0)
        return raise_err(e);
    Py_RETURN_NONE;
}

static PyObject *set_error_type(PyObject *self, PyObject *type)
{
    Py_XDECREF(error_type);
    Py_INCREF(type);
    error_type = type;
    Py_RETURN_NONE;
}

/* A list of str as a NULL-free C array (borrowed UTF-8 of the list's items). */
static int str_list(PyObject *seq, const char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (seq == Py_None) return 0;
    Py_ssize_t len = PyList_Size(seq);
    if (len < 0) return -1;
    *out = calloc((size_t)len + 1, sizeof **out);
    if (!*out) { PyErr_NoMemory(); return -1; }
    for (Py_ssize_t i = 0; i < len; i++) {
        const char *s = PyUnicode_AsUTF8(PyList_GetItem(seq, i));
        if (!s) { free(*out); *out = NULL; return -1; }
        (*out)[i] = s;
    }
    *n = (size_t)len;
    return 0;
}

/* A memory file the library reads by its /proc/self/fd path. */
typedef struct MemOut {
    int  fd;
    char path[64];
} MemOut;

static int memout_open(MemOut *m)
{
    m->fd = memfd_create("cimeter-json", MFD_CLOEXEC);
    if (m->fd < 0) { PyErr_SetFromErrno(PyExc_OSError); return -1; }
    snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", m->fd);
    return 0;
}


/* A handle through which another thread stops a measure() in progress (Ctrl-C). */
typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock;
    CimRun *run;         /* while measuring */
    int cancelled;
} CancelObject;

static PyObject *cancel_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    CancelObject *self = (CancelObject *)type->tp_alloc(type, 0);
    if (!self) return NULL;
    self->lock = PyThread_allocate_lock();
    if (!self->lock) { Py_DECREF(self); return PyErr_NoMemory(); }
    return (PyObject *)self;
}

static void cancel_dealloc(CancelObject *self)
{
    if (self->lock) PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *cancel_cancel(CancelObject *self, PyObject *unused)
{
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    self->cancelled = 1;
    if (self->run) cim_run_cancel(self->run);
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *cancel_cancelled(CancelObject *self, PyObject *unused)
{
    int cancelled;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    cancelled = self->cancelled;
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    return PyBool_FromLong(cancelled);
}

static PyMethodDef cancel_methods[] = {
    {"cancel", (PyCFunction)cancel_cancel, METH_NOARGS, "Stops the measure() using this handle."},
    {"cancelled", (PyCFunction)cancel_cancelled, METH_NOARGS, "Whether cancel() was called."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject CancelType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cimeter._cimeter._Cancel",
    .tp_basicsize = sizeof(CancelObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Stops a measure() in progress from another thread.",
    .tp_new = cancel_new,
    .tp_dealloc = (destructor)cancel_dealloc,
    .tp_methods = cancel_methods,
};

/* Publishes run to the handle (NULL: the run is over); 1 when already cancelled. */
static int cancel_attach(CancelObject *h, CimRun *run)
{
    if (!h) return 0;
    PyThread_acquire_lock(h->lock, WAIT_LOCK);
    h->run = run;
    int cancelled = h->cancelled;
    if (run && cancelled) cim_run_cancel(run);
    PyThread_release_lock(h->lock);
    return cancelled;
}

/* Overrides the limits named in dict d (the CLI's defaults stay for the others). */
static int set_limits(CimLimits *lim, PyObject *d)
{
    static const char *u64_names[] = {"max_pixels", "max_frames", "max_decoded_bytes"};
    uint64_t *u64_slots[] = {&lim->max_pixels, &lim->max_frames, &lim->max_decoded_bytes};
    for (size_t i = 0; i < 3; i++) {
        PyObject *v = PyDict_GetItemString(d, u64_names[i]);
        if (!v) continue;
        unsigned long long x = PyLong_AsUnsignedLongLong(v);
        if (PyErr_Occurred()) return -1;
        *u64_slots[i] = x;
    }
    static const char *dbl_names[] = {"max_seconds", "time_budget"};
    double *dbl_slots[] = {&lim->max_seconds, &lim->time_budget_s};
    for (size_t i = 0; i < 2; i++) {
        PyObject *v = PyDict_GetItemString(d, dbl_names[i]);
        if (!v) continue;
        double x = PyFloat_AsDouble(v);
        if (PyErr_Occurred()) return -1;
        *dbl_slots[i] = x;
    }
    return 0;
}

static PyObject *py_measure(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"out", "paths", "specs", "jobs", "per_file", "info", "limits",
                            "json_field", "include", "exclude", "cancel", "command", NULL};
    PyObject *paths, *specs = Py_None, *include = Py_None, *exclude = Py_None;
    const char *out_path;
    PyObject *cancel_obj = Py_None;
    PyObject *limits = NULL;
    int jobs = 0, per_file = 0, info = 0;
    const char *json_field = NULL, *command = "cimeter.measure";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sO!|OippO!zOOOs", names, &out_path, &PyList_Type,
                                     &paths, &specs, &jobs, &per_file, &info, &PyDict_Type,
                                     &limits, &json_field, &include, &exclude, &cancel_obj,
                                     &command))
        return NULL;
    if (cancel_obj != Py_None && !PyObject_TypeCheck(cancel_obj, &CancelType)) {
        PyErr_SetString(PyExc_TypeError, "cancel must be a _Cancel handle");
        return NULL;
    }
    CancelObject *handle = cancel_obj == Py_None ? NULL : (CancelObject *)cancel_obj;
    const char **spec_v = NULL, **path_v = NULL, **inc_v = NULL, **exc_v = NULL;
    size_t nspec, npath, ninc, nexc;
    PyObject *result = NULL;
    if (str_list(specs, &spec_v, &nspec) < 0 || str_list(paths, &path_v, &npath) < 0 ||
        str_list(include, &inc_v, &ninc) < 0 || str_list(exclude, &exc_v, &nexc) < 0)
        goto done;
    CimMeasureParams p = cim_measure_default_params();
    p.specs = spec_v;
    p.nspecs = nspec;
    p.threads = jobs;
    p.info = info;
    if (limits && set_limits(&p.limits, limits) < 0) goto done;
    p.json_field = json_field;
    p.include = inc_v;
    p.ninclude = ninc;
    p.exclude = exc_v;
    p.nexclude = nexc;
    CimErr e = {0};
    int rc = 0;
    char *argv[] = {(char *)command};
    Py_BEGIN_ALLOW_THREADS
    CimRun *run = NULL;
    rc = cim_run_create(&run, &p, &e);
    for (size_t i = 0; rc == 0 && i < npath; i++) rc = cim_run_add_path(run, path_v[i], &e);
    if (rc == 0) cancel_attach(handle, run);
    if (rc == 0) rc = cim_run_measure(run, &e);
    if (run) cancel_attach(handle, NULL);
    if (rc == 0) {
        cim_run_set_command(run, 1, argv);
        rc = cim_run_write_json(run, out_path, per_file, &e);
    }
    cim_run_free(run);
    Py_END_ALLOW_THREADS
    result = none_or_raise(rc, &e);
done:
    free(spec_v);
    free(path_v);
    free(inc_v);
    free(exc_v);
    return result;
}

/* fit(out, csv, form, c, results, tokenizers, bootstrap, seed, command, params, columns,
 * start, weight, objective, solver, starts, delta): `cimeter fit` with the same option
 * meanings. form: loglinear, chinchilla, free-c, a named formula (kaplan, gadre, ...)
 * or a formula "L = ..."; params/columns/start: lists as --param/--column/--start;
 * starts: None (the CLI's default), 0 for all, or N. */
static PyObject *py_fit(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"out", "csv", "form", "c", "results", "tokenizers", "bootstrap", "seed",
                            "command", "params", "columns", "start", "weight", "objective",
                            "solver", "starts", "delta", NULL};
    const char *out_path, *csv, *form = "loglinear", *c_list = NULL, *results = NULL;
    const char *command = "cimeter.fit", *weight = NULL, *objective = NULL, *solver = NULL;
    PyObject *toks = Py_None, *params = Py_None, *columns = Py_None, *start = Py_None;
    PyObject *starts_obj = Py_None, *delta_obj = Py_None;
    unsigned int bootstrap = 1000;
    unsigned long long seed = 0;
    int seed_given = 0;
    PyObject *seed_obj = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ss|szzOIOsOOOzzzOO", names, &out_path, &csv, &form,
                                     &c_list, &results, &toks, &bootstrap, &seed_obj, &command,
                                     &params, &columns, &start, &weight, &objective, &solver,
                                     &starts_obj, &delta_obj))
        return NULL;
    if (seed_obj != Py_None) {
        seed = PyLong_AsUnsignedLongLong(seed_obj);
        if (PyErr_Occurred()) return NULL;
        seed_given = 1;
    }
    CimErr e = {CIM_ERR_USAGE, ""};
    CimFitParams p = cim_fit_default_params();
    p.bootstrap = bootstrap;
    if (seed_given) p.seed = seed;
    CimFormulaSpec spec = {0};
    /* --form as the CLI reads it: a formula, a named formula, or a built-in form */
    const char *named = cim_fit_named_formula(form);
    if (strchr(form, '=') || named) {
        p.form = CIM_FIT_FORMULA;
        spec.form = named ? named : form;
        p.formula = &spec;
        p.starts = 0;
    } else {
        int f = cim_fit_form_from_name(form);
        if (f < 0 || f == CIM_FIT_FORMULA) {
            snprintf(e.msg, sizeof e.msg, "unknown form '%s' (loglinear, chinchilla, free-c, "
                     "kaplan, gadre, data-constrained, chinchilla-formula, or a formula "
                     "'L = ...')", form);
            return raise_err(&e);
        }
        p.form = (CimFitForm)f;
    }
    if (objective) {
        int o = cim_fit_objective_from_name(objective);
        if (o < 0) {
            snprintf(e.msg, sizeof e.msg,
                     "unknown objective '%s' (lsq, huber-log, huber-likelihood)", objective);
            return raise_err(&e);
        }
        p.objective = o;
    }
    if (solver) {
        if (!strcmp(solver, "auto")) p.solver = CIM_SOLVER_AUTO;
        else if (!strcmp(solver, "lm")) p.solver = CIM_SOLVER_LM;
        else if (!strcmp(solver, "varpro")) p.solver = CIM_SOLVER_VARPRO;
        else {
            snprintf(e.msg, sizeof e.msg, "unknown solver '%s' (auto, varpro, lm)", solver);
            return raise_err(&e);
        }
    }
    if (starts_obj != Py_None) {
        long n = PyLong_AsLong(starts_obj);
        if (PyErr_Occurred()) return NULL;
        if (n < 0 || n > 1000000) {
            snprintf(e.msg, sizeof e.msg, "starts wants 0 (all) or N in 1..1000000, got %ld", n);
            return raise_err(&e);
        }
        p.starts = (int)n;
    }
    if (delta_obj != Py_None) {
        p.delta = PyFloat_AsDouble(delta_obj);
        if (PyErr_Occurred()) return NULL;
        if (!(p.delta > 0)) {
            snprintf(e.msg, sizeof e.msg, "delta wants a positive number");
            return raise_err(&e);
        }
    }
    int formula_opts = params != Py_None || columns != Py_None || start != Py_None || weight ||
                       objective || solver;
    if (formula_opts && p.form != CIM_FIT_FORMULA) {
        snprintf(e.msg, sizeof e.msg, "params, columns, start, weight, objective and solver go "
                 "with a formula form 'Y = ...'");
        return raise_err(&e);
    }
    const char **tok_v = NULL, **param_v = NULL, **column_v = NULL, **start_v = NULL;
    size_t ntok = 0;
    PyObject *result = NULL;
    if (str_list(toks, &tok_v, &ntok) < 0 || str_list(params, &param_v, &spec.nparams) < 0 ||
        str_list(columns, &column_v, &spec.ncolumns) < 0 ||
        str_list(start, &start_v, &spec.nstarts) < 0)
        goto done;
    spec.params = param_v;
    spec.columns = column_v;
    spec.starts = start_v;
    spec.weight = weight;
    e.code = 0;
    int rc = 0;
    char *argv[] = {(char *)command};
    Py_BEGIN_ALLOW_THREADS
    CimRuns *runs = NULL;
    CimFit *fit = NULL;
    CimFitC cc;
    cim_fitc_init(&cc);
    rc = cim_runs_read_csv(csv, &runs, &e);
    if (rc == 0 && results) rc = cim_fitc_from_results(&cc, results, tok_v, ntok, &e);
    if (rc == 0 && c_list) rc = cim_fitc_parse(&cc, c_list, &e);
    if (rc == 0) rc = cim_fit_run(runs, &cc, &p, &fit, &e);
    if (rc == 0) rc = cim_fit_write_json(fit, out_path, 1, argv, &e);
    cim_fit_free(fit);
    cim_runs_free(runs);
    Py_END_ALLOW_THREADS
    result = none_or_raise(rc, &e);
done:
    free(tok_v);
    free(param_v);
    free(column_v);
    free(start_v);
    return result;
}


/* predict(fit_json, what, x, y): what "flops" (x = C), "params" (x = target loss,
 * y = D), "data" (x = target loss, y = P), "loss" (x = P, y = D) -> (P, D, L). */
static PyObject *py_predict(PyObject *self, PyObject *args)
{
    const char *json, *what;
    Py_ssize_t len;
    double x, y = NAN;
    if (!PyArg_ParseTuple(args, "s#sd|d", &json, &len, &what, &x, &y)) return NULL;
    MemOut in;
    if (memout_open(&in) < 0) return NULL;
    if (write(in.fd, json, (size_t)len) != len) {
        close(in.fd);
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    CimFitModel m;
    memset(&m, 0, sizeof m);
    CimErr e = {0};
    double P = NAN, D = NAN, L = NAN;
    int rc = cim_fit_model_load(in.path, &m, &e);
    close(in.fd);
    if (rc < 0) return raise_err(&e);
    if (!strcmp(what, "flops")) {
        rc = cim_predict_compute_optimal(&m, x, &P, &D, &L, &e);
    } else if (!strcmp(what, "params")) {
        L = x;
        D = y;
        rc = cim_predict_params_for(&m, x, y, &P, &e);
    } else if (!strcmp(what, "data")) {
        L = x;
        P = y;
        rc = cim_predict_data_for(&m, x, y, &D, &e);
    } else {
        P = x;
        D = y;
        L = cim_fit_model_loss(&m, x, y);
    }
    cim_fit_model_free(&m);
    if (rc < 0) return raise_err(&e);
    return Py_BuildValue("(ddd)", P, D, L);
}

static PyObject *py_tokenizers(PyObject *self, PyObject *unused)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return PyErr_SetFromErrno(PyExc_OSError);
    cim_list_tokenizers(f);
    fclose(f);
    PyObject *s = PyUnicode_DecodeUTF8(buf, (Py_ssize_t)len, "replace");
    free(buf);
    return s;
}

static PyObject *py_spec_expand(PyObject *self, PyObject *arg)
{
    const char *spec = PyUnicode_AsUTF8(arg);
    if (!spec) return NULL;
    char *canon = NULL;
    CimErr e = {0};
    if (cim_spec_expand(spec, &canon, &e) < 0) return raise_err(&e);
    PyObject *s = PyUnicode_FromString(canon);
    free(canon);
    return s;
}

/* Counter: one CimCounter, used by one thread at a time (a lock serialises callers). */
typedef struct {
    PyObject_HEAD
    CimCounter *counter;
    PyThread_type_lock lock;
} CounterObject;

static int counter_init(CounterObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"spec", "limits", NULL};
    const char *spec;
    PyObject *limits = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|O!", names, &spec, &PyDict_Type, &limits))
        return -1;
    CimLimits lim = cim_measure_default_params().limits;
    if (limits && set_limits(&lim, limits) < 0) return -1;
    if (self->counter) {
        PyErr_SetString(PyExc_RuntimeError, "Counter is already initialised");
        return -1;
    }
    CimErr e = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = cim_counter_create(&self->counter, spec, &lim, &e);
    Py_END_ALLOW_THREADS
    if (rc < 0) { raise_err(&e); return -1; }
    self->lock = PyThread_allocate_lock();
    if (!self->lock) { PyErr_NoMemory(); return -1; }
    return 0;
}

static void counter_dealloc(CounterObject *self)
{
    cim_counter_free(self->counter);
    if (self->lock) PyThread_free_lock(self->lock);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *counter_count_mod(CounterObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"data", "modality", NULL};
    PyObject *data;
    int expect = CIM_MOD_NONE;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|i", names, &data, &expect)) return NULL;
    if (!self->counter) {
        PyErr_SetString(PyExc_RuntimeError, "Counter is not initialised");
        return NULL;
    }
    Py_buffer view;
    const char *ptr;
    Py_ssize_t n;
    int have_view = 0;
    if (PyUnicode_Check(data)) {
        ptr = PyUnicode_AsUTF8AndSize(data, &n);
        if (!ptr) return NULL;
    } else {
        if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
        have_view = 1;
        ptr = view.buf;
        n = view.len;
    }
    /* str and bytes are immutable; another buffer is held (view) while we count. */
    Py_INCREF(data);
    CimCount c;
    CimErr e = {0};
    int rc;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    rc = cim_counter_count(self->counter, ptr, (size_t)n, (CimModality)expect, &c, &e);
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    if (have_view) PyBuffer_Release(&view);
    Py_DECREF(data);
    if (rc < 0) return raise_err(&e);
    return Py_BuildValue("(sKKKKd)", cim_modality_name(c.modality),
                         (unsigned long long)c.tokens, (unsigned long long)c.raw_bytes,
                         (unsigned long long)c.units, (unsigned long long)c.file_bytes,
                         c.seconds);
}

static PyObject *counter_spec(CounterObject *self, void *closure)
{
    if (!self->counter) Py_RETURN_NONE;
    return PyUnicode_FromString(cim_counter_spec(self->counter));
}

static PyMethodDef counter_methods[] = {
    {"_count", (PyCFunction)(void (*)(void))counter_count_mod, METH_VARARGS | METH_KEYWORDS,
     "_count(data, modality=-1) -> (modality, tokens, raw_bytes, units, file_bytes, seconds)"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef counter_getset[] = {
    {"spec", (getter)counter_spec, NULL, "The canonical tokenizer spec.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject CounterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "cimeter._cimeter._Counter",
    .tp_basicsize = sizeof(CounterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "Counts buffers in memory under one tokenizer (libcimeter's CimCounter).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)counter_init,
    .tp_dealloc = (destructor)counter_dealloc,
    .tp_methods = counter_methods,
    .tp_getset = counter_getset,
};

static PyMethodDef methods[] = {
    {"measure", (PyCFunction)(void (*)(void))py_measure, METH_VARARGS | METH_KEYWORDS,
     "measure(paths, specs, ...) -> the run's JSON text"},
    {"fit", (PyCFunction)(void (*)(void))py_fit, METH_VARARGS | METH_KEYWORDS,
     "fit(out, csv, form, c, results, tokenizers, bootstrap, seed, command, params, columns, "
     "start, weight, objective, solver, starts, delta): writes the fit's JSON to out"},
    {"predict", py_predict, METH_VARARGS, "predict(fit_json, what, x, y) -> (P, D, L)"},
    {"tokenizers", py_tokenizers, METH_NOARGS, "The tokenizer catalogue as text."},
    {"spec_expand", py_spec_expand, METH_O, "Canonical spec of a spec or preset."},
    {"_set_error_type", set_error_type, METH_O, "Sets the exception type raised."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_cimeter", "libcimeter for Python (use the cimeter package).", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__cimeter(void)
{
    if (PyType_Ready(&CounterType) < 0 || PyType_Ready(&CancelType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    Py_INCREF(&CounterType);
    if (PyModule_AddObject(m, "_Counter", (PyObject *)&CounterType) < 0) {
        Py_DECREF(&CounterType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&CancelType);
    if (PyModule_AddObject(m, "_Cancel", (PyObject *)&CancelType) < 0) {
        Py_DECREF(&CancelType);
        Py_DECREF(m);
        return NULL;
    }
    PyModule_AddStringConstant(m, "version", cim_version());
    return m;
}
