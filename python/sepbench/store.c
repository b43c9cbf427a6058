/*
 * python/sepbench/store.c — the results store in the _sepbench extension:
 * a capsule owning a sepbench_store, listings as lists of dicts, and
 * sepbench_store_put of a result capsule (_evaluate with keep).  The GIL
 * is held throughout: a store handle is used by one thread at a time
 * (sepbench/sepbench.h), and the GIL serialises the calls on one Store.
 * sepbench.Store (__init__.py) makes the Python interface.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "sepbench/sepbench.h"
#include "ext.h"

static void free_store_capsule(PyObject *cap)
{
  sepbench_store *s = PyCapsule_GetPointer(cap, SBPY_STORE_CAPSULE);

  sepbench_store_close(&s);
}

/* The open store of a capsule; NULL with ValueError once it is closed. */
static sepbench_store *store_of(PyObject *cap)
{
  if (!PyCapsule_IsValid(cap, SBPY_STORE_CAPSULE)) {
    PyErr_SetString(PyExc_ValueError, "the store is closed");
    return NULL;
  }
  return PyCapsule_GetPointer(cap, SBPY_STORE_CAPSULE);
}

PyObject *py_store_open(PyObject *self, PyObject *args)
{
  const char *path;
  int write;
  sepbench_store *s = NULL;
  sb_msg msg;
  sb_err err;
  PyObject *cap;

  if (!PyArg_ParseTuple(args, "sp:_store_open", &path, &write))
    return NULL;
  sb_msg_clear(&msg);
  err = sepbench_store_open(path, write ? SEPBENCH_STORE_WRITE : SEPBENCH_STORE_READ, &s, &msg);
  if (err != SB_OK)
    return raise_err(err, &msg);
  cap = PyCapsule_New(s, SBPY_STORE_CAPSULE, free_store_capsule);
  if (!cap)
    sepbench_store_close(&s);
  return cap;
}

PyObject *py_store_close(PyObject *self, PyObject *args)
{
  PyObject *cap;
  sepbench_store *s;

  if (!PyArg_ParseTuple(args, "O:_store_close", &cap))
    return NULL;
  if (!PyCapsule_IsValid(cap, SBPY_STORE_CAPSULE))
    Py_RETURN_NONE;
  s = PyCapsule_GetPointer(cap, SBPY_STORE_CAPSULE);
  sepbench_store_close(&s);
  PyCapsule_SetDestructor(cap, NULL);
  /* A capsule cannot hold NULL: a closed one is renamed, so store_of
   * finds nothing. */
  PyCapsule_SetName(cap, "sepbench_store (closed)");
  Py_RETURN_NONE;
}

PyObject *py_store_newest_config(PyObject *self, PyObject *args)
{
  PyObject *cap;
  const char *suite, *metric;
  char key[1024];
  sepbench_store *s;
  sb_msg msg;
  sb_err err;

  if (!PyArg_ParseTuple(args, "Ozs:_store_newest_config", &cap, &suite, &metric) || !(s = store_of(cap)))
    return NULL;
  sb_msg_clear(&msg);
  err = sepbench_store_newest_config(s, suite, metric, key, sizeof key, &msg);
  if (err != SB_OK)
    return raise_err(err, &msg);
  if (!key[0])
    Py_RETURN_NONE;
  return PyUnicode_FromString(key);
}

/* A str, or None for NULL. */
static PyObject *text(const char *s)
{
  if (!s)
    Py_RETURN_NONE;
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "replace");
}

/* Appends d (stolen) to the list ctx; SB_ENOMEM with the Python error set
 * when d is NULL or cannot be appended. */
static sb_err append(void *ctx, PyObject *d, sb_msg *msg)
{
  int rc = d ? PyList_Append((PyObject *)ctx, d) : -1;

  Py_XDECREF(d);
  return rc ? sb_msg_set(msg, SB_ENOMEM, "a row could not be made") : SB_OK;
}

static sb_err run_row(void *ctx, const sepbench_run *r, sb_msg *msg)
{
  PyObject *d = PyDict_New();

  if (d && (put(d, "id", PyLong_FromLongLong(r->id)) || put(d, "started_at", text(r->started_at)) ||
            put(d, "ended_at", text(r->ended_at)) || put(d, "status", text(r->status)) ||
            put(d, "sepbench_version", text(r->sepbench_version)) ||
            put(d, "git_revision", text(r->git_revision)) || put(d, "host", text(r->host)) ||
            put(d, "command", text(r->command)) || put(d, "suite", text(r->suite)) ||
            put(d, "backends", text(r->backends)) || put(d, "metric_params", text(r->metric_params))))
    Py_CLEAR(d);
  return append(ctx, d, msg);
}

static sb_err item_row(void *ctx, const sepbench_item *it, sb_msg *msg)
{
  PyObject *d = PyDict_New();

  if (d && (put(d, "id", PyLong_FromLongLong(it->id)) || put(d, "suite", text(it->suite)) ||
            put(d, "method", text(it->method)) || put(d, "track", text(it->track)) ||
            put(d, "subset", text(it->subset))))
    Py_CLEAR(d);
  return append(ctx, d, msg);
}

