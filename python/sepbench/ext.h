/*
 * python/sepbench/ext.h — what the two files of the _sepbench extension
 * share: _sepbench.c (evaluation, the module) and store.c (the results
 * store).  Every function is called with the GIL held.
 */
#ifndef SB_PYTHON_EXT_H
#define SB_PYTHON_EXT_H

#include <Python.h>
#include "sepbench/sepbench.h"

/* The name of the capsules that own a sepbench_result (_evaluate with
 * keep) and a sepbench_store (_store_open). */
#define SBPY_RESULT_CAPSULE "sepbench_result"
#define SBPY_STORE_CAPSULE "sepbench_store"

/* Raises the exception of a failed call and returns NULL: ValueError for
 * the caller's input (SB_EINVAL, SB_ECHAN, SB_ELENGTH, SB_ERATE,
 * SB_ENONFINITE, SB_ESILENT), FileNotFoundError (SB_ENOTFOUND), OSError
 * (SB_EIO), MemoryError, RuntimeError for the rest; the text is msg's. */
PyObject *raise_err(sb_err err, const sb_msg *msg);

/* d[key] = value, stealing value (NULL: a failure already raised); -1 on
 * error. */
int put(PyObject *d, const char *key, PyObject *value);

/* store.c's functions, listed in the module's methods[]. */
PyObject *py_store_open(PyObject *self, PyObject *args);
PyObject *py_store_close(PyObject *self, PyObject *args);
PyObject *py_store_newest_config(PyObject *self, PyObject *args);
PyObject *py_store_runs(PyObject *self, PyObject *args);
PyObject *py_store_items(PyObject *self, PyObject *args);
PyObject *py_store_values(PyObject *self, PyObject *args);
PyObject *py_store_run_begin(PyObject *self, PyObject *args);
PyObject *py_store_run_end(PyObject *self, PyObject *args);
PyObject *py_store_put(PyObject *self, PyObject *args);
#define STORE_METHODS                                                                                          \
  {"_store_open", py_store_open, METH_VARARGS, "_store_open(path, write) -> store capsule"},                   \
  {"_store_close", py_store_close, METH_VARARGS, "_store_close(store): closes it (again: nothing)"},          \
  {"_store_newest_config", py_store_newest_config, METH_VARARGS,                                              \
   "_store_newest_config(store, suite, metric) -> key or None"},                                             \
  {"_store_runs", py_store_runs, METH_VARARGS, "_store_runs(store, config) -> [dict]"},                      \
  {"_store_items", py_store_items, METH_VARARGS, "_store_items(store, suite, config, method) -> [dict]"},    \
  {"_store_values", py_store_values, METH_VARARGS, "_store_values(store, item_id, per_track) -> [dict]"},   \
  {"_store_run_begin", py_store_run_begin, METH_VARARGS,                                                      \
   "_store_run_begin(store, command, suite, methods) -> run id"},                                            \
  {"_store_run_end", py_store_run_end, METH_VARARGS, "_store_run_end(store, run id, status)"},               \
  {"_store_put", py_store_put, METH_VARARGS,                                                                  \
   "_store_put(store, result, run_id, suite, track, subset, method, targets, wall_s)"},

#endif /* SB_PYTHON_EXT_H */
