"""Reading quiz packs: YAML -> model, with every structural problem located as file:line [id].

Structural problems (a missing field, a wrong type) are collected, not raised, so `grade quiz check`
reports all of them at once; a question with such a problem is left out of the loaded quiz.
Semantic checks across questions and the catalogue live in validate.py.

A quiz with `homework: true` (see homework.py) has no answers: its questions load without them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .functions import Registry, load_registry
from .model import (
    ANSWER_KEYS, CHOICE_TYPES, QUESTION_TYPES, Choice, Concept, Pack, ParamSpec, Problem, Question, Quiz, Text,
    Tolerance,
)
from .yamlsrc import LineDict, LineList, YamlSourceError, load_yaml

LANGS = ("ko", "en")
CATALOGUE_FILE = "_concepts.yaml"
FUNCTIONS_FILE = "_functions.py"
MAX_PARAM_VALUES = 10_000

COMMON_KEYS = {"id", "type", "concepts", "difficulty", "traps", "prompt", "explanation", "computational"}
TYPE_KEYS = {
    "single": {"choices", "shuffle"},
    "multiple": {"choices", "shuffle"},
    "ordering": {"choices", "shuffle"},
    "true_false": {"answer"},
    "numeric": {"answer", "tolerance"},
    "short": {"accept"},
    "param_numeric": {"params", "answer_expr", "answer_fn", "fn_args", "tolerance"},
}
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def shipped_pack_dir() -> Path:
    """The installed `quizzes` package: the default pack."""
    import quizzes

    return Path(quizzes.__file__).resolve().parent


class _Collector:
    """Problems for one file, with the current question id attached."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.qid: str | None = None
        self.problems: list[Problem] = []

    def error(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, self.qid, message))

    def warn(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, self.qid, message, "warning"))


