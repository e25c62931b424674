"""Generating the course from solutions/ and the catalog: student stubs (stubs.py), nbgrader notebooks
(notebooks.py), and the `build` command that writes or checks them (build.py). Nothing here runs in a
student's kernel or worker."""
