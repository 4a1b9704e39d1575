# The one nbgrader configuration for every GovLearn course.
#
# Scope: course and build settings only (where the course root is, its id, how
# release notebooks are made from the sources). Settings of a grading run
# (cell timeouts, parallel workers, the grading sandbox, late penalties) belong
# to the grading engine, which loads this file and adds its own on top.
#
# `govlearn course build COURSE` copies this file verbatim into the nbgrader
# course root it builds (build/courses/<course-id>/nbgrader_config.py), so any
# `nbgrader ...` command run in that folder picks it up. The course root is
# found, in order, from:
#   1. the GOVLEARN_COURSE_ROOT environment variable;
#   2. the folder holding this file, when it has a source/ folder (the copy);
#   3. the current working directory.
# The course id is the `id` in the root's course.toml (the build writes it),
# else the name of the course root folder (e.g. "govstack-101").

import os
import tomllib

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

_here = os.path.dirname(os.path.abspath(__file__))
_root = os.environ.get("GOVLEARN_COURSE_ROOT") or (
    _here if os.path.isdir(os.path.join(_here, "source")) else os.getcwd()
)
_root = os.path.abspath(_root)

try:
    with open(os.path.join(_root, "course.toml"), "rb") as _file:
        _course_id = str(tomllib.load(_file).get("id") or "")
except (OSError, tomllib.TOMLDecodeError):
    _course_id = ""

c.CourseDirectory.root = _root
c.CourseDirectory.course_id = _course_id or os.path.basename(_root.rstrip(os.sep))
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, "gradebook.db")
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "iframe_figures",
]

# Release notebooks: what replaces an answer. The stub fails by default, so
# every test fails until the learner writes something.
c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE\n"
        'raise NotImplementedError("Replace this line with your answer.")'
    )
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.enforce_metadata = True
c.ClearHiddenTests.enforce_metadata = True
c.ClearMarkScheme.enforce_metadata = True

# Each module is its own assignment, created in the gradebook when it is built.
c.GenerateAssignment.create_assignment = True
c.GenerateAssignment.force = True

# Source notebooks keep no outputs; release notebooks start clean too.
c.ClearOutput.enabled = True
