/*
 * backends/api.c — what every backend implementation shares: the check of
 * a description, of a separation request, "key=value" options and the
 * one-line reason (backends/api.h).
 */
#include <config.h>

#include "backends/api.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sb_err sb_backend_error(char *errbuf, size_t errlen, sb_err err, const char *fmt, ...)
{
  if (errbuf && errlen > 0) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
  }
  return err;
}

sb_err sb_backend_check_name(const char *what, const char *name, const char *punct, sb_msg *msg)
{
  size_t len;

  if (!name)
    return sb_msg_set(msg, SB_EINVAL, "%s without a name", what);
  len = strlen(name);
  if (len < 1 || len > 63)
    return sb_msg_set(msg, SB_EINVAL, "%s name '%.80s' must have 1 to 63 characters", what, name);
  for (size_t i = 0; i < len; i++) {
    const unsigned char ch = (unsigned char)name[i];
    if (!isalnum(ch) && !strchr(punct, ch)) {
      char listed[32] = "";
      for (size_t k = 0; punct[k] && k < 12; k++)
        snprintf(listed + 2 * k, sizeof listed - 2 * k, " %c", punct[k]);
      return sb_msg_set(msg, SB_EINVAL, "%s name '%s': character '%c' is not one of A-Z a-z 0-9%s", what, name, ch,
                        listed);
    }
  }
  return SB_OK;
}

sb_err sb_backend_check(const sb_backend_api *api, sb_msg *msg)
{
  sb_err err;

  if (!api)
    return sb_msg_set(msg, SB_EINVAL, "backend description is NULL");
  if (api->abi_version != SB_BACKEND_ABI_VERSION)
    return sb_msg_set(msg, SB_EUNSUPPORTED, "backend '%s': ABI version %d, sepbench speaks version %d",
                      api->name ? api->name : "(unnamed)", api->abi_version, SB_BACKEND_ABI_VERSION);
  err = sb_backend_check_name("backend", api->name, "_.-", msg);
  if (err)
    return err;
  if (!api->description)
    return sb_msg_set(msg, SB_EINVAL, "backend '%s' has no description", api->name);
  if (!api->create || !api->separate || !api->destroy)
    return sb_msg_set(msg, SB_EINVAL, "backend '%s' lacks its create, separate or destroy function", api->name);
  return SB_OK;
}

sb_err sb_backend_check_job(const char *backend, const sb_separation *job, int needs_refs)
{
  int t;

  if (!job)
    return SB_EINVAL;
  if (!backend)
    backend = "backend";
#define JOB_FAIL(...) sb_backend_error(job->errbuf, job->errlen, SB_EINVAL, __VA_ARGS__)
  if (job->n_chan < 1)
    return JOB_FAIL("%s: %s: %d channels", backend, job->track ? job->track : "?", job->n_chan);
  if (job->n_samples < 1)
    return JOB_FAIL("%s: %s: empty mixture", backend, job->track ? job->track : "?");
  if (job->n_targets < 1)
    return JOB_FAIL("%s: %s: no target to estimate", backend, job->track ? job->track : "?");
  if (!job->mix || !job->targets || !job->est)
    return JOB_FAIL("%s: %s: missing mixture, target names or estimate buffers", backend,
                    job->track ? job->track : "?");
  if (needs_refs && !job->refs)
    return JOB_FAIL("%s: %s: oracle backend needs the references", backend, job->track ? job->track : "?");
  for (t = 0; t < job->n_targets; t++) {
    const char *target = job->targets[t] ? job->targets[t] : "?";
    if (!job->est[t])
      return JOB_FAIL("%s: %s: no estimate buffer for target '%s'", backend, job->track ? job->track : "?", target);
    if (needs_refs && !job->refs[t])
      return JOB_FAIL("%s: %s: missing reference for target '%s'", backend, job->track ? job->track : "?", target);
  }
#undef JOB_FAIL
  return SB_OK;
}

/* [begin, end) without leading and trailing blanks. */
static void trim(const char **begin, const char **end)
{
  while (*begin < *end && isspace((unsigned char)**begin))
    (*begin)++;
  while (*end > *begin && isspace((unsigned char)(*end)[-1]))
    (*end)--;
}

