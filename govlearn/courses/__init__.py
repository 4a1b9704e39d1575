"""GovLearn courses: the format, loading, checking and building.

A course is a folder ``courses/<course-id>/`` with ``course.toml`` and one
nbgrader source notebook per module (``source/<NN-module>/<NN-module>.ipynb``);
``courses/README.md`` describes the format for authors.

* :func:`load_course` reads ``course.toml`` into a :class:`Course`.
* :func:`list_courses` names every course.
* :func:`check_course` lists what is wrong with a course (empty when fine).
* :func:`build_course` makes a working nbgrader course root with the release
  notebooks, under ``build/courses/<course-id>/`` by default.
"""

from __future__ import annotations

from .build import BuildError, build_course, check_release, default_build_dir
from .check import check_course, check_module, execute_notebook
from .model import (
    CertificateRule,
    Course,
    CourseError,
    Module,
    Objective,
    courses_root,
    list_courses,
    load_course,
)
from .samples import SAMPLE_KINDS, SampleSubmission, sample_submissions, write_samples

__all__ = [
    "SAMPLE_KINDS",
    "BuildError",
    "CertificateRule",
    "Course",
    "CourseError",
    "Module",
    "Objective",
    "SampleSubmission",
    "build_course",
    "check_course",
    "check_module",
    "check_release",
    "courses_root",
    "default_build_dir",
    "execute_notebook",
    "list_courses",
    "load_course",
    "sample_submissions",
    "write_samples",
]
