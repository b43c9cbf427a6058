"""pytest plugin of the sepbench tests: one TAP line per test on fd 3.

tests/python/test-python.sh runs pytest with its stdout on stderr and the
TAP stream on fd 3, so that automake's TAP driver counts every pytest test:
'ok N - nodeid' when every phase passed, 'not ok N - nodeid' when one
failed or errored, 'ok N - nodeid # SKIP reason' for a skip (counted as a
skip, not a pass), then the plan.  A session that collected nothing or
failed to collect ends with a 'not ok'.
"""
import os

_tap = None
_count = 0
_state = {}


def pytest_configure(config):
    global _tap
    _tap = os.fdopen(int(os.environ.get("SB_TAP_FD", "3")), "w", buffering=1)


def pytest_runtest_logreport(report):
    st = _state.setdefault(report.nodeid, {"failed": False, "skip": None})
    if report.failed:
        st["failed"] = True
    elif report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        st["skip"] = reason
    if report.when == "teardown":
        _emit(report.nodeid, st)


def _emit(nodeid, st):
    global _count
    _count += 1
    if st["failed"]:
        _tap.write("not ok %d - %s\n" % (_count, nodeid))
    elif st["skip"] is not None:
        _tap.write("ok %d - %s # SKIP %s\n" % (_count, nodeid, st["skip"].replace("\n", " ")))
    else:
        _tap.write("ok %d - %s\n" % (_count, nodeid))


def pytest_collectreport(report):
    global _count
    if report.failed:
        _count += 1
        _tap.write("not ok %d - collecting %s\n" % (_count, report.nodeid or "the tests"))


def pytest_sessionfinish(session, exitstatus):
    global _count
    if _count == 0:
        _count += 1
        _tap.write("not ok 1 - pytest ran no test (exit status %d)\n" % exitstatus)
    _tap.write("1..%d\n" % _count)
    _tap.flush()
