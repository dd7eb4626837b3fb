"""Reading what the asker typed as the words the lists use: misspellings and abbreviations.

Both are corrected against the loaded lists themselves (the power names of the text index),
never against a word list of our own, so they follow whatever lists are loaded:

- **Misspellings** from pinyin input (扬成 for 扬尘, 网巴 for 网吧, 认订 for 认定): a stretch of
  two or three characters of the question that no power name holds and that is no word of
  jieba's dictionary is read as the stretch with one character replaced by one that sounds
  alike (toneless pinyin, with the usual confusions z/zh, c/ch, s/sh, n/l, an/ang, en/eng,
  in/ing; pypinyin), when some power name holds that.
- **Abbreviations** (个税 for 个人所得税): a two-character word no power name holds is read as
  a word of jieba's dictionary of three to five characters that power names hold, begins
  with its first character and holds its second.

Where several readings fit, the one most power names hold wins. What was changed is part of
the reading (``Reading.corrected``), so each answer says how the question was read.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from functools import cache

from prl.graph_api.answers.intent import LIGHT_TAGS, Reading, _tags, read, vocabulary
from prl.graph_api.answers.text_index import TextIndex

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))


def sound(syllable: str) -> str:
    """A toneless pinyin syllable with the confusions of pinyin input folded together."""
    s = syllable
    for a, b in _INITIALS:
        if s.startswith(a):
            s = b + s[len(a) :]
            break
    if s.endswith(("ang", "eng", "ing")):
        s = s[:-1]
    return s


@cache
def sounds(ch: str) -> tuple[str, ...]:
    """Every reading of a character (its heteronyms, the usual one first), as ``sound``
    folds them."""
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True)[0]
    return tuple(dict.fromkeys(sound(s) for s in readings))


class Lexicon:
    """What the power names of one index hold: their text, and their characters by sound."""

    def __init__(self, index: TextIndex) -> None:
        self.text = "\x00".join(index.names)
        self.texts = index.fields["text"]
        self.everyday = {word for word, _ in vocabulary()}
        by_sound: dict[str, set[str]] = {}
        for ch in set(self.text).union(*self.everyday):
            if _HAN.fullmatch(ch):
                for s in sounds(ch):
                    by_sound.setdefault(s, set()).add(ch)
        self.by_sound = {s: sorted(chars) for s, chars in by_sound.items()}
        self._counts: dict[str, int] = {}

    def df(self, bigram: str) -> int:
        """How many powers' cited texts hold the bigram."""
        code = (ord(bigram[0]) + 1) << 21 | ord(bigram[1])
        return len(self.texts.postings(code)[0])

    def count(self, word: str) -> int:
        n = self._counts.get(word)
        if n is None:
            n = self._counts[word] = self.text.count(word)
        return n

    def alike(self, ch: str) -> list[str]:
        """Characters of the names with a reading that sounds like the character's usual
        reading (the one pinyin input gave it when it was typed)."""
        out: dict[str, None] = {}
        for s in sounds(ch)[:1]:
            for c in self.by_sound.get(s, ()):
                if c != ch:
                    out[c] = None
        return list(out)

    def respelling(self, stretch: str, words) -> str | None:
        """The stretch with one character replaced by one sounding alike, making an everyday
        word of the vocabulary, else one of ``words`` (the dictionary) that the most power
        names (and cited texts) hold; None when none does."""
        best: tuple[int, str] | None = None
        for i, ch in enumerate(stretch):
            for c in self.alike(ch):
                cand = stretch[:i] + c + stretch[i + 1 :]
                if cand in self.everyday:
                    n = 1 << 30  # a word the vocabulary reads (网吧 -> 互联网上网服务)
                elif cand in words:
                    n = self.count(cand)
                    n += min(self.df(cand[k : k + 2]) for k in range(len(cand) - 1)) if n else 0
                else:
                    continue
                if n and (best is None or n > best[0]):
                    best = (n, cand)
        return best[1] if best else None

    def expansion(self, word: str) -> str | None:
        """The dictionary word of 3–5 characters the most power names hold that begins with
        the word's first character and holds its second (个税 -> 个人所得税)."""
        first, second = word[0], word[1]
        tags = _tags()
        seen: Counter[str] = Counter()
        for m in re.finditer(re.escape(first), self.text):
            start = m.start()
            for n in range(3, 6):
                cand = self.text[start : start + n]
                if len(cand) == n and second in cand[1:] and cand in tags:
                    seen[cand] += 1
        if not seen:
            return None
        return max(seen.items(), key=lambda kv: (kv[1], len(kv[0]), kv[0]))[0]