def _line(node: Any, key: Any = None) -> int | None:
    if key is not None and isinstance(node, (LineDict, LineList)):
        return node.line_of(key)
    return getattr(node, "line", None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(node: Any, what: str, line: int | None, out: _Collector, extra_keys: set[str] = frozenset()) -> Text | None:
    """A {ko, en} mapping with both languages non-empty."""
    if not isinstance(node, dict):
        out.error(line, f"{what} must be a mapping with `ko:` and `en:` texts")
        return None
    ok = True
    for lang in LANGS:
        value = node.get(lang)
        if not isinstance(value, str) or not value.strip():
            out.error(_line(node, lang) or line, f"{what} has no {'Korean' if lang == 'ko' else 'English'} "
                                                 f"text (`{lang}:`)")
            ok = False
    unknown = set(node) - set(LANGS) - set(extra_keys)
    for key in sorted(unknown, key=str):
        # `{ko: a, b}` parses as keys ko and "b": the usual cause is an unquoted comma.
        hint = "; a comma inside {...} splits the text: quote it" if node[key] is None else ""
        out.error(_line(node, key), f"{what} has an unknown key {key!r} (expected ko, en){hint}")
    return {lang: node[lang].strip() for lang in LANGS} if ok else None


# --- concept catalogue --------------------------------------------------------------------------

def load_catalogue(path: Path) -> tuple[dict[str, Concept], list[Problem]]:
    out = _Collector(path)
    try:
        data = load_yaml(path)
    except YamlSourceError as exc:
        return {}, [Problem(exc.file, exc.line, None, exc.message)]
    concepts: dict[str, Concept] = {}
    items = data.get("concepts") if isinstance(data, dict) else None
    if not isinstance(items, list):
        out.error(_line(data), "the catalogue needs a `concepts:` list")
        return concepts, out.problems
    for i, item in enumerate(items):
        line = items.line_of(i) if isinstance(items, LineList) else None
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            out.error(line, "each concept needs an `id:`")
            continue
        out.qid = item["id"]
        if item["id"] in concepts:
            out.error(line, f"concept id {item['id']!r} appears twice")
        title = _text(item.get("title"), "title", line, out)
        desc = _text(item.get("description"), "description", line, out)
        traps: list[Text] = []
        raw_traps = item.get("traps") or []
        if not isinstance(raw_traps, list):
            out.error(_line(item, "traps"), "traps must be a list")
            raw_traps = []
        for j, trap in enumerate(raw_traps):
            t = _text(trap, f"trap {j}", raw_traps.line_of(j) if isinstance(raw_traps, LineList) else line, out)
            traps.append(t or {"ko": "", "en": ""})
        concepts[item["id"]] = Concept(
            id=item["id"], title=title or {"ko": item["id"], "en": item["id"]},
            description=desc or {"ko": "", "en": ""},
            computational=bool(item.get("computational", False)), traps=tuple(traps),
        )
        out.qid = None
    return concepts, out.problems


# --- questions ----------------------------------------------------------------------------------

def _tolerance(node: Any, q: LineDict, out: _Collector) -> Tolerance | None:
    if node is None:
        return Tolerance()
    line = _line(q, "tolerance")
    if not isinstance(node, dict) or len(node) != 1 or next(iter(node)) not in ("abs", "rel"):
        out.error(line, "tolerance must be exactly one of {abs: X} or {rel: X}")
        return None
    kind, value = next(iter(node.items()))
    if not _is_number(value) or value < 0:
        out.error(line, f"tolerance {kind} must be a number >= 0, not {value!r}")
        return None
    return Tolerance(**{kind: float(value)})


def _params(node: Any, q: LineDict, out: _Collector) -> dict[str, ParamSpec] | None:
    line = _line(q, "params")
    if not isinstance(node, dict) or not node:
        out.error(line, "params must be a non-empty mapping: {NAME: {min: .., max: .., step: ..}}")
        return None
    specs: dict[str, ParamSpec] = {}
    from .expr import FUNCTIONS  # a parameter may not shadow a function name

    for name, spec in node.items():
        pline = _line(node, name)
        if not isinstance(name, str) or not IDENT.match(name) or name in FUNCTIONS:
            out.error(pline, f"parameter name {name!r} must be an identifier and not a function name")
            continue
        if not isinstance(spec, dict):
            out.error(pline, f"parameter {name} needs {{min, max[, step]}} or {{values: [..]}}")
            continue
        if "values" in spec:
            values = spec["values"]
            if set(spec) != {"values"}:
                out.error(pline, f"parameter {name}: use either values or min/max/step, not both")
                continue
            if not isinstance(values, list) or not values or not all(_is_number(v) for v in values):
                out.error(pline, f"parameter {name}: values must be a non-empty list of numbers")
                continue
            specs[name] = ParamSpec(name, tuple(values))
            continue
        unknown = set(spec) - {"min", "max", "step"}
        if unknown:
            out.error(pline, f"parameter {name}: unknown key(s) {', '.join(map(str, sorted(unknown, key=str)))}")
            continue
        lo, hi, step = spec.get("min"), spec.get("max"), spec.get("step", 1)
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi, step)):
            out.error(pline, f"parameter {name}: min, max and step must be integers "
                             f"(use values: [..] for other numbers)")
            continue
        if step < 1 or hi < lo:
            out.error(pline, f"parameter {name}: needs min <= max and step >= 1")
            continue
        if (hi - lo) // step + 1 > MAX_PARAM_VALUES:
            out.error(pline, f"parameter {name}: more than {MAX_PARAM_VALUES} values")
            continue
        if (hi - lo) % step:
            out.warn(pline, f"parameter {name}: max {hi} is not reached from min {lo} in steps of {step}")
        specs[name] = ParamSpec(name, tuple(range(lo, hi + 1, step)), lo, hi, step)
    return specs if len(specs) == len(node) else None


def _choices(node: Any, q: LineDict, qtype: str, out: _Collector,
             homework: bool = False) -> tuple[Choice, ...] | None:
    line = _line(q, "choices")
    if not isinstance(node, list) or not node:
        out.error(line, f"a {qtype} question needs a non-empty `choices:` list")
        return None
    choices: list[Choice] = []
    ok = True
    for i, item in enumerate(node):
        cline = node.line_of(i) if isinstance(node, LineList) else line
        if not isinstance(item, dict):
            out.error(cline, "each choice must be a mapping {id: .., ko: .., en: ..}")
            ok = False
            continue
        cid = item.get("id")
        if isinstance(cid, int) and not isinstance(cid, bool):
            cid = str(cid)
        if not isinstance(cid, str) or not cid.strip():
            out.error(cline, "a choice has no `id:`")
            ok = False
            continue
        correct = item.get("correct", False)
        if homework:
            correct = False  # a leaked flag is reported by _question; it is never used
        elif not isinstance(correct, bool):
            out.error(_line(item, "correct"), f"choice {cid}: correct must be true or false")
            ok = False
        if qtype == "ordering" and "correct" in item and not homework:
            out.error(_line(item, "correct"), "ordering choices are listed in the correct order; "
                                              "they take no `correct:`")
            ok = False
        text = _text(item, f"choice {cid}", cline, out, extra_keys={"id", "correct"})
        if text is None:
            ok = False
            continue
        choices.append(Choice(cid.strip(), text, correct is True, cline))
    return tuple(choices) if ok else None


