"""Exporting a topic for an LMS: Moodle XML and GIFT (plus a small GIFT reader to prove round trips).

Mapping (documented in docs/quiz-format.md):
- single/multiple -> multichoice (multiple: +100/k per right choice, -100/w per wrong one, as graded here);
- true_false -> truefalse; numeric -> numerical (a relative tolerance becomes the absolute one it means);
- short -> shortanswer (every `accept` variant; Moodle only ignores case, not spacing or punctuation);
- ordering -> Moodle "ordering" (RELATIVE_NEXT_EXCLUDE_LAST, like our grading); in GIFT, a matching
  question pairing each item with its position;
- param_numeric with answer_expr -> Moodle "calculated" with the formula translated and datasets drawn
  from the declared ranges; with answer_fn (or in GIFT, or with --params sample) -> one fixed sample
  drawn with --seed, exported as numerical.
Texts go out as HTML; with lang "both" each text carries Moodle multilang spans (ko then en).
"""

from __future__ import annotations

import html
import re
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from grader.i18n import pick

from .expr import Expr
from .model import Pack, Question, Quiz, Text
from .params import Params, compute_answer, draw, format_number, render

DATASET_ITEMS = 10
FORMATS = ("moodle-xml", "gift")


# --- text -------------------------------------------------------------------------------------------

def _to_html(text: str) -> str:
    """Plain text with ``` fences and `code` -> safe HTML that keeps line breaks."""
    parts = re.split(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<pre><code>{html.escape(part.rstrip())}</code></pre>")
        else:
            escaped = html.escape(part.strip("\n"))
            escaped = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escaped)
            out.append(escaped.replace("\n", "<br>"))
    return "".join(out)


def _html(text: Text, lang: str, params: Params | None = None, extra: dict | None = None) -> str:
    values = {**(params or {}), **(extra or {})}
    if lang == "both":
        return "".join(f'<span lang="{code}" class="multilang">{_to_html(render(text[code], values))}</span>'
                       for code in ("ko", "en"))
    return _to_html(render(pick(text, lang), values))


def _plain(text: Text, lang: str) -> str:
    if lang == "both":
        return f"{text['ko']} / {text['en']}"
    return pick(text, lang)


def _fraction(x: float) -> str:
    return f"{x:.5f}".rstrip("0").rstrip(".") or "0"


def _multiple_weights(q: Question) -> dict[str, float]:
    right = set(q.correct_ids)
    wrong = [c.id for c in q.choices if c.id not in right]
    return {c.id: (100 / len(right) if c.id in right else -100 / len(wrong)) for c in q.choices}


def _sample(q: Question, pack: Pack, seed: int) -> tuple[Params, float]:
    params = draw(q, seed)
    return params, compute_answer(q, params, pack.functions)


def _tolerance(q: Question, value: float) -> float:
    """The absolute tolerance to export; an exact answer exports as 0, not our float slack."""
    if q.tolerance.abs is None and q.tolerance.rel is None:
        return 0.0
    return q.tolerance.width(value)


def _calculated(q: Question, mode: str) -> bool:
    return q.type == "param_numeric" and q.answer_expr is not None and mode == "calculated"


# --- Moodle XML -------------------------------------------------------------------------------------

def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _text_el(tag: str, content: str, fmt: str | None = "html") -> str:
    attr = f' format="{fmt}"' if fmt else ""
    return f"<{tag}{attr}><text>{_cdata(content)}</text></{tag}>"


