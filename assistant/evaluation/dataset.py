"""Load and validate evaluation cases (the YAML format of issue 3).

A case file is a YAML list of cases::

    - id: funding-001
      question: "Wie betaalt mijn omscholing naar ICT?"
      lang: nl                  # nl | en
      audience: career_switcher # career_switcher | employer | staff
      category: funding         # reskilling | funding | migration | regional | labour_market | programme | out_of_scope
      answerable: true          # false: the assistant must abstain
      facts: [["120", "180"]]   # every group must appear in the answer; a group lists alternatives
      evidence: ["€120-180 miljoen"]  # one of these must occur in a retrieved / cited passage
      turns: []                 # optional earlier user turns (follow-up questions)

Every problem is reported with its file and case id, all at once, so a dataset author
fixes them in one go. Other YAML files in a folder (thresholds, a verification set, ...)
are recognised as not being case lists and skipped.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

LANGS = ("nl", "en")
AUDIENCES = ("career_switcher", "employer", "staff")
CATEGORIES = ("reskilling", "funding", "migration", "regional", "labour_market", "programme", "out_of_scope")
REQUIRED = ("id", "question", "lang", "audience", "category", "answerable")
OPTIONAL = ("facts", "evidence", "turns")
# Free-form annotations a dataset author may add; they are kept but not scored.
ANNOTATIONS = ("notes", "note", "comment", "comments", "source", "sources", "tags", "why", "rationale")
NOT_CASE_FILES = {"thresholds.yaml", "thresholds.yml"}


class DatasetError(ValueError):
    """One or more case files are malformed; ``problems`` lists each as 'file: id: what'."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid evaluation dataset:\n  " + "\n  ".join(problems))


@dataclass
class Case:
    id: str
    question: str
    lang: str
    audience: str
    category: str
    answerable: bool
    facts: list[list[str]] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    turns: list[str] = field(default_factory=list)
    file: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["extra"]:
            data.pop("extra")
        return data


def looks_like_cases(data: Any) -> bool:
    """A non-empty list of mappings that carry a question and a category."""
    return (
        isinstance(data, list)
        and bool(data)
        and all(isinstance(item, dict) for item in data)
        and all("question" in item and "category" in item for item in data)
    )


def _str_list(value: Any, where: str, name: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        problems.append(f"{where}: '{name}' must be a list of strings, got {type(value).__name__}")
        return []
    out: list[str] = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (str, int, float)) or not str(item).strip():
            problems.append(f"{where}: '{name}' has an empty or non-text entry: {item!r}")
            continue
        out.append(str(item))
    return out


