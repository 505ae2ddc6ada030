"""benchmarks.fragments: which segments stop inside a clause of what was said."""

from __future__ import annotations

from benchmarks.fragments import fragments, script_words
from benchmarks.speech_coverage import normalise

TURNS = ["Hi, what brings you in?", "I am training for a marathon and I get cramps in my right calf after running.",
         "Your potassium was 3.2 and your sodium was 133."]


def cut(*segments: list[str], turns: list[str] = TURNS) -> set[int]:
    """The segments (numbered from 0) of recognised words that `fragments` finds cut inside a clause of `turns`."""
    recognised = [normalise(word).split() for segment in segments for word in segment]
    last_word, index = {}, -1
    for number, segment in enumerate(segments):
        index += len(segment)
        last_word[number] = index
    words, ends = script_words(turns)
    return fragments(recognised, words, ends, last_word)


def test_the_script_ends_clauses_at_its_punctuation_and_turns_but_not_inside_numbers() -> None:
    words, ends = script_words(TURNS)
    assert [word for word, end in zip(words, ends, strict=True) if end] == [
        "hi", "in", "running", "three"]  # "3.2" is "three point two", and no clause ends inside it


def test_a_segment_cut_inside_a_clause_is_a_fragment_and_one_cut_at_a_comma_or_turn_is_not() -> None:
    assert cut(["Hi,"], ["what", "brings", "you", "in?"], ["I"], ["am", "training", "for", "a", "marathon", "and", "I",
                                                                 "get", "cramps", "in", "my", "right", "calf",
                                                                 "after", "running."]) == {2}
    assert cut(["Hi,", "what", "brings", "you", "in?"], ["Your", "potassium", "was", "3.2", "and", "your", "sodium",
                                                        "was..."], ["133."]) == {1}


def test_a_sentence_whose_end_was_not_heard_is_speech_lost_not_a_cut() -> None:
    # "I am training" stops before "for", "Your potassium" before "was": neither was heard.
    assert cut(["Hi,", "what", "brings", "you", "in?"], ["I", "am", "training"], ["Your", "potassium"]) == set()


def test_a_misheard_word_is_paired_with_the_word_it_sounds_like_not_its_neighbour() -> None:
    # Whole turns, heard with a word lost ("ten") or misheard ("bin", "hummus"): a plain word error alignment paired
    # "milligrams" with "ten" and left "bin" unpaired, as if the turns stopped inside their sentences.
    said = ["And your medicines?", "Lisinopril ten milligrams.", "Any numbness in your feet?",
            "How's the asthma been?", "Not great."]
    assert cut(["And", "your", "medicine."], ["Lisinopril", "milligrams."], ["And", "the", "hummus", "in", "your",
                                                                              "feet."],
               ["How's", "the", "asthma", "bin?"], ["That's", "great."], turns=said) == set()
    assert cut(["And", "your"], ["medicine."], ["Lisinopril", "milligrams."], turns=said) == {0}
