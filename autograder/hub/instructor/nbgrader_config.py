"""nbgrader's configuration for the instructor's server on the hub (JUPYTER_CONFIG_PATH).

The course's own `autograder/nbgrader_config.py` (layout, limits, preprocessors, gradebook),
plus what a hub needs: the course id (without it the formgrader says Release and Collect are
unavailable), the shared exchange, nbgrader's JupyterHub plugin (who is in which course: the
hub's groups), Collect into `autograder/work/collected/` (the grader stages its own copies in
`submitted/`), and the settings of the course's grader that Autograde runs.
"""

from autograder.hub.settings import COURSE_ID, HubSettings

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
hub = HubSettings.from_env()

COURSE_CONFIG = hub.root / "autograder" / "nbgrader_config.py"
load_subconfig(COURSE_CONFIG.name, path=str(COURSE_CONFIG.parent))  # noqa: F821 (traitlets)

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.submitted_directory = str(hub.collected.relative_to(hub.root))
c.Exchange.root = str(hub.exchange)
c.Exchange.path_includes_course = True
c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"
# Every account is the same Unix user here, so nbgrader's owner check would warn on every
# submission; on a hub with a Unix user per student (TLJH) keep it on.
c.ExchangeCollect.check_owner = False

c.CourseGrader.sandbox = hub.sandbox
c.CourseGrader.checks_only = hub.checks_only
c.CourseGrader.device = hub.device
if hub.grader_cache is not None:
    c.CourseGrader.cache = str(hub.grader_cache)
