"""What a student must see from an exercise check: the truth value, the status and the symbol
of a ``Feedback`` agree, and a wrong answer comes with a hint.

Shared by the chapter check tests (``test_checks_chapter*.py``). pytest rewrites the asserts of
test modules only, so each assert here carries its own message.
"""

from genjax_gmm.checks import Feedback


def assert_correct(feedback: Feedback) -> None:
    """The answer passed: truthy, status ``correct``, shown with ✅."""
    assert feedback, feedback
    assert feedback.status == "correct", feedback
    assert repr(feedback).startswith("✅"), feedback


def assert_unanswered(feedback: Feedback) -> None:
    """The answer is still ``None``: falsy, status ``unanswered``, shown as ⏳ not answered yet."""
    assert not feedback, feedback
    assert feedback.status == "unanswered", feedback
    assert repr(feedback).startswith("⏳") and "not answered yet" in repr(feedback), feedback


def assert_incorrect(feedback: Feedback, hint_fragment: str = "") -> None:
    """The answer failed: falsy, status ``incorrect``, shown with ❌, and a hint containing ``hint_fragment``."""
    assert not feedback, f"accepted: {feedback!r}"
    assert feedback.status == "incorrect", feedback
    assert repr(feedback).startswith("❌"), feedback
    assert "Hint:" in feedback.message and hint_fragment in feedback.message, feedback.message


def assert_check_behaves(exercise, answer, wrong_answers) -> None:
    """The three things every check must do: the right ``answer`` passes, ``None`` is not
    answered yet, and each of the typical ``wrong_answers`` fails with a hint."""
    assert_correct(exercise(answer))
    assert_unanswered(exercise(None))
    for value in wrong_answers:
        assert_incorrect(exercise(value))