static sb_err value_row(void *ctx, const sepbench_value *v, sb_msg *msg)
{
  PyObject *d = PyDict_New();

  if (d && (put(d, "target", text(v->target)) || put(d, "metric", text(v->metric)) ||
            put(d, "frame", PyLong_FromLongLong(v->frame)) || put(d, "time_s", PyFloat_FromDouble(v->time_s)) ||
            put(d, "duration_s", PyFloat_FromDouble(v->duration_s)) ||
            put(d, "value", PyFloat_FromDouble(v->value))))
    Py_CLEAR(d);
  return append(ctx, d, msg);
}

/* list, or NULL with the error of err raised (the Python one when a row
 * failed). */
static PyObject *listing(PyObject *list, sb_err err, const sb_msg *msg)
{
  if (err == SB_OK)
    return list;
  Py_DECREF(list);
  return PyErr_Occurred() ? NULL : raise_err(err, msg);
}

PyObject *py_store_runs(PyObject *self, PyObject *args)
{
  PyObject *cap, *list;
  const char *config;
  sepbench_store *s;
  sb_msg msg;

  if (!PyArg_ParseTuple(args, "Oz:_store_runs", &cap, &config) || !(s = store_of(cap)) || !(list = PyList_New(0)))
    return NULL;
  sb_msg_clear(&msg);
  return listing(list, sepbench_store_runs(s, config, run_row, list, &msg), &msg);
}

PyObject *py_store_items(PyObject *self, PyObject *args)
{
  PyObject *cap, *list;
  const char *suite, *config, *method;
  sepbench_store *s;
  sb_msg msg;

  if (!PyArg_ParseTuple(args, "Ozsz:_store_items", &cap, &suite, &config, &method) || !(s = store_of(cap)) ||
      !(list = PyList_New(0)))
    return NULL;
  sb_msg_clear(&msg);
  return listing(list, sepbench_store_items(s, suite, config, method, item_row, list, &msg), &msg);
}

PyObject *py_store_values(PyObject *self, PyObject *args)
{
  PyObject *cap, *list;
  long long item;
  int per_track;
  sepbench_store *s;
  sb_msg msg;

  if (!PyArg_ParseTuple(args, "OLp:_store_values", &cap, &item, &per_track) || !(s = store_of(cap)) ||
      !(list = PyList_New(0)))
    return NULL;
  sb_msg_clear(&msg);
  return listing(list, sepbench_store_values(s, item, per_track, value_row, list, &msg), &msg);
}

PyObject *py_store_run_begin(PyObject *self, PyObject *args)
{
  PyObject *cap;
  const char *command, *suite, *methods;
  int64_t id;
  sepbench_store *s;
  sb_msg msg;
  sb_err err;

  if (!PyArg_ParseTuple(args, "Ozzz:_store_run_begin", &cap, &command, &suite, &methods) || !(s = store_of(cap)))
    return NULL;
  sb_msg_clear(&msg);
  err = sepbench_store_run_begin(s, command, suite, methods, &id, &msg);
  return err != SB_OK ? raise_err(err, &msg) : PyLong_FromLongLong(id);
}

PyObject *py_store_run_end(PyObject *self, PyObject *args)
{
  PyObject *cap;
  long long id;
  const char *status;
  sepbench_store *s;
  sb_msg msg;
  sb_err err;

  if (!PyArg_ParseTuple(args, "OLs:_store_run_end", &cap, &id, &status) || !(s = store_of(cap)))
    return NULL;
  sb_msg_clear(&msg);
  err = sepbench_store_run_end(s, id, status, &msg);
  if (err != SB_OK)
    return raise_err(err, &msg);
  Py_RETURN_NONE;
}

/* The strings of a sequence of str as UTF-8 (borrowed from the items of
 * seq, a list kept alive by the caller); *names is PyMem_Malloc'd. */
static int target_names(PyObject *seq, const char ***names, Py_ssize_t *n)
{
  Py_ssize_t i;

  *n = PyList_GET_SIZE(seq);
  *names = PyMem_Malloc(sizeof **names * (size_t)(*n > 0 ? *n : 1));
  if (!*names) {
    PyErr_NoMemory();
    return -1;
  }
  for (i = 0; i < *n; i++)
    if (!((*names)[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(seq, i)))) {
      PyMem_Free(*names);
      return -1;
    }
  return 0;
}

PyObject *py_store_put(PyObject *self, PyObject *args)
{
  PyObject *cap, *rcap, *targets;
  long long run;
  const char *suite, *track, *subset, *method;
  const char **names = NULL;
  double wall;
  Py_ssize_t n;
  sepbench_store *s;
  const sepbench_result *r;
  sepbench_item_info info;
  sb_msg msg;
  sb_err err;

  if (!PyArg_ParseTuple(args, "OOLsszsO!d:_store_put", &cap, &rcap, &run, &suite, &track, &subset, &method,
                        &PyList_Type, &targets, &wall) ||
      !(s = store_of(cap)) || !(r = PyCapsule_GetPointer(rcap, SBPY_RESULT_CAPSULE)) ||
      target_names(targets, &names, &n))
    return NULL;
  info.run_id = run;
  info.suite = suite;
  info.track = track;
  info.method = method;
  info.subset = subset;
  info.n_targets = n > INT_MAX ? INT_MAX : (int)n;
  info.targets = names;
  info.wall_s = wall;
  sb_msg_clear(&msg);
  err = sepbench_store_put(s, &info, r, &msg);
  PyMem_Free(names);
  if (err != SB_OK)
    return raise_err(err, &msg);
  Py_RETURN_NONE;
}
