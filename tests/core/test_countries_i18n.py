from __future__ import annotations

import pytest

from sobre.core import i18n
from sobre.core.countries import name, to_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("France", "FR"),
        ("FR", "FR"),
        ("FRA", "FR"),
        ("Allemagne", "DE"),
        ("Russian Federation", "RU"),
        ("Russia", "RU"),
        ("England", "GB"),
        ("Royaume-Uni", "GB"),
        ("Suisse", "CH"),
        ("Norvège", "NO"),
        ("États-Unis", "US"),
        ("Korea, Republic Of", "KR"),
        ("Non spécifié", "WORLD"),
        ("EU-27", "EU27"),
        ("  france  ", "FR"),
    ],
)
def test_countries_are_recognised_in_any_common_spelling(text: str, code: str) -> None:
    assert to_code(text) == code


@pytest.mark.parametrize("text", ["", "Atlantis", "'; DROP TABLE site; --", None])
def test_unknown_country_is_none_not_a_guess(text: str | None) -> None:
    assert to_code(text) is None


def test_country_names_in_both_languages() -> None:
    assert name("DE", "fr") == "Allemagne" and name("DE", "en") == "Germany"
    assert name("WORLD", "fr") == "Monde"


def test_numbers_follow_the_language() -> None:
    assert i18n.format_number(25004.7, "en", 1) == "25,004.7"
    assert i18n.format_number(25004.7, "fr", 1) == "25\u202f004,7"


def test_catalogue_rejects_conflicts_and_unknown_languages() -> None:
    i18n.register({"test.hello": {"en": "Hello {who}", "fr": "Bonjour {who}"}})
    assert i18n.t("test.hello", "fr", who="Sobre") == "Bonjour Sobre"
    with pytest.raises(ValueError):
        i18n.register({"test.hello": {"en": "Hi", "fr": "Salut"}})
    with pytest.raises(ValueError):
        i18n.t("test.hello", "de")
