"""Jupyter Server's configuration for the instructor's server on the hub (JUPYTER_CONFIG_PATH).

- `autograder.hub.formgrader`: the formgrader's Generate, Release and Autograde buttons go
  through the course's release and grader.
- The formgrader opens inside JupyterLab in a frame, which JupyterHub forbids by default
  (`frame-ancestors 'none'`): this server allows frames from its own origin, nbgrader's documented
  setting for hubs without per-user subdomains (a deployment with `enable_subdomains` can keep it
  and lose nothing; see autograder/hub/DEPLOY.md).
- No Courses panel: it looks for formgrader services, and this formgrader runs in this server.
"""

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.ServerApp.jpserver_extensions = {
    "autograder.hub.formgrader": True,
    "nbgrader.server_extensions.course_list": False,
}
c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
