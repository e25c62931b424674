"""Grading a whole class: `python -m autograder grade-all ROOT --out DIR`.

    discover.py  who handed in what: folders, loose files, zips, nbgrader, Gradescope and LMS downloads
    worker.py    what a grading process runs: torch and the catalog loaded once, then whole submissions
    run.py       the batch: parallel (local processes or a Dask cluster), resumable, one results file each
    report.py    the gradebook CSV and the class summary, from the results files

The Gradescope autograder zip, which grades one submission with `discover` and `worker`, is
`autograder.integrations.gradescope`.
"""
