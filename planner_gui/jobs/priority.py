"""Background threads yield the processor to the GUI thread: a worker lowers its own scheduling
priority (`in_background`) as it starts.

Why: the map's picture, the docks' measures and the exports run in worker threads of the window's
process, and on a machine with fewer free cores than busy threads the operating system shares
them out evenly, so the GUI thread got a third of a core while two workers ran, and a 15 ms
repaint took 50-120 ms (`bench/bench_render.py`: zoom to a million footprints' layer, 90-125 ms
with the GUI thread busy 14-25 ms of it). A worker at a lower priority (a higher nice value, per
thread on Linux) runs as fast as before on an idle core and stands aside when the GUI thread
wants one; what the worker starts (the coverage pool's threads) inherits its priority.

Python's lock is no worse off: a worker holding it is asked to let go within the switch interval
(`planner_gui.process`), and the GUI thread, waiting for it, leaves the core to that worker.
Where a thread's priority cannot be changed (another system, a sandbox refusing it) nothing is
done: the worker runs as it did.
"""
from __future__ import annotations

import os
import sys
import threading

BACKGROUND_NICE = 10  # Linux's nice scale, 0 (normal) to 19: a weight of 110 against the GUI thread's 1024


def in_background() -> None:
    """Lower the calling thread's scheduling priority to BACKGROUND_NICE (never raise it: a
    thread already lower stays so). Call it first thing in a worker thread's run()."""
    if not sys.platform.startswith("linux"):  # elsewhere a thread's id is no process id: nice would miss it
        return
    thread = threading.get_native_id()  # on Linux, a thread's own nice value
    try:
        if os.getpriority(os.PRIO_PROCESS, thread) < BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, thread, BACKGROUND_NICE)
    except OSError:
        pass