/* Parses one "key=value" item [item, item_end) into parsed[]/seen. */
static sb_err parse_item(const char *backend, const char *item, const char *item_end, const sb_backend_option *opts,
                         size_t n_opts, double *parsed, uint64_t *seen, char *errbuf, size_t errlen)
{
  const char *eq = memchr(item, '=', (size_t)(item_end - item));
  const char *key = item, *key_end, *val, *val_end;
  char text[64], *stop;
  size_t i, len;
  double v;

  if (!eq)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option '%.*s' is not key=value", backend,
                            (int)(item_end - item), item);
  key_end = eq;
  val = eq + 1;
  val_end = item_end;
  trim(&key, &key_end);
  trim(&val, &val_end);
  len = (size_t)(key_end - key);
  for (i = 0; i < n_opts; i++)
    if (strlen(opts[i].key) == len && strncmp(opts[i].key, key, len) == 0)
      break;
  if (i == n_opts) {
    size_t j;
    int used = snprintf(errbuf, errbuf ? errlen : 0, "%s: unknown option '%.*s' (known: ", backend, (int)len, key);
    for (j = 0; j < n_opts && errbuf && used >= 0 && (size_t)used < errlen; j++)
      used += snprintf(errbuf + used, errlen - (size_t)used, "%s%s", j ? ", " : "", opts[j].key);
    if (errbuf && used >= 0 && (size_t)used < errlen)
      snprintf(errbuf + used, errlen - (size_t)used, "%s)", n_opts ? "" : "none");
    return SB_EINVAL;
  }
  if (*seen & (UINT64_C(1) << i))
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option '%s' given twice", backend, opts[i].key);
  len = (size_t)(val_end - val);
  if (len == 0 || len >= sizeof text)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option %s: %s value", backend, opts[i].key,
                            len ? "overlong" : "empty");
  memcpy(text, val, len);
  text[len] = '\0';
  v = strtod(text, &stop);
  if (*stop != '\0' || !isfinite(v))
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option %s=%s: not a finite number", backend,
                            opts[i].key, text);
  if (opts[i].integer && v != floor(v))
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option %s=%s: not a whole number", backend,
                            opts[i].key, text);
  if (v < opts[i].min || v > opts[i].max)
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: option %s=%s: not in [%g, %g]", backend,
                            opts[i].key, text, opts[i].min, opts[i].max);
  parsed[i] = v;
  *seen |= UINT64_C(1) << i;
  return SB_OK;
}

sb_err sb_backend_parse_options(const char *backend, const char *options, const sb_backend_option *opts,
                                size_t n_opts, char *errbuf, size_t errlen)
{
  double parsed[64];
  uint64_t seen = 0;
  const char *item, *end;
  size_t i;

  if (!backend)
    backend = "backend";
  if (n_opts > 64 || (n_opts > 0 && !opts))
    return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: bad option table", backend);
  if (!options)
    return SB_OK;
  item = options;
  end = options + strlen(options);
  trim(&item, &end);
  if (item == end)
    return SB_OK;
  while (item <= end) {
    const char *comma = memchr(item, ',', (size_t)(end - item));
    const char *item_end = comma ? comma : end, *a = item, *b = item_end;
    sb_err err;
    trim(&a, &b);
    if (a == b)
      return sb_backend_error(errbuf, errlen, SB_EINVAL, "%s: empty item in options '%s'", backend, options);
    err = parse_item(backend, a, b, opts, n_opts, parsed, &seen, errbuf, errlen);
    if (err != SB_OK)
      return err;
    if (!comma)
      break;
    item = comma + 1;
  }
  for (i = 0; i < n_opts; i++)
    if (seen & (UINT64_C(1) << i))
      *opts[i].value = parsed[i];
  return SB_OK;
}

char *sb_plugin_options_colon(char *path)
{
  static const char key_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-";
  const char *slash = strrchr(path, '/');
  for (char *c = strchr(path, ':'); c; c = strchr(c + 1, ':')) {
    const size_t key_len = strspn(c + 1, key_chars);
    if (c[1] == '\0' || (key_len > 0 && c[1 + key_len] == '='))
      return c;
  }
  return strchr(slash ? slash : path, ':');
}

