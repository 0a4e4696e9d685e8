"""nbgrader's configuration for a student's server on the hub (JUPYTER_CONFIG_PATH).

The course's own `autograder/nbgrader_config.py`, so Validate runs with the limits the grader
uses, plus the shared exchange, courses in the exchange's paths, nbgrader's JupyterHub plugin
(the student sees the courses of their `nbgrader-<course>` groups), and the student's id: every
account is the same Unix user here, and nbgrader would otherwise submit as that user.
"""

import os

from autograder.hub.settings import HubSettings

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
hub = HubSettings.from_env()

COURSE_CONFIG = hub.root / "autograder" / "nbgrader_config.py"
load_subconfig(COURSE_CONFIG.name, path=str(COURSE_CONFIG.parent))  # noqa: F821 (traitlets)

c.Exchange.root = str(hub.exchange)
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
