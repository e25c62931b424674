"""Grading: a submission's modules, each in a sandboxed worker, every check a Hypothesis search.

    grade.py    the loop over topics and exercises of one submission
    session.py  one module in one worker: requests, outcomes, the oracle's values (memoised)
    search.py   one check as a Hypothesis search over the exercise's inputs, shrinking failures
    curve.py    a training exercise's learning curve, replayed for the HTML report (never graded)
    results.py  what comes out: Report, ExerciseResult, CheckResult
"""
from autograder.grading.grade import grade
from autograder.grading.results import CheckResult, ExerciseResult, Report, Timing

__all__ = ["grade", "Report", "ExerciseResult", "CheckResult", "Timing"]