def _moodle_question(q: Question, pack: Pack, lang: str, seed: int, mode: str) -> str:
    params: Params = {}
    expected: float | None = None
    extra: dict[str, Any] = {}
    if q.type == "param_numeric":
        if _calculated(q, mode):
            extra = {"answer": "{=" + Expr(q.answer_expr).to_moodle() + "}"}
        else:
            params, expected = _sample(q, pack, seed)
            extra = {"answer": expected}
    qtype = {"single": "multichoice", "multiple": "multichoice", "true_false": "truefalse",
             "numeric": "numerical", "short": "shortanswer", "ordering": "ordering",
             "param_numeric": "calculated" if _calculated(q, mode) else "numerical"}[q.type]
    prompt = q.prompt
    if _calculated(q, mode):
        # Moodle substitutes {H} itself; keep the placeholders.
        prompt_html = _html(prompt, lang)
        feedback_html = _html(q.explanation, lang, extra=extra)
    else:
        prompt_html = _html(prompt, lang, params)
        feedback_html = _html(q.explanation, lang, params, extra)
    out = [f'  <question type="{qtype}">',
           f"    <name><text>{xml_escape(q.id)}</text></name>",
           "    " + _text_el("questiontext", prompt_html),
           "    " + _text_el("generalfeedback", feedback_html),
           "    <defaultgrade>1</defaultgrade>",
           "    <penalty>0</penalty>",
           "    <hidden>0</hidden>",
           f"    <idnumber>{xml_escape(q.id)}</idnumber>"]
    if q.type in ("single", "multiple"):
        out += [f"    <single>{'true' if q.type == 'single' else 'false'}</single>",
                f"    <shuffleanswers>{'true' if q.shuffle else 'false'}</shuffleanswers>",
                "    <answernumbering>abc</answernumbering>"]
        weights = _multiple_weights(q) if q.type == "multiple" else {
            c.id: (100.0 if c.correct else 0.0) for c in q.choices}
        for c in q.choices:
            out.append(f'    <answer fraction="{_fraction(weights[c.id])}" format="html">'
                       f"<text>{_cdata(_html(c.text, lang))}</text></answer>")
    elif q.type == "true_false":
        for word in ("true", "false"):
            right = (word == "true") == q.answer
            out.append(f'    <answer fraction="{100 if right else 0}" format="moodle_auto_format">'
                       f"<text>{word}</text></answer>")
    elif q.type == "short":
        out.append("    <usecase>0</usecase>")
        for a in q.accept:
            out.append(f'    <answer fraction="100" format="moodle_auto_format"><text>{xml_escape(a)}</text></answer>')
    elif q.type == "ordering":
        out += ["    <layouttype>VERTICAL</layouttype>", "    <selecttype>ALL</selecttype>",
                "    <selectcount>0</selectcount>",
                "    <gradingtype>RELATIVE_NEXT_EXCLUDE_LAST</gradingtype>",
                "    <showgrading>SHOW</showgrading>", "    <numberingstyle>abc</numberingstyle>",
                "    <shownumcorrect>1</shownumcorrect>"]
        for i, c in enumerate(q.choices, 1):
            out.append(f'    <answer fraction="{i}" format="html"><text>{_cdata(_html(c.text, lang))}</text></answer>')
    elif _calculated(q, mode):
        out += ["    <synchronize>0</synchronize>", "    <single>0</single>",
                "    <answernumbering>abc</answernumbering>", "    <shuffleanswers>0</shuffleanswers>"]
        tol = q.tolerance
        kind, value = (1, tol.rel) if tol.rel is not None else (2, _tolerance(q, 0))
        out += ['    <answer fraction="100">',
                f"      <text>{xml_escape(Expr(q.answer_expr).to_moodle())}</text>",
                f"      <tolerance>{value:g}</tolerance>",
                f"      <tolerancetype>{kind}</tolerancetype>",
                "      <correctanswerformat>1</correctanswerformat>",
                "      <correctanswerlength>4</correctanswerlength>",
                "    </answer>",
                "    <unitgradingtype>0</unitgradingtype>", "    <unitpenalty>0</unitpenalty>",
                "    <showunits>3</showunits>", "    <unitsleft>0</unitsleft>",
                "    <dataset_definitions>"]
        draws = [draw(q, f"{seed}:moodle:{i}") for i in range(DATASET_ITEMS)]
        for name, spec in sorted(q.params.items()):
            decimals = 0 if all(float(v).is_integer() for v in spec.values) else 6
            items = "".join(f"<dataset_item><number>{i}</number><value>{format_number(d[name])}</value>"
                            f"</dataset_item>" for i, d in enumerate(draws, 1))
            out += ["      <dataset_definition>",
                    "        <status><text>private</text></status>",
                    f"        <name><text>{name}</text></name>",
                    "        <type>calculated</type>",
                    "        <distribution><text>uniform</text></distribution>",
                    f"        <minimum><text>{format_number(min(spec.values))}</text></minimum>",
                    f"        <maximum><text>{format_number(max(spec.values))}</text></maximum>",
                    f"        <decimals><text>{decimals}</text></decimals>",
                    f"        <itemcount>{DATASET_ITEMS}</itemcount>",
                    f"        <dataset_items>{items}</dataset_items>",
                    f"        <number_of_items>{DATASET_ITEMS}</number_of_items>",
                    "      </dataset_definition>"]
        out.append("    </dataset_definitions>")
    else:  # numeric, or a param_numeric as a fixed sample
        value = q.answer if q.type == "numeric" else expected
        out.append(f'    <answer fraction="100"><text>{format_number(value)}</text>'
                   f"<tolerance>{format_number(_tolerance(q, float(value)))}</tolerance></answer>")
    out.append("  </question>")
    return "\n".join(out)


def to_moodle_xml(pack: Pack, quiz: Quiz, lang: str = "both", seed: int = 0, mode: str = "calculated") -> str:
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            "<quiz>",
            '  <question type="category">',
            f"    <category><text>$course$/top/dlgrade/{xml_escape(quiz.topic)}</text></category>",
            "    " + _text_el("info", _html(quiz.title, lang)),
            "  </question>"]
    body += [_moodle_question(q, pack, lang, seed, mode) for q in quiz.questions]
    body.append("</quiz>")
    return "\n".join(body) + "\n"


# --- GIFT ---------------------------------------------------------------------------------------------

_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")


def _gift_escape(text: str) -> str:
    return _GIFT_SPECIAL.sub(r"\\\1", text).replace("\n", "\\n")