def _question(node: Any, line: int | None, out: _Collector, homework: bool = False) -> Question | None:
    """One question. In a homework quiz the answer fields are absent (and ignored when present)."""
    if not isinstance(node, dict):
        out.error(line, "each question must be a mapping")
        return None
    qid = node.get("id")
    out.qid = qid if isinstance(qid, str) else None
    start = len(out.problems)
    if not isinstance(qid, str) or not qid.strip():
        out.error(line, "the question has no `id:`")
    qtype = node.get("type")
    if qtype not in QUESTION_TYPES:
        out.error(_line(node, "type"), f"type must be one of {', '.join(QUESTION_TYPES)}, not {qtype!r}")
        return None
    for key in sorted(set(node) - COMMON_KEYS - TYPE_KEYS[qtype], key=str):
        hint = ""
        if key == "answer" and qtype in CHOICE_TYPES:
            hint = " (mark the right choice with `correct: true`)"
        out.error(_line(node, key), f"unknown or misplaced key {key!r} for a {qtype} question{hint}")
    if homework:
        leaked = [k for k in ANSWER_KEYS if k in node]
        choices = node.get("choices")
        if isinstance(choices, list) and any(isinstance(c, dict) and "correct" in c for c in choices):
            leaked.append("correct")
        if leaked:
            out.warn(_line(node, leaked[0]) if leaked[0] != "correct" else _line(node, "choices"),
                     f"a homework quiz should not contain {', '.join(leaked)}: it reveals the answer to "
                     f"students (grade release --homework strips it)")

    concepts = node.get("concepts")
    if not isinstance(concepts, list) or not concepts or not all(isinstance(c, str) for c in concepts):
        out.error(_line(node, "concepts"), "concepts must be a non-empty list of concept ids")
        concepts = []
    traps = [] if homework else (node.get("traps") or [])
    if not isinstance(traps, list) or not all(isinstance(t, str) for t in traps):
        out.error(_line(node, "traps"), 'traps must be a list of "<concept-id>:<index>" strings')
        traps = []
    difficulty = node.get("difficulty")
    if difficulty not in (1, 2, 3) or isinstance(difficulty, bool):
        out.error(_line(node, "difficulty"), f"difficulty must be 1, 2 or 3, not {difficulty!r}")
    computational = node.get("computational", False)
    if not isinstance(computational, bool):
        out.error(_line(node, "computational"), "computational must be true or false")
    prompt = _text(node.get("prompt"), "prompt", _line(node, "prompt"), out)
    explanation = None if homework else _text(node.get("explanation"), "explanation",
                                              _line(node, "explanation"), out)
    shuffle = node.get("shuffle", True)
    if not isinstance(shuffle, bool):
        out.error(_line(node, "shuffle"), "shuffle must be true or false")
    elif qtype == "ordering" and shuffle is False:
        out.error(_line(node, "shuffle"), "ordering questions are always shown shuffled; drop `shuffle: false`")

    q = Question(
        id=qid if isinstance(qid, str) else "", type=qtype, concepts=tuple(concepts),
        difficulty=difficulty if isinstance(difficulty, int) else 0,
        prompt=prompt or {}, explanation=explanation or {}, traps=tuple(traps),
        shuffle=shuffle is not False, computational_flag=computational is True,
        homework=homework, file=out.file, line=line, field_lines=dict(getattr(node, "key_lines", {})),
    )
    if qtype in CHOICE_TYPES:
        q.choices = _choices(node.get("choices"), node, qtype, out, homework) or ()
    elif homework:  # no answer to read: only a parametrized question's ranges
        if qtype == "param_numeric":
            q.params = _params(node.get("params"), node, out) or {}
    elif qtype == "true_false":
        if not isinstance(node.get("answer"), bool):
            out.error(_line(node, "answer"), "a true_false question needs `answer: true` or `answer: false`")
        q.answer = node.get("answer")
    elif qtype == "numeric":
        if not _is_number(node.get("answer")):
            out.error(_line(node, "answer"), f"a numeric question needs a number `answer:`, not "
                                             f"{node.get('answer')!r}")
        q.answer = node.get("answer")
        q.tolerance = _tolerance(node.get("tolerance"), node, out) or Tolerance()
    elif qtype == "short":
        accept = node.get("accept")
        if not isinstance(accept, list) or not accept:
            out.error(_line(node, "accept"), "a short question needs a non-empty `accept:` list")
        elif not all(isinstance(a, str) and a.strip() for a in accept):
            out.error(_line(node, "accept"), "accept entries must be non-empty strings "
                                             "(quote values like yes, no, on, 1.0)")
        else:
            q.accept = tuple(accept)
    elif qtype == "param_numeric":
        q.params = _params(node.get("params"), node, out) or {}
        q.tolerance = _tolerance(node.get("tolerance"), node, out) or Tolerance()
        expr, fn = node.get("answer_expr"), node.get("answer_fn")
        if (expr is None) == (fn is None):
            out.error(line, "a param_numeric question needs exactly one of answer_expr or answer_fn")
        elif expr is not None and not isinstance(expr, str):
            out.error(_line(node, "answer_expr"), "answer_expr must be a string (quote it)")
        elif fn is not None and not isinstance(fn, str):
            out.error(_line(node, "answer_fn"), "answer_fn must be the name of a function in _functions.py")
        q.answer_expr = expr if isinstance(expr, str) else None
        q.answer_fn = fn if isinstance(fn, str) else None
        fn_args = node.get("fn_args") or {}
        if fn_args and fn is None:
            out.error(_line(node, "fn_args"), "fn_args only goes with answer_fn")
        if not isinstance(fn_args, dict) or not all(
                isinstance(k, str) and isinstance(v, (str, int, float)) and not isinstance(v, bool)
                for k, v in fn_args.items()):
            out.error(_line(node, "fn_args"), "fn_args maps argument names to expressions")
            fn_args = {}
        q.fn_args = {k: str(v) for k, v in fn_args.items()}
    ok = not any(p.severity == "error" for p in out.problems[start:])
    out.qid = None
    return q if ok else None


