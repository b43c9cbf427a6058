/*
 * schemas/store_plugins.h — the values of the metrics users plug in, in the
 * results store (schemas/003_plugin_metrics.sql): what a run needs to
 * compute only the plug-in metrics an item lacks, and the writing of their
 * values into an item that is already stored.
 *
 * A plug-in metric's values are rows of track_values of the item whose key
 * is the run's metric configuration (the built-in values' item), so the
 * reports rank them like any per-track metric; its record in
 * plugin_metrics (item, name) says which key computed them, with what
 * outcome, under which value names.
 *
 * Workload: one look-up per (item, plug-in metric) when a run is planned;
 * one transaction per item that gains plug-in values.
 * Thread-safety: as sb_store (store.h).
 */
#ifndef SB_SCHEMAS_STORE_PLUGINS_H
#define SB_SCHEMAS_STORE_PLUGINS_H

#include <stdint.h>
#include "sepbench/error.h"
#include "schemas/store.h"

/* *done = 1 when the 'done' item of (track, method, config) holds a 'done'
 * record of plug-in metric name whose key is key; 0 otherwise (no such
 * item, no record, a failed one, another key).  SB_EINVAL (NULL argument),
 * SB_EDB. */
sb_err sb_store_plugin_done(sb_store *s, int64_t track_id, int64_t method_id, const char *config, const char *name,
                            const char *key, int *done);

/* The permutation stored with the 'done' item of (track, method, config):
 * perm[j] (j < n) is the estimate matched to reference j.  *found = 0
 * (perm untouched) when there is no such item; an item stored without a
 * permutation gives the identity.  SB_EINVAL (NULL argument, n < 1),
 * SB_EFORMAT (the stored permutation is not n estimate indices), SB_EDB. */
sb_err sb_store_item_perm(sb_store *s, int64_t track_id, int64_t method_id, const char *config, int n, int *perm,
                          int *found);

/* Writes the n_plugins records of plugins into the 'done' item of rec's
 * (track, method, config), in one transaction: each replaces an earlier
 * record of the same name and the values it stored.  rec->targets names
 * the targets of the values (rec->n_targets of them); rec->result is used
 * only for the records of rec->recorded (the built-in groups filed like
 * plug-in metrics, schemas/store.h), written after plugins.  Errors: SB_ENOTFOUND (no 'done' item: nothing written), SB_EINVAL
 * (NULL fields; a value name already stored for the item by another metric:
 * "PATH: 'PESQ' of cmd:pesq is already stored for this item by another
 * metric"), SB_ENOMEM, SB_EDB; on error nothing is written. */
sb_err sb_store_put_plugins(sb_store *s, const sb_item_record *rec, int n_plugins, const sb_plugin_record *plugins,
                            sb_msg *msg);

/* For schemas/store.c: writes the records into item item_id inside the
 * caller's open transaction.  Errors as sb_store_put_plugins. */
sb_err sb_store_write_plugins(sb_store *s, int64_t item_id, const sb_item_record *rec, int n_plugins,
                              const sb_plugin_record *plugins, sb_msg *msg);

#endif /* SB_SCHEMAS_STORE_PLUGINS_H */
