/*
 * python/sepbench/_sepbench.c — the CPython extension of the sepbench
 * package: NumPy arrays in, the public C API (sepbench/sepbench.h) called
 * with the GIL released, NumPy arrays out.  No metric logic lives here;
 * the shapes and names of museval and mir_eval are made in __init__.py.
 *
 * A new function is one wrapper: parse its arguments, view the arrays with
 * signals_view, release the GIL around the C call, build the result, and
 * list it in methods[] (the Python function with its docstring goes into
 * __init__.py).  The store's wrappers are in store.c.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "sepbench/sepbench.h"
#include "ext.h"

/* A C-contiguous float64 array (n_src, n_chan, n_samples) as a group of
 * signals; *chan is allocated (PyMem) and freed by the caller. */
static int signals_view(PyArrayObject *a, int rate, sepbench_signals *s, const double ***chan)
{
  npy_intp *d, i;
  const double *base;

  if (PyArray_NDIM(a) != 3 || PyArray_TYPE(a) != NPY_DOUBLE || !PyArray_IS_C_CONTIGUOUS(a)) {
    PyErr_SetString(PyExc_ValueError, "internal: signals must be C-contiguous float64 (src, chan, samples)");
    return -1;
  }
  d = PyArray_DIMS(a);
  if (d[0] > INT_MAX || d[1] > INT_MAX) {
    PyErr_SetString(PyExc_ValueError, "too many sources or channels");
    return -1;
  }
  *chan = PyMem_Malloc(sizeof **chan * (size_t)(d[0] * d[1] > 0 ? d[0] * d[1] : 1));
  if (!*chan) {
    PyErr_NoMemory();
    return -1;
  }
  base = (const double *)PyArray_DATA(a);
  for (i = 0; i < d[0] * d[1]; i++)
    (*chan)[i] = base + i * d[2];
  s->n_src = (int)d[0];
  s->n_chan = (int)d[1];
  s->n_samples = (int64_t)d[2];
  s->rate = rate;
  s->chan = *chan;
  return 0;
}

PyObject *raise_err(sb_err err, const sb_msg *msg)
{
  const char *text = msg->text[0] ? msg->text : sb_strerror(err);

  if (err == SB_ENOMEM)
    return PyErr_NoMemory();
  if (err == SB_ENOTFOUND)
    PyErr_SetString(PyExc_FileNotFoundError, text);
  else if (err == SB_EIO)
    PyErr_SetString(PyExc_OSError, text);
  else if (err == SB_EINVAL || err == SB_ECHAN || err == SB_ELENGTH || err == SB_ERATE || err == SB_ENONFINITE ||
      err == SB_ESILENT)
    PyErr_SetString(PyExc_ValueError, text);
  else
    PyErr_SetString(PyExc_RuntimeError, text);
  return NULL;
}

/* A new float64 array of the given shape filled from src (NaN when src is
 * NULL). */
static PyObject *doubles(int nd, npy_intp *dims, const double *src)
{
  PyObject *a = PyArray_SimpleNew(nd, dims, NPY_DOUBLE);
  npy_intp i, n;
  double *dst;

  if (!a)
    return NULL;
  n = PyArray_SIZE((PyArrayObject *)a);
  dst = (double *)PyArray_DATA((PyArrayObject *)a);
  for (i = 0; i < n; i++)
    dst[i] = src ? src[i] : Py_NAN;
  return a;
}

/* A new int64 array from n ints (NULL: None). */
static PyObject *ints(int nd, npy_intp *dims, const int *src)
{
  PyObject *a;
  npy_intp i, n;
  npy_int64 *dst;

  if (!src)
    Py_RETURN_NONE;
  a = PyArray_SimpleNew(nd, dims, NPY_INT64);
  if (!a)
    return NULL;
  n = PyArray_SIZE((PyArrayObject *)a);
  dst = (npy_int64 *)PyArray_DATA((PyArrayObject *)a);
  for (i = 0; i < n; i++)
    dst[i] = src[i];
  return a;
}

