"""benchmarks/asr_choice.py: the default is the best findings F1 among the configurations fast enough."""

from __future__ import annotations

from benchmarks.asr_choice import Config, Result, choose, cut
from knowledge.evaluate import Score
from nlp.types import Segment, Transcript


def result(model: str, f1_tp: int, seconds: float, beam: int = 1) -> Result:
    # 10 gold findings, no false positives: F1 grows with the true positives.
    found = Score(tp=f1_tp, fp=0, fn=10 - f1_tp)
    return Result(Config(model, beam, "hotwords", True), audio_s=100.0, pipeline_s=seconds, findings={"all": found})


def test_the_best_f1_wins_only_within_the_real_time_limit() -> None:
    slow_best = result("base", 9, 30.0, beam=5)
    fast = result("tiny.en", 7, 8.0)
    faster_worse = result("tiny.en", 6, 5.0)
    assert choose([slow_best, fast, faster_worse]) is fast


def test_of_two_configurations_with_the_same_f1_the_faster_is_chosen() -> None:
    slower, faster = result("base", 8, 9.0), result("tiny.en", 8, 6.0)
    assert choose([slower, faster]) is faster


def test_a_joined_recording_is_cut_back_into_its_consultations_at_the_joins() -> None:
    def segment(index: int, start: float, end: float) -> Segment:
        return Segment(id=index, start=start, end=end, text=f"s{index}")

    whole = Transcript(duration=25.0, segments=[segment(0, 0.5, 4.0), segment(1, 8.0, 10.2), segment(2, 12.5, 14.0),
                                                segment(3, 20.0, 24.0)])
    parts = cut(whole, {"first": (0.0, 10.0), "second": (12.0, 25.0)})
    assert [s.text for s in parts["first"].segments] == ["s0", "s1"]  # its middle, 9.1 s, lies in the first
    assert [s.text for s in parts["second"].segments] == ["s2", "s3"]
    assert parts["second"].duration == 13.0


def test_a_row_is_named_for_only_as_model_decoding_and_biasing() -> None:
    assert Config("tiny.en", 1, "chart", True).row == "tiny.en/greedy/chart"
    assert Config("base", 5, "hotwords", False).row == "base/beam5/hotwords"
