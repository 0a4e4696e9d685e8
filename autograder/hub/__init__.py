"""A local JupyterHub class for the course: `make hub` (`python -m autograder.hub`).

One instructor and a handful of students log in to a JupyterHub on loopback; nbgrader's exchange
moves assignments, submissions and feedback between them; the formgrader's Generate, Release and
Autograde buttons go through the course's own release and grader. `settings` says where
everything lives, `accounts` who may log in, `jupyterhub_config.py` how the hub starts each
user's server, `formgrader` what the buttons do, `instructor/` and `student/` the Jupyter
configuration of each role, and `deploy/` how to run the same class on Kubernetes.
"""
