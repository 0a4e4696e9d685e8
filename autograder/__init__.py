"""The course's autograder: nbgrader plus parallel, sandboxed, tamper-proof grading.

Run `python -m autograder --help`. Hidden test cells use `autograder.reference`; this package
imports nothing at load time, so the kernel-side import stays light.
"""