def load_quiz(path: Path) -> Quiz:
    """One topic file. Raises YamlSourceError when the file is not YAML at all."""
    path = Path(path)
    out = _Collector(path)
    duplicates: list[tuple[int, str]] = []
    data = load_yaml(path, duplicates)
    for line, message in duplicates:
        out.error(line, message)
    topic = path.stem
    if not isinstance(data, dict):
        out.error(_line(data) or 1, "a quiz file is a mapping with topic, title and questions")
        return Quiz(topic, {"ko": topic, "en": topic}, [], path, out.problems)
    for key in sorted(set(data) - {"topic", "title", "homework", "questions"}, key=str):
        out.error(_line(data, key), f"unknown top-level key {key!r}")
    homework = data.get("homework", False)
    if not isinstance(homework, bool):
        out.error(_line(data, "homework"), f"homework must be true or false, not {homework!r}")
        homework = False
    if data.get("topic") != topic:
        out.error(_line(data, "topic"), f"topic must equal the file name: `topic: {topic}` "
                                        f"(found {data.get('topic')!r})")
    title = _text(data.get("title"), "title", _line(data, "title"), out)
    questions: list[Question] = []
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        out.error(_line(data, "questions"), "the quiz needs a non-empty `questions:` list")
        items = []
    for i, item in enumerate(items):
        q = _question(item, items.line_of(i), out, homework)
        if q is not None:
            questions.append(q)
    return Quiz(topic, title or {"ko": topic, "en": topic}, questions, path, out.problems, homework)


# --- packs --------------------------------------------------------------------------------------

_SHIPPED_REGISTRY: Registry | None = None


def _shipped_registry() -> Registry:
    global _SHIPPED_REGISTRY
    if _SHIPPED_REGISTRY is None:
        _SHIPPED_REGISTRY = load_registry(shipped_pack_dir() / FUNCTIONS_FILE)
    return _SHIPPED_REGISTRY


def open_pack(root: Path | None = None) -> Pack:
    """A pack folder; a custom pack without its own catalogue or functions borrows the shipped ones."""
    shipped = shipped_pack_dir()
    root = Path(root).resolve() if root is not None else shipped
    problems: list[Problem] = []
    catalogue_path = root / CATALOGUE_FILE
    if not catalogue_path.is_file():
        catalogue_path = shipped / CATALOGUE_FILE
    concepts, cat_problems = load_catalogue(catalogue_path)
    problems += cat_problems
    functions = Registry()
    try:
        functions = _shipped_registry()
    except Exception as exc:  # a broken shipped file should still let `check` report it
        problems.append(Problem(shipped / FUNCTIONS_FILE, None, None, f"cannot load answer functions: {exc}"))
    own = root / FUNCTIONS_FILE
    if root != shipped and own.is_file():
        try:
            functions = functions.merged(load_registry(own))
        except Exception as exc:
            problems.append(Problem(own, None, None, f"cannot load answer functions: {exc}"))
    topic_files = {p.stem: p for p in sorted(root.glob("*.yaml")) if not p.name.startswith("_")}
    return Pack(root, concepts, functions, topic_files, problems)


def pack_quiz(pack: Pack, topic: str) -> Quiz:
    """Load (once) and return a topic of the pack. Raises YamlSourceError for unparsable files."""
    if topic not in pack._quizzes:
        pack._quizzes[topic] = load_quiz(pack.topic_files[topic])
    return pack._quizzes[topic]
