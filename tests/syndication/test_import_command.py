"""`manage.py import_articles`: files and folders in, a summary and an exit status out."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from syndication.models import Article, ArticleRevision, Media
from tests.syndication.ninjs_samples import FIXTURES, NO_HEADLINE, load, minimal_31

pytestmark = pytest.mark.django_db

NO_HEADLINE_REASON = "headline: A headline is required (headlines[].value or headline)."


def run(*args):
    """Run the command; answer (stdout, exit status)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, args), stdout=out, stderr=err)
    except CommandError as exc:
        assert str(exc).endswith("rejected.")
        return out.getvalue(), exc.returncode
    return out.getvalue(), 0


def test_the_sample_folder_imports_three_and_exits_1_for_the_invalid_one(publication):
    # Given the folder of sample files, one of which has no headline
    # When it is imported
    output, status = run(FIXTURES)

    # Then the three good articles are in the catalogue and the bad one is named with its reason
    assert output.splitlines() == [
        "Imported: 4 document(s): 3 created, 0 updated, 0 unchanged, 1 rejected.",
        f"  {FIXTURES / NO_HEADLINE} [0]: {NO_HEADLINE_REASON}",
    ]
    assert status == 1
    assert sorted(Article.objects.values_list("language", flat=True)) == ["ar", "en-GB", "en-GB"]

    # And a second run finds nothing new
    output, status = run(FIXTURES)
    assert output.splitlines()[0] == (
        "Imported: 4 document(s): 0 created, 0 updated, 3 unchanged, 1 rejected."
    )
    assert ArticleRevision.objects.count() == 3


def test_a_dry_run_reports_the_same_and_saves_nothing(publication):
    output, status = run(FIXTURES, "--dry-run")

    assert output.splitlines() == [
        "Dry run, nothing saved: 4 document(s): 3 created, 0 updated, 0 unchanged, 1 rejected.",
        f"  {FIXTURES / NO_HEADLINE} [0]: {NO_HEADLINE_REASON}",
    ]
    assert status == 1
    assert (Article.objects.count(), ArticleRevision.objects.count(), Media.objects.count()) == (
        0,
        0,
        0,
    )


def test_a_file_holding_a_list_exits_0_when_nothing_is_rejected(publication, tmp_path):
    # Given one file holding two documents, the second a copy of the first under another uri
    second = minimal_31(uri="urn:newsml:courier.example:2026:article:lifeboat-crew")
    second["altIds"][0]["value"] = "https://courier.example/news/lifeboat-crew"
    path = tmp_path / "batch.json"
    path.write_text(json.dumps([minimal_31(), second]), encoding="utf-8")

    output, status = run(path)

    assert (output, status) == (
        "Imported: 2 document(s): 2 created, 0 updated, 0 unchanged, 0 rejected.\n",
        0,
    )
    assert Article.objects.count() == 2


def test_a_folder_is_read_recursively_in_order_and_unreadable_files_are_reported(
    publication, tmp_path
):
    # Given a nested folder with a good document, a broken file and a non-object
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / "b" / "deeper" / "story.json").write_text(json.dumps(minimal_31()))
    (tmp_path / "a-broken.json").write_text("{not json")
    (tmp_path / "c-list.json").write_text(json.dumps([load(NO_HEADLINE), "a string"]))
    (tmp_path / "notes.txt").write_text("not imported")

    output, status = run(tmp_path)

    lines = output.splitlines()
    assert lines[0] == "Imported: 4 document(s): 1 created, 0 updated, 0 unchanged, 3 rejected."
    assert lines[1].startswith(f"  {tmp_path / 'a-broken.json'} [0]: file: Unreadable: ")
    assert lines[2:] == [
        f"  {tmp_path / 'c-list.json'} [0]: {NO_HEADLINE_REASON}",
        f"  {tmp_path / 'c-list.json'} [1]: document: Expected a JSON object (one ninjs document).",
    ]
    assert status == 1


def test_a_missing_path_is_an_error(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_articles", str(tmp_path / "nowhere"), stdout=StringIO())
