"""The Gradescope autograder zip (bundle.py) and the two scripts Gradescope runs from it, shipped as package data:
setup.sh (once, when it builds the image) and run_autograder (for each submission)."""