def _facts(value: Any, where: str, problems: list[str]) -> list[list[str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: 'facts' must be a list of groups (each a list of alternatives)")
        return []
    groups: list[list[str]] = []
    for i, group in enumerate(value, start=1):
        alts = _str_list(group, f"{where}: facts group {i}", "facts", problems)
        if alts:
            groups.append(alts)
        elif isinstance(group, list) and not group:
            problems.append(f"{where}: facts group {i} is empty")
    return groups


def _turns(value: Any, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: 'turns' must be a list of earlier questions")
        return []
    out: list[str] = []
    for t in value:
        if isinstance(t, dict) and isinstance(t.get("question"), str):
            t = t["question"]
        if not isinstance(t, str) or not t.strip():
            problems.append(f"{where}: 'turns' entries must be non-empty questions, got {t!r}")
            continue
        out.append(t)
    return out


def parse_cases(data: Any, file: str, problems: list[str], seen: dict[str, str] | None = None) -> list[Case]:
    """Validate the parsed YAML of one file; problems are appended, valid cases returned.

    ``seen`` maps ids to the file they were first seen in (duplicates across files).
    """
    seen = {} if seen is None else seen
    if not isinstance(data, list):
        problems.append(f"{file}: a case file must be a YAML list of cases, got {type(data).__name__}")
        return []
    cases: list[Case] = []
    for n, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(f"{file}: entry {n} is not a mapping")
            continue
        cid = item.get("id")
        where = f"{file}: {cid}" if cid not in (None, "") else f"{file}: entry {n} (no id)"
        before = len(problems)
        if cid not in (None, ""):
            if str(cid) in seen:
                problems.append(f"{where}: duplicate id (also in {seen[str(cid)]})")
            else:
                seen[str(cid)] = file
        for key in REQUIRED:
            if key not in item or item[key] is None or item[key] == "":
                problems.append(f"{where}: missing '{key}'")
        unknown = [k for k in item if k not in REQUIRED + OPTIONAL + ANNOTATIONS and not str(k).startswith("x_")]
        if unknown:
            problems.append(
                f"{where}: unknown field(s) {', '.join(map(str, unknown))} "
                f"(allowed: {', '.join(REQUIRED + OPTIONAL)}; notes go in 'notes')"
            )
        if "lang" in item and item["lang"] not in LANGS:
            problems.append(f"{where}: lang {item['lang']!r} is not one of {', '.join(LANGS)}")
        if "audience" in item and item["audience"] not in AUDIENCES:
            problems.append(f"{where}: audience {item['audience']!r} is not one of {', '.join(AUDIENCES)}")
        if "category" in item and item["category"] not in CATEGORIES:
            problems.append(f"{where}: category {item['category']!r} is not one of {', '.join(CATEGORIES)}")
        if "answerable" in item and not isinstance(item["answerable"], bool):
            problems.append(f"{where}: answerable must be true or false, got {item['answerable']!r}")
        question = item.get("question")
        if question is not None and (not isinstance(question, str) or not question.strip()):
            problems.append(f"{where}: question must be non-empty text")
        facts = _facts(item.get("facts"), where, problems)
        evidence = _str_list(item.get("evidence"), where, "evidence", problems)
        turns = _turns(item.get("turns"), where, problems)
        if len(problems) > before:
            continue
        cases.append(
            Case(
                id=str(cid),
                question=str(question),
                lang=item["lang"],
                audience=item["audience"],
                category=item["category"],
                answerable=item["answerable"],
                facts=facts,
                evidence=evidence,
                turns=turns,
                file=file,
                extra={k: item[k] for k in item if k in ANNOTATIONS or str(k).startswith("x_")},
            )
        )
    return cases


def case_files(path: Path) -> tuple[list[Path], list[Path]]:
    """YAML files under ``path`` (a file or a folder): (case files, skipped non-case files)."""
    if path.is_file():
        return [path], []
    files = sorted(
        p
        for p in path.rglob("*")
        if p.suffix in {".yaml", ".yml"}
        and p.is_file()
        and not any(part.startswith(".") or part == "runs" for part in p.relative_to(path).parts)
    )
    keep, skipped = [], []
    for p in files:
        if p.name in NOT_CASE_FILES:
            skipped.append(p)
            continue
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except yaml.YAMLError:
            keep.append(p)  # a broken case file must be reported, not skipped
            continue
        (keep if looks_like_cases(data) else skipped).append(p)
    return keep, skipped


def _label(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def load_cases(paths: list[Path] | Path) -> tuple[list[Case], list[Path], list[Path]]:
    """Cases from files and/or folders: (cases, files read, files skipped).

    Raises :class:`DatasetError` listing every problem (with file and case id): bad YAML,
    missing or unknown fields, values outside the enums, duplicate ids, no cases at all.
    """
    if isinstance(paths, Path):
        paths = [paths]
    problems: list[str] = []
    cases: list[Case] = []
    read: list[Path] = []
    skipped: list[Path] = []
    seen: dict[str, str] = {}
    for path in paths:
        if not path.exists():
            problems.append(f"{path}: no such file or folder")
            continue
        files, skip = case_files(path)
        skipped.extend(skip)
        for file in files:
            label = _label(file)
            try:
                data = yaml.safe_load(file.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                problems.append(f"{label}: not valid YAML: {exc}".replace("\n", " "))
                continue
            read.append(file)
            cases.extend(parse_cases(data, label, problems, seen))
    if not problems and not cases:
        problems.append(f"no cases found in {', '.join(map(str, paths))}")
    if problems:
        raise DatasetError(problems)
    return cases, read, skipped
