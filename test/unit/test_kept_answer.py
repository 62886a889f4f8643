"""A reused read's answer (``KeptAnswer``): a fresh, equal object every time."""

from __future__ import annotations

from winupdate.local.automation.context import KeptAnswer


def test_each_copy_is_a_new_equal_object_that_a_step_may_change():
    answer = {"Images": [{"ImageId": "ami-1", "State": "pending", "Tags": []}], "N": 1.5}
    kept = KeptAnswer(answer)
    first = kept.copy()
    assert first == answer and first is not answer
    first["Images"][0]["State"] = "changed"
    first["Images"][0]["Tags"].append({"Key": "k", "Value": "v"})
    assert kept.copy() == answer


def test_an_answer_json_would_not_give_back_equal_is_copied_deeply():
    answer = {"Ids": ("a", "b"), 1: "not a string key"}
    kept = KeptAnswer(answer)
    copied = kept.copy()
    assert copied == answer
    assert isinstance(copied["Ids"], tuple) and 1 in copied
    assert copied is not kept.copy()


def test_the_kept_answer_does_not_change_with_the_original():
    answer = {"List": [{"Value": "x"}]}
    kept = KeptAnswer(answer)
    answer["List"][0]["Value"] = "changed later"
    assert kept.copy() == {"List": [{"Value": "x"}]}
