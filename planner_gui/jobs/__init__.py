"""Background work: one QThread per job, a latest-wins runner, progress and cancel."""
