"""A `Report` as JUnit XML (`--format junit`), the test report CI systems and GitHub Classroom tooling read.

One <testsuite> per topic, one <testcase> per check (classname: the exercise id, name: the check); a failed
check is a <failure> whose message is the feedback's headline and whose text is all of it (each testcase's time
is the seconds its grading took); a topic that
could not be graded (its module does not import, or is missing) makes its checks <error>s. Points travel as
<properties>: each testcase's `score` and `max_score`, each suite's and the whole report's totals.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from autograder.grading.results import Report, feedback_text
from autograder.outputs.safe import printable

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    """Text XML 1.0 can hold, and safe in a terminal: a control character a student printed would make the whole
    file unreadable, or act on the terminal that shows a failure's message."""
    return _NOT_XML.sub("\ufffd", printable(text))


def _properties(parent: ET.Element, **values) -> None:
    props = ET.SubElement(parent, "properties")
    for name, value in values.items():
        ET.SubElement(props, "property", name=name, value=_xml(str(value)))


def _counts(element: ET.Element, cases: list[ET.Element]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    element.set("errors", str(sum(c.find("error") is not None for c in cases)))
    element.set("skipped", "0")


def as_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="autograder", time=f"{report.timing.total:.3f}")
    _properties(root, score=f"{report.score:g}", max_score=f"{report.points:g}",
                seed="public" if report.seed is None else report.seed,
                grader_version=report.grader_version, content_hash=report.content_hash)
    all_cases = []
    for topic in dict.fromkeys(e.topic for e in report.exercises):
        exercises = [e for e in report.exercises if e.topic == topic]
        seconds = sum(c.seconds for e in exercises for c in e.checks)
        suite = ET.SubElement(root, "testsuite", name=topic, time=f"{seconds:.3f}")
        _properties(suite, score=f"{sum(e.score for e in exercises):g}",
                    max_score=f"{sum(e.points for e in exercises):g}")
        cases = []
        for e in exercises:
            for c in e.checks:
                case = ET.SubElement(suite, "testcase", classname=e.id, name=c.name, time=f"{c.seconds:.3f}")
                _properties(case, score=f"{c.score:g}", max_score=f"{c.points:g}", title=e.title)
                if c.message is not None:
                    kind = "error" if topic in report.not_gradable else "failure"
                    text = _xml(feedback_text(c.feedback) if c.feedback else c.message)
                    first = _xml(c.feedback.headline) if c.feedback else (text.strip() or kind).splitlines()[0]
                    ET.SubElement(case, kind, message=first or kind,
                                  type="not gradable" if kind == "error" else "wrong").text = text
                cases.append(case)
        _counts(suite, cases)
        all_cases += cases
    _counts(root, all_cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
