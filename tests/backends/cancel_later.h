/*
 * tests/backends/cancel_later.h — a test helper: the body of a thread that
 * sets a cancel flag after 0.3 s, as Ctrl-C does during a run (the flag
 * that backends/isolate.h and the plugin calls poll).
 */
#ifndef SB_TESTS_CANCEL_LATER_H
#define SB_TESTS_CANCEL_LATER_H

/* pthread start routine: arg is a volatile sig_atomic_t *, set to 1 after
 * CANCEL_LATER_MS milliseconds; returns NULL. */
enum { CANCEL_LATER_MS = 300 };
void *cancel_later(void *arg);

#endif /* SB_TESTS_CANCEL_LATER_H */