_lexicons: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def lexicon(index: TextIndex) -> Lexicon:
    with _lock:
        lex = _lexicons.get(index)
        if lex is None:
            lex = _lexicons[index] = Lexicon(index)
        return lex


def understand(index: TextIndex, reading: Reading) -> Reading:
    """The reading of the question with its misspellings and abbreviations corrected
    against the index's power names (the same reading when there is nothing to correct)."""
    if reading.citation is not None or not len(index):
        return reading
    lex = lexicon(index)
    tags = _tags()
    clean = reading.clean
    changes: list[tuple[str, str]] = []
    words = [w for w in reading.words if not w.alternatives]
    for w in words:
        t = w.text
        if len(t) < 2 or w.weight < 0.4 or lex.count(t):
            continue
        if t in tags:  # a word, but not the lists' one: an abbreviation?
            full = lex.expansion(t) if len(t) == 2 else None
            if full:
                changes.append((t, full))
        else:  # no word: the segmenter kept what it could not split (网扬成)
            fix = _respell(lex, tags, t, clean, range(len(t)))
            if fix:
                changes.append(fix)
    # a misspelling the segmenter split off a word (黑网|巴): the stretches across the two
    for a, b in zip(words, words[1:], strict=False):
        if min(len(a.text), len(b.text)) != 1 or min(a.weight, b.weight) < 0.4:
            continue
        joined = a.text + b.text
        if any(wrong in joined for wrong, _ in changes):
            continue
        fix = _respell(lex, tags, joined, clean, (len(a.text) - 1,))
        if fix:
            changes.append(fix)
    if not changes:
        return reading
    question = reading.question
    for wrong, right in changes:
        question = question.replace(wrong, right)
    again = read(question)
    if again.clean == clean:  # the question as typed differs (width, case): nothing changed
        return reading
    return again.with_corrections(tuple(changes))


def _respell(lex: Lexicon, tags: dict, text: str, clean: str, starts) -> tuple[str, str] | None:
    """The first stretch of 3 or 2 characters of the text, beginning at or spanning one of
    ``starts``, that is no dictionary word, respelt as one that power names hold."""
    for n in (3, 2):
        for i in range(len(text) - n + 1):
            if not any(i <= s < i + n - (0 if len(starts) > 1 else 1) for s in starts):
                continue
            stretch = text[i : i + n]
            if not _HAN.fullmatch(stretch) or stretch in tags or stretch not in clean:
                continue
            if any(_light(ch, tags) for ch in stretch):
                continue
            right = lex.respelling(stretch, tags)
            if right and not _explained(stretch, right, clean, tags, lex):
                return stretch, right
    return None


def _light(ch: str, tags: dict) -> bool:
    """A character that is a function word by itself (不, 没, 比, 把): not a misspelling."""
    return tags.get(ch) in LIGHT_TAGS


def _explained(stretch: str, right: str, clean: str, tags: dict, lex: Lexicon) -> bool:
    """Whether part of the stretch is a word, alone or with the characters beside it in the
    question (复费 of 恢复费, 搭工 of 搭工棚), that power names hold or that is at least as
    common as the respelling (jieba's frequencies): then it is no misspelling."""
    freq = _freq()
    floor = freq.get(right, 0)

    def explains(word: str) -> bool:
        return word in tags and (lex.count(word) > 0 or freq.get(word, 0) >= floor)

    n = len(stretch)
    for i in range(n):
        for j in range(i + 2, n + 1):
            if (i, j) != (0, n) and explains(stretch[i:j]):
                return True
    at = clean.find(stretch)
    while at >= 0:
        for k in (1, 2):
            before = clean[max(at - k, 0) : at + 1]
            after = clean[at + n - 1 : at + n + k]
            if (len(before) == k + 1 and explains(before)) or (
                len(after) == k + 1 and explains(after)
            ):
                return True
        at = clean.find(stretch, at + 1)
    return False


@cache
def _freq() -> dict[str, int]:
    """jieba's dictionary word frequencies."""
    import jieba

    _tags()  # jieba initialised, quietly
    return jieba.dt.FREQ
