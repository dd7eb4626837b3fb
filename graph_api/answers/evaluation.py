"""Scoring answers against a gold set of questions (tests/data/gold_questions*.json).

An entry is either answerable — the expected body (or any of ``expected_body_any``) and
the expected instrument among the basis citations of one answer — or not
(``"answerable": false``): the right answer is that the loaded lists hold no such power.
Used by tests/test_gold_questions.py and bench/answers.py.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from prl.graph_api.answers.responsibility import responsibility
from prl.graph_api.store import Store


def load(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def hit(entry: dict, answer: dict) -> bool:
    bodies = {b["label"] for b in answer["bodies"]}
    # a power of two bodies is written "A|B" in the gold files: either body answers
    expected = {
        b for x in entry.get("expected_body_any") or [entry["expected_body"]] for b in x.split("|")
    }
    # the instrument linked, or the title as the cell writes it (a gold file may copy
    # either); 〈〉 and <>, and the 中华人民共和国 of a national title, are one title
    titles = {
        title_key(t)
        for c in answer["citations"]
        if c["role"] == "basis"
        for t in ((c.get("instrument") or {}).get("title"), c.get("cited_title"))
        if t
    }
    return bool(bodies & expected) and title_key(entry["expected_instrument"] or "") in titles


_BRACKETS = str.maketrans({"<": "〈", ">": "〉", "《": "〈", "》": "〉"})


def title_key(t: str) -> str:
    """An instrument's title with the differences of its spellings folded.

    >>> title_key("水生野生动物保护实施条例") == title_key("中华人民共和国水生野生动物保护实施条例")
    True
    """
    return t.translate(_BRACKETS).removeprefix("中华人民共和国")


@dataclass
class Score:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    unanswerable: int = 0
    said_none: int = 0  # questions answered "not in the lists"
    said_none_right: int = 0  # … of which truly have no answer
    latencies: list[float] = field(default_factory=list)
    misses: list[tuple] = field(default_factory=list)

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.answerable if self.answerable else 1.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.answerable if self.answerable else 1.0

    @property
    def none_precision(self) -> float:
        return self.said_none_right / self.said_none if self.said_none else 1.0

    @property
    def none_recall(self) -> float:
        return self.said_none_right / self.unanswerable if self.unanswerable else 1.0

    def summary(self) -> str:
        return (
            f"top-1 {self.top1_rate:.1%} top-3 {self.top3_rate:.1%} "
            f"({self.top3}/{self.answerable} answerable); no-answer precision "
            f"{self.none_precision:.1%} ({self.said_none_right}/{self.said_none}) recall "
            f"{self.none_recall:.1%} ({self.said_none_right}/{self.unanswerable})"
        )


def score(store: Store, entries: list[dict]) -> Score:
    s = Score()
    for e in entries:
        t = time.perf_counter()
        result = responsibility(store, e["question"], limit=3)
        s.latencies.append(time.perf_counter() - t)
        answers = result["answers"]
        if not answers:
            s.said_none += 1
        if e.get("answerable", True):
            s.answerable += 1
            hits = [hit(e, a) for a in answers]
            s.top1 += bool(hits[:1] and hits[0])
            s.top3 += any(hits)
            if not any(hits):
                got = [a["power"]["name"][:40] for a in answers] or [result.get("message")]
                s.misses.append((e["id"], e["question"], got))
        else:
            s.unanswerable += 1
            if not answers:
                s.said_none_right += 1
            else:
                s.misses.append(
                    (e["id"], e["question"], ["answered: " + answers[0]["power"]["name"][:40]])
                )
    return s
