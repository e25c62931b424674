"""Where the grader meets the tools a course runs in; each module is imported only where its tool runs.

    nbgrader.py       inside nbgrader (the instructor's): releasing the notebooks, autograding them in the sandbox
    gradescope/       the Gradescope autograder zip (`gradescope-bundle`): bundle.py, setup.sh, run_autograder
    notebook_cell.py  inside a student's Jupyter kernel: what a notebook's autograder test cell runs

Generating the course is `autograder.course`'s: nothing here runs it, so a student's kernel never loads it.
"""