/* Whole-signal metric m of every reference as a (n_src,) array. */
static PyObject *values_of(const sepbench_result *r, int m)
{
  npy_intp n = sepbench_result_n_src(r), j;
  PyObject *a = PyArray_SimpleNew(1, &n, NPY_DOUBLE);

  if (!a)
    return NULL;
  for (j = 0; j < n; j++)
    ((double *)PyArray_DATA((PyArrayObject *)a))[j] = sepbench_result_value(r, (int)j, m);
  return a;
}

int put(PyObject *d, const char *key, PyObject *value)
{
  int rc;

  if (!value)
    return -1;
  rc = PyDict_SetItemString(d, key, value);
  Py_DECREF(value);
  return rc;
}

/* The result as a dict: "frames" {name: (n_src, n_frames)}, "values"
 * {name: (n_src,)}, "track" {name: float}, "perm", "perm_si", "frame_perm" (or None),
 * "frame_flags", "win", "hop", "note", and with PS/PM "pspm" {name:
 * (n_src, n)} and "pspm_hop". */
static PyObject *result_dict(const sepbench_result *r)
{
  int n_src = sepbench_result_n_src(r), m;
  npy_intp fd[2] = {n_src, (npy_intp)sepbench_result_n_frames(r)}, vd[1] = {n_src};
  npy_intp pd[2] = {n_src, (npy_intp)sepbench_result_pspm_frames(r)};
  PyObject *d = PyDict_New(), *frames = PyDict_New(), *values = PyDict_New(), *pspm = PyDict_New();
  PyObject *track = PyDict_New();
  const unsigned char *flags = sepbench_result_frame_flags(r);
  PyObject *fl;

  if (!d || !frames || !values || !pspm || !track)
    goto fail;
  for (m = 0; m < SEPBENCH_FRAME_COUNT; m++)
    if (sepbench_result_frames(r, m) && put(frames, sepbench_frame_name(m), doubles(2, fd, sepbench_result_frames(r, m))))
      goto fail;
  for (m = 0; m < SEPBENCH_VALUE_COUNT; m++)
    if (put(values, sepbench_value_name(m), values_of(r, m)))
      goto fail;
  for (m = 0; m < SEPBENCH_SERIES_COUNT; m++)
    if (sepbench_result_pspm(r, m) && put(pspm, m == SEPBENCH_SERIES_PS ? "PS" : "PM",
                                           doubles(2, pd, sepbench_result_pspm(r, m))))
      goto fail;
  for (m = 0; m < SEPBENCH_TRACK_COUNT; m++)
    if (put(track, sepbench_track_name(m), PyFloat_FromDouble(sepbench_result_track(r, m))))
      goto fail;
  if (put(d, "frames", frames) || put(d, "values", values) || put(d, "pspm", pspm) || put(d, "track", track))
    goto fail_owned;
  fl = PyBytes_FromStringAndSize((const char *)flags, flags ? fd[1] : 0);
  if (put(d, "perm", ints(1, vd, sepbench_result_permutation(r))) ||
      put(d, "perm_si", ints(1, vd, sepbench_result_permutation_si(r))) ||
      put(d, "frame_perm", ints(2, fd, sepbench_result_frame_permutation(r))) || put(d, "frame_flags", fl) ||
      put(d, "win", PyLong_FromLongLong(sepbench_result_win(r))) ||
      put(d, "hop", PyLong_FromLongLong(sepbench_result_hop(r))) ||
      put(d, "pspm_hop", PyFloat_FromDouble(sepbench_result_pspm_hop(r))) ||
      put(d, "note", PyUnicode_FromString(sepbench_result_note(r))))
    goto fail_owned;
  return d;
fail:
  Py_XDECREF(frames);
  Py_XDECREF(values);
  Py_XDECREF(pspm);
  Py_XDECREF(track);
fail_owned:
  Py_XDECREF(d);
  return NULL;
}

/* An argument that must be a float64 (src, chan, samples) array. */
static int as_signals(PyObject *obj, void *out)
{
  if (obj == Py_None) {
    *(PyArrayObject **)out = NULL;
    return 1;
  }
  if (!PyArray_Check(obj)) {
    PyErr_SetString(PyExc_TypeError, "internal: a NumPy array expected");
    return 0;
  }
  *(PyArrayObject **)out = (PyArrayObject *)obj;
  return 1;
}

