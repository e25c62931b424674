"""Generating the course from solutions/ and the catalog: student stubs (stubs.py), nbgrader notebooks
(notebooks.py), the `build` command that writes or checks them (build.py), and the student kit (release.py).
Nothing here runs in a student's kernel or worker, nor inside nbgrader: that is `autograder.integrations`."""