def _gift_question(q: Question, pack: Pack, lang: str, seed: int) -> str:
    params: Params = {}
    extra: dict[str, Any] = {}
    expected = None
    if q.type == "param_numeric":
        params, expected = _sample(q, pack, seed)
        extra = {"answer": expected}
    text = _gift_escape(_html(q.prompt, lang, params))
    feedback = "####" + _gift_escape(_html(q.explanation, lang, params, extra))
    if q.type == "single":
        answers = " ".join(("=" if c.correct else "~") + _gift_escape(_html(c.text, lang)) for c in q.choices)
    elif q.type == "multiple":
        weights = _multiple_weights(q)
        answers = " ".join(f"~%{_fraction(weights[c.id])}%" + _gift_escape(_html(c.text, lang)) for c in q.choices)
    elif q.type == "true_false":
        answers = "TRUE" if q.answer else "FALSE"
    elif q.type == "short":
        answers = " ".join("=" + _gift_escape(a) for a in q.accept)
    elif q.type == "ordering":
        # GIFT has no ordering type: match every item with its position.
        answers = " ".join(f"={_gift_escape(_plain(c.text, lang))} -> {i}" for i, c in enumerate(q.choices, 1))
    else:
        value = q.answer if q.type == "numeric" else expected
        answers = f"#{format_number(value)}:{format_number(_tolerance(q, float(value)))}"
    return f"// {q.id} ({q.type})\n::{_gift_escape(q.id)}::[html]{text}{{\n{answers}\n{feedback}\n}}"


def to_gift(pack: Pack, quiz: Quiz, lang: str = "both", seed: int = 0) -> str:
    head = f"// dlgrade quiz {quiz.topic}: {_plain(quiz.title, lang)}\n$CATEGORY: $course$/top/dlgrade/{quiz.topic}"
    return "\n\n".join([head] + [_gift_question(q, pack, lang, seed) for q in quiz.questions]) + "\n"


def _gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def _split_unescaped(text: str, pattern: str) -> list[tuple[str, str]]:
    """Split on unescaped markers; returns (marker, chunk) pairs with marker '' for the first chunk."""
    out, marker, start = [], "", 0
    for m in re.finditer(rf"\\.|({pattern})", text, re.S):
        if m.group(1) is None:
            continue  # an escaped character, e.g. \{ or \=
        out.append((marker, text[start:m.start()]))
        marker, start = m.group(1), m.end()
    out.append((marker, text[start:]))
    return out


def read_gift(text: str) -> list[dict[str, Any]]:
    """Parse the GIFT subset we write: [{title, text, kind, answers, feedback}], kind one of
    truefalse, numerical, matching, multichoice, shortanswer."""
    questions = []
    blocks = re.split(r"\n\s*\n", text)
    for block in blocks:
        lines = [ln for ln in block.splitlines() if not ln.lstrip().startswith("//") and ln.strip()]
        if not lines or lines[0].startswith("$CATEGORY:"):
            continue
        src = "\n".join(lines)
        m = re.match(r"::((?:\\.|[^:\\])*)::(\[\w+\])?", src)
        if not m:
            raise ValueError(f"GIFT question without a ::title::: {src[:60]!r}")
        rest = src[m.end():]
        parts = _split_unescaped(rest, r"[{}]")
        if len(parts) != 3 or parts[1][0] != "{" or parts[2][0] != "}":
            raise ValueError(f"GIFT question {m.group(1)!r} needs exactly one {{...}} answer block")
        body = parts[1][1].strip()
        feedback = ""
        fb = _split_unescaped(body, r"####")
        if len(fb) > 1:
            body, feedback = fb[0][1].strip(), _gift_unescape(fb[1][1].strip())
        q: dict[str, Any] = {"title": _gift_unescape(m.group(1)), "text": _gift_unescape(parts[0][1]),
                             "feedback": feedback, "answers": []}
        if body in ("T", "TRUE", "F", "FALSE"):
            q["kind"], q["answers"] = "truefalse", [body.startswith("T")]
        elif body.startswith("#"):
            value, _, tol = body[1:].partition(":")
            q["kind"], q["answers"] = "numerical", [(float(value), float(tol or 0))]
        else:
            items = [(mk, chunk.strip()) for mk, chunk in _split_unescaped(body, r"[=~]") if mk]
            if items and all(mk == "=" and " -> " in chunk for mk, chunk in items):
                q["kind"] = "matching"
                q["answers"] = [tuple(_gift_unescape(s) for s in chunk.split(" -> ", 1)) for _, chunk in items]
            elif any(mk == "~" for mk, _ in items) or any(chunk.startswith("%") for _, chunk in items):
                q["kind"] = "multichoice"
                for mk, chunk in items:
                    w = re.match(r"%(-?[\d.]+)%", chunk)
                    weight = float(w.group(1)) if w else (100.0 if mk == "=" else 0.0)
                    q["answers"].append((_gift_unescape(chunk[w.end():] if w else chunk), weight))
            else:
                q["kind"] = "shortanswer"
                q["answers"] = [_gift_unescape(chunk) for _, chunk in items]
        questions.append(q)
    return questions