static void free_result_capsule(PyObject *cap)
{
  sepbench_result *r = PyCapsule_GetPointer(cap, SBPY_RESULT_CAPSULE);

  sepbench_result_free(&r);
}

/* (d, a capsule owning *r); *r becomes NULL.  Steals d. */
static PyObject *keep_result(PyObject *d, sepbench_result **r)
{
  PyObject *cap = PyCapsule_New(*r, SBPY_RESULT_CAPSULE, free_result_capsule);

  if (!cap) {
    Py_DECREF(d);
    return NULL;
  }
  *r = NULL;
  return Py_BuildValue("(NN)", d, cap);
}

PyDoc_STRVAR(evaluate_doc,
             "_evaluate(ref, est, mix, rate, metrics, mode, criterion, permutation, silent, win, hop,\n"
             "          filter_len, zero_mean, threads, frame_permutation, pspm_embedder=None, keep=False,\n"
             "          frames_only=False)\n"
             "          -> dict, or (dict, result capsule) with keep\n\n"
             "One sepbench_evaluate call on float64 (src, chan, samples) arrays; the GIL is released\n"
             "while it computes.  The public functions of the sepbench package call it; keep hands\n"
             "the C result on to _store_put.");

static PyObject *py_evaluate(PyObject *self, PyObject *args)
{
  PyArrayObject *ref = NULL, *est = NULL, *mix = NULL;
  sepbench_signals rs, es, ms;
  const double **rc = NULL, **ec = NULL, **mc = NULL;
  sepbench_options o;
  sepbench_result *r = NULL;
  const char *embedder = NULL;
  long long win, hop;
  int rate, threads, frame_perm, keep = 0, frames_only = 0;
  unsigned metrics;
  sb_err err;
  sb_msg msg;
  PyObject *out = NULL;

  sepbench_options_init(&o, 0);
  if (!PyArg_ParseTuple(args, "O&O&O&iIiiiiLLiiip|zpp:_evaluate", as_signals, &ref, as_signals, &est, as_signals,
                        &mix, &rate, &metrics, &o.mode, &o.criterion, &o.permutation, &o.silent, &win, &hop,
                        &o.filter_len, &o.zero_mean, &threads, &frame_perm, &embedder, &keep, &frames_only))
    return NULL;
  if (!ref || !est) {
    PyErr_SetString(PyExc_TypeError, "references and estimates are required");
    return NULL;
  }
  o.metrics = metrics;
  o.win = win;
  o.hop = hop;
  o.threads = threads;
  o.frame_permutation = frame_perm;
  o.frames_only = frames_only;
  o.pspm_embedder = embedder;
  if (signals_view(ref, rate, &rs, &rc) || signals_view(est, rate, &es, &ec) ||
      (mix && signals_view(mix, rate, &ms, &mc)))
    goto done;
  sb_msg_clear(&msg);
  Py_BEGIN_ALLOW_THREADS
  err = sepbench_evaluate(&o, &rs, &es, mix ? &ms : NULL, &r, &msg);
  Py_END_ALLOW_THREADS
  if (err != SB_OK)
    raise_err(err, &msg);
  else if ((out = result_dict(r)) && keep)
    out = keep_result(out, &r);
done:
  sepbench_result_free(&r);
  PyMem_Free(rc);
  PyMem_Free(ec);
  PyMem_Free(mc);
  return out;
}

static PyObject *py_version(PyObject *self, PyObject *unused)
{
  return PyUnicode_FromString(sepbench_version());
}

static PyMethodDef methods[] = {
  {"_evaluate", py_evaluate, METH_VARARGS, evaluate_doc},
  {"_version", py_version, METH_NOARGS, "The C library's version."},
  STORE_METHODS
  {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
  PyModuleDef_HEAD_INIT, "_sepbench", "The C core of the sepbench package (sepbench/sepbench.h).", -1, methods,
  NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sepbench(void);

PyMODINIT_FUNC PyInit__sepbench(void)
{
  import_array();
  return PyModule_Create(&module);
}
