"""Jupyter Server's configuration for a student's server on the hub (JUPYTER_CONFIG_PATH).

Students get the Assignments panel and Validate; not the formgrader, the course list or the
create-assignment toolbar (their JupyterLab parts are disabled in `labconfig/page_config.json`).
"""

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
