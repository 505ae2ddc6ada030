"""Assertion engines compared on the same gold (issue 19): `python -m benchmarks.context_compare`.

Our `soapscribe_context` (cues in knowledge/general/cues.yaml) against medspaCy 1.3.1's ConText with its default
rules (requirements/medspacy.txt, `make install-dev`), and against those default rules plus our cue list. Only the
assertion component differs: the same terms, the same question detection and the same answer logic (a question
asserts nothing; the answer settles it). Scored with knowledge/evaluate.py on tests/gold (scripted, topic scope)
and tests/gold_real/dev (real dialogues); tests/gold_real/holdout is not read.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from pathlib import Path

from spacy.language import Language

from benchmarks.results import RESULTS, write_section
from knowledge.evaluate import Evaluation, evaluate, load_corpus
from knowledge.extract import Extractor
from nlp.lexicon import Lexicon
from nlp.pipeline import build

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {"tests/gold (scripted)": ROOT / "tests/gold", "tests/gold_real/dev (real)": ROOT / "tests/gold_real/dev"}
DECIDING = "tests/gold_real/dev (real)"  # between engines that both beat ours: the issue is real conversation
ASSERTIONS = ("present", "absent", "possible", "hypothetical", "family")
MEDSPACY = "soapscribe_medspacy_context"


@dataclass(frozen=True)
class Engine:
    name: str
    builder: Callable[[Lexicon], Language]


ENGINES = (
    Engine("ours (soapscribe_context)", build),
    Engine("medspaCy ConText, default rules", partial(build, context=MEDSPACY)),
    Engine("medspaCy default rules + our cues", partial(build, context=MEDSPACY, context_config={"own_cues": True})),
)


def row(engine: str, result: Evaluation) -> str:
    o = result.overall
    per = [f"{result.by_assertion[a].f1:.3f} ({result.by_assertion[a].tp + result.by_assertion[a].fn})"
           if a in result.by_assertion else "–" for a in ASSERTIONS]
    historical = result.attributes["historical"]
    agree = f"{historical.agree}/{historical.total}" if historical.total else "–"
    return f"| {engine} | {o.precision:.3f} | {o.recall:.3f} | **{o.f1:.3f}** | {' | '.join(per)} | {agree} |"


def verdict(scores: dict[str, dict[str, Evaluation]]) -> str:
    """Ours is replaced only by an engine that scores a higher F1 on both corpora."""
    ours = ENGINES[0].name
    better = [engine.name for engine in ENGINES[1:]
              if all(scores[corpus][engine.name].overall.f1 > scores[corpus][ours].overall.f1 for corpus in scores)]
    kept = max(better, key=lambda name: scores[DECIDING][name].overall.f1) if better else ours
    reason = "it scores a higher F1 than ours on both corpora" if better else \
        "no other engine scores a higher F1 on both corpora"
    lines = [f"**Kept: {kept}**: {reason}."]
    for engine in ENGINES:
        if engine.name == kept:
            continue
        figures = ", ".join(f"{corpus.split()[0]} {scores[corpus][engine.name].overall.f1:.3f} against "
                            f"{scores[corpus][kept].overall.f1:.3f}" for corpus in scores)
        gap = max(((corpus, a) for corpus in scores for a in ASSERTIONS if a in scores[corpus][kept].by_assertion),
                  key=lambda ca: abs(_f1(scores, ca, kept) - _f1(scores, ca, engine.name)))
        lines.append(f"{engine.name}: F1 {figures}; the widest gap is {gap[1]} on {gap[0].split()[0]} "
                     f"({_f1(scores, gap, engine.name):.3f} against {_f1(scores, gap, kept):.3f}).")
    return lines[0] + "\n\n" + "\n".join(f"- {line}" for line in lines[1:])


def _f1(scores: dict[str, dict[str, Evaluation]], where: tuple[str, str], engine: str) -> float:
    corpus, assertion = where
    score = scores[corpus][engine].by_assertion.get(assertion)
    return score.f1 if score is not None else 0.0


def main() -> None:
    corpora = {name: load_corpus(folder) for name, folder in CORPORA.items()}
    knowledge = Extractor().knowledge
    scores: dict[str, dict[str, Evaluation]] = {name: {} for name in corpora}
    for engine in ENGINES:
        extractor = Extractor(knowledge=knowledge, builder=engine.builder).load()
        for name, corpus in corpora.items():
            scores[name][engine.name] = evaluate(corpus, extractor)
    header = ("| assertion engine | P | R | F1 | " + " | ".join(f"F1 {a} (gold)" for a in ASSERTIONS)
              + " | historical agrees |\n|---|---|---|---|" + "---|" * (len(ASSERTIONS) + 1))
    tables = "\n\n".join(
        f"### {name}: {len(corpora[name])} consultations\n\n{header}\n"
        + "\n".join(row(engine, result) for engine, result in scores[name].items())
        for name in corpora)
    body = f"""## Assertion: our ConText against medspaCy's (issue 19)

Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `python -m benchmarks.context_compare`,
medspaCy {version('medspacy')}.
The same pipeline three times, only the assertion component differing (nlp/components/medspacy_context.py maps
NEGATED_EXISTENCE to absent, POSSIBLE_EXISTENCE to possible, HYPOTHETICAL to hypothetical, FAMILY to family and
HISTORICAL to the historical flag; when modifiers disagree the stronger assertion holds, as in ours). Questions
take the answer's assertion in all three. Matching rule: knowledge/evaluate.py (kind, code and assertion must
agree). Per assertion: F1 of findings with that assertion, gold count in brackets; historical: agreement on the
matched findings whose gold states it. Our cues as ConText rules: the same phrases, direction and max_scope, a
"conditional" category (hypothetical, and marked so), `not_followed_by`/`not_after` as `on_modifies`; where two
rules match the same words, medspaCy keeps one of them.

{tables}

{verdict(scores)}
"""
    write_section(RESULTS, "context_compare", body)
    print(body, file=sys.stdout)


if __name__ == "__main__":
    main()
