"""The notebooks released before the move to autograder/integrations/ import this path: it is that module."""
import sys

from autograder.integrations import notebook_cell

sys.modules[__name__] = notebook_cell
