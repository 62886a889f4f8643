"""message_language (issue 17 item 5) as rendered: with Japanese every fixed text of a
message (Subject, Message, aws:approve's Message) is Japanese and the rendered runbooks
still validate; every message script has the same phrases in both languages, so that a key
missing from one language cannot fail a run at its end."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from winupdate.documents.render import hook_defaults, output_defaults, rendered_document
from winupdate.documents.validate import validate_paths

ROOT = Path(__file__).resolve().parents[2]
BASES = ("AutomationStart", "AutomationProcess", "CreateImage", "WindowsUpdate", "Restore")
# Kana, kanji and the full-width punctuation Japanese is written with.
JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")


def every_option(japanese: bool) -> dict:
    return {
        "Japanese": japanese,
        "MessageLanguage": "ja" if japanese else "en",
        "RollbackOnFailure": True,
        "WaveTagKey": "PatchWave",
        "WaveMaxErrors": 1,
        "WaveApproval": True,
        **hook_defaults(
            "PreUpdate",
            {"document_name": "AWS-RunPowerShellScript", "parameters": {"commands": ["echo x"]}},
        ),
        **hook_defaults(
            "PostUpdate",
            {"document_name": "AWS-RunPowerShellScript", "parameters": {"commands": ["echo y"]}},
        ),
        **output_defaults(
            {"s3_bucket_name": "b", "s3_key_prefix": "p/", "cloudwatch_log_group_name": "/g"},
            japanese,
        ),
    }


def steps(text: str) -> list[dict]:
    return yaml.safe_load(text)["mainSteps"]


def test_the_japanese_runbooks_validate_and_their_fixed_texts_are_japanese(tmp_path):
    for base in BASES:
        text = rendered_document(ROOT, base, **every_option(True))
        (tmp_path / f"{base}.yaml").write_text(text, encoding="utf-8")
        for step in steps(text):
            inputs = step.get("inputs", {})
            texts = [inputs.get("Subject"), inputs.get("Message")]
            texts += [(inputs.get("InputPayload") or {}).get(k) for k in ("Subject", "Context")]
            for fixed in filter(None, texts):
                assert JAPANESE.search(fixed), (base, step["name"], fixed)
                assert (
                    "\n" not in fixed
                    or step["action"] != "aws:executeAwsApi"
                    or fixed != inputs.get("Subject")
                )
            if step["action"] == "aws:approve":
                assert len(inputs["Message"]) <= 4096  # automation-action-approve.md
    report = validate_paths([tmp_path])
    errors = [f"{f.code} {f.message}" for f in report.findings if f.severity == "error"]
    assert not errors, errors


def script_texts(base: str, japanese: bool) -> dict[str, dict]:
    """step name -> the TEXT its script picks, rendered in one language."""
    found = {}
    for step in steps(rendered_document(ROOT, base, **every_option(japanese))):
        script = (step.get("inputs") or {}).get("Script") or ""
        if "LANGUAGE = " in script:
            namespace: dict = {}
            exec(compile(script, f"{base}.{step['name']}", "exec"), namespace)
            found[step["name"]] = namespace["TEXT"]
    return found


def test_every_message_script_has_the_same_phrases_in_both_languages():
    for base in ("AutomationStart", "AutomationProcess", "Restore"):
        english, japanese = script_texts(base, False), script_texts(base, True)
        assert english and set(english) == set(japanese), base
        for name, phrases in english.items():
            assert set(phrases) == set(japanese[name]), (base, name)
            for key, phrase in phrases.items():
                # The same placeholders, so that every fact reaches both languages.
                assert sorted(re.findall(r"\{\d\}", phrase)) == sorted(
                    re.findall(r"\{\d\}", japanese[name][key])
                ), (base, name, key)
                assert not JAPANESE.search(phrase) and JAPANESE.search(japanese[name][key]), (
                    base,
                    name,
                    key,
                )
