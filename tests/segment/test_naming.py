"""The naming policy: the built-in OSCE profile in 45 locales, project overrides, scripts, and list order."""

from __future__ import annotations

from pathlib import Path

import icu
import pytest

from workflow.errors import WorkflowError
from workflow.publish.locale_data import sorted_names
from workflow.segment.countries import cldr_territories
from workflow.naming import CountryNaming, osce_profile, script_of, wrong_script
from workflow.settings import load_settings

# The languages of the OSCE participating States and Partners for Co-operation that the profile covers.
OSCE_LOCALES = ("fr de it es ru uk sr-Latn sr mk sq bs hr sl tr kk ky tg uz mn hy az ka be ro bg el pl cs sk hu "
                "lt lv et fi sv da nb is nl pt mt ga tk ar he").split()
# Whose OSCE name differs from CLDR's in English or in other languages.
POLICY_CODES = ("VA", "RU", "US", "GB", "CZ", "NL", "MK", "TR", "BA", "XK", "KR")
PARTICIPATING_STATES = ("AL AD AM AT AZ BE BY BA BG CA HR CY CZ DK EE FI FR GE DE GR VA HU IS IE IT KZ KG LV LI LT "
                        "LU MT MD MC MN ME NL MK NO PL PT RO RU SM RS SK SI ES SE CH TJ TR TM UA GB US UZ").split()


def _icu_variants(locale: str) -> dict[str, str]:
    """CLDR's alt="variant" territory names as ICU holds them (the "Czech Republic" form, for one)."""
    bundle = icu.ResourceBundle("ICUDATA-region", icu.Locale(locale.replace("-", "_")))
    try:
        table = bundle.get("Countries%variant")
    except icu.ICUError:
        return {}
    return {table.get(i).getKey(): table.get(i).getString() for i in range(table.getSize())}


@pytest.mark.parametrize("locale", ["en", *OSCE_LOCALES])
def test_the_profile_names_every_listed_country_in_the_locales_script(locale: str) -> None:
    entries = osce_profile().names[locale]
    assert set(POLICY_CODES) <= set(entries), set(POLICY_CODES) - set(entries)
    variants = _icu_variants(locale)
    for code in POLICY_CODES:
        entry = entries[code]
        assert entry.name.strip() == entry.name and entry.name
        assert wrong_script(entry.name, locale) is None, (code, entry.name)
        assert entry.source in osce_profile().sources, (code, entry.source)
        # Names said to follow CLDR are CLDR's, letter for letter, in this Babel and this ICU.
        if entry.source == "cldr":
            assert entry.name == cldr_territories(locale)[code], code
        if entry.source == "cldr-variant":
            assert entry.name == variants[code], code
        assert CountryNaming().name(code, locale) == entry.name


# Where the Holy See keeps CLDR's name: Turkish diplomatic usage says Vatikan; the others await review.
HOLY_SEE_AS_VATICAN = {"tr"} | {locale for locale in OSCE_LOCALES
                                if osce_profile().names[locale]["VA"].review}


@pytest.mark.parametrize("locale", OSCE_LOCALES)
def test_the_holy_see_is_not_vatican_city(locale: str) -> None:
    cldr = cldr_territories(locale)["VA"]
    name = CountryNaming().name("VA", locale)
    if locale not in HOLY_SEE_AS_VATICAN:
        assert name != cldr, (locale, name)
    elif locale == "tr":
        assert name == cldr == "Vatikan"


def test_english_policy_names_are_osce_usage() -> None:
    naming = CountryNaming()
    names = {code: naming.name(code, "en") for code in POLICY_CODES}
    assert names["BA"] == "Bosnia and Herzegovina" != cldr_territories("en")["BA"]
    assert names["VA"] == "Holy See"
    assert names["RU"] == "Russian Federation"
    assert names["US"] == "United States of America"
    assert names["CZ"] == "Czech Republic"
    assert names["NL"] == "the Netherlands" and naming.list_name("NL", "en") == "The Netherlands"
    assert names["KR"] == "Republic of Korea"


def test_project_names_win_and_cldr_naming_turns_the_profile_off() -> None:
    overrides = {"fr": {"VA": "Vatican (Saint-Siège)"}}
    assert CountryNaming("osce", overrides).name("VA", "fr") == "Vatican (Saint-Siège)"
    assert CountryNaming("osce", overrides).name("VA", "de") == "Heiliger Stuhl"
    assert CountryNaming("cldr", overrides).name("VA", "de") == cldr_territories("de")["VA"]
    assert CountryNaming("cldr").name("RU", "en") == "Russia"
    assert not CountryNaming("cldr").covers("VA") and CountryNaming("cldr", overrides).covers("VA")


def test_names_never_cross_scripts() -> None:
    assert script_of("sr") == "Cyrl" and script_of("sr-Latn") == "Latn" and script_of("uz-Cyrl") == "Cyrl"
    overrides = {"sr": {"VA": "Света Столица"}, "uz": {"VA": "Muqaddas Taxt"}}
    naming = CountryNaming("osce", overrides)
    assert naming.name("VA", "sr") == "Света Столица"
    assert naming.name("VA", "sr-Latn") == "Sveta Stolica"           # the profile's Latin name
    assert naming.name("VA", "sr-Latn-RS") == "Sveta Stolica"        # sr-Latn, never sr
    assert naming.name("VA", "uz-Cyrl") == cldr_territories("uz-Cyrl")["VA"]  # not the Latin uz name
    assert wrong_script(naming.name("RU", "uz-Cyrl"), "uz-Cyrl") is None
    assert CountryNaming("cldr", overrides).name("VA", "sr-Latn") == cldr_territories("sr-Latn")["VA"]


def test_a_regional_variant_takes_the_language_name_only_where_cldr_spells_alike() -> None:
    naming = CountryNaming()
    assert naming.name("VA", "pt-PT") == "Santa Sé"
    # Brazilian "Macedônia do Norte" is not shown to Portuguese readers, who write "Macedónia".
    assert naming.name("MK", "pt") == "Macedônia do Norte"
    assert naming.name("MK", "pt-PT") == cldr_territories("pt-PT")["MK"] != "Macedônia do Norte"


def test_settings_refuse_a_name_in_another_script(tmp_path: Path) -> None:
    (tmp_path / "workflow.toml").write_text(
        '[project]\ntarget_locales = ["sr-Latn"]\n\n[country_names.sr-Latn]\nVA = "Света Столица"\n',
        encoding="utf-8")
    with pytest.raises(WorkflowError) as caught:
        load_settings(tmp_path)
    assert caught.value.line == 5
    assert "Cyrillic letters" in caught.value.problem and "sr-Latn" in caught.value.problem


def test_settings_choose_the_naming(tmp_path: Path) -> None:
    (tmp_path / "workflow.toml").write_text('[project]\nnaming = "cldr"\ntarget_locales = ["fr"]\n', encoding="utf-8")
    assert load_settings(tmp_path).names.name("VA", "fr") == cldr_territories("fr")["VA"]
    (tmp_path / "workflow.toml").write_text('[project]\nnaming = "un"\ntarget_locales = ["fr"]\n', encoding="utf-8")
    with pytest.raises(WorkflowError) as caught:
        load_settings(tmp_path)
    assert caught.value.line == 2 and "naming" in caught.value.problem


def _ordered(locale: str, naming: CountryNaming = CountryNaming()) -> list[str]:
    keys = {code: (naming.sort_key(code, locale), naming.list_name(code, locale)) for code in PARTICIPATING_STATES}
    return [keys[code][1] for code in sorted_names(list(PARTICIPATING_STATES), locale, keys.__getitem__)]


@pytest.mark.parametrize(("locale", "earlier", "later"), [
    ("en", "Montenegro", "The Netherlands"),   # N, not T
    ("en", "The Netherlands", "North Macedonia"),
    ("mt", "l-Albanija", "Andorra"),           # Albanija: the article il-/l- is not sorted by
    ("mt", "il-Bulgarija", "Ċipru"),
    ("mt", "id-Danimarka", "l-Estonja"),
    ("mt", "San Marino", "is-Santa Sede"),
    ("ga", "an Albáin", "Andóra"),             # Albáin before Andóra
    ("ga", "an Bhulgáir", "Ceanada"),          # lenited Bh sorts as B
    ("ga", "Ceanada", "an Chipir"),            # Ch of an Chipir sorts as C
    ("ga", "an Spáinn", "an tSualainn"),       # t-prefixed S sorts as S
    ("da", "Det Forenede Kongerige", "Frankrig"),
    ("da", "Rumænien", "Den Russiske Føderation"),
])
def test_lists_sort_by_policy_keys_then_collation(locale: str, earlier: str, later: str) -> None:
    names = _ordered(locale)
    assert len(names) == len(PARTICIPATING_STATES)
    assert names.index(earlier) < names.index(later), (earlier, later)
    # The names alone, in the same collation, would not be in this order.
    plain = sorted_names(list(names), locale)
    assert plain != names


def test_every_locale_lists_its_states_in_its_collation_of_keys() -> None:
    naming = CountryNaming()
    for locale in ("en", *OSCE_LOCALES):
        keys = [naming.sort_key(code, locale) for code in PARTICIPATING_STATES]
        ordered_keys = sorted_names(keys, locale)
        names = _ordered(locale, naming)
        by_name = {naming.list_name(code, locale): naming.sort_key(code, locale) for code in PARTICIPATING_STATES}
        assert [by_name[name] for name in names] == ordered_keys, locale
        assert len(set(names)) == len(PARTICIPATING_STATES), locale


def test_glossary_notes_give_policy_names_and_what_the_policy_says(tmp_path: Path) -> None:
    from workflow.po.templates import glossary_notes

    (tmp_path / "workflow.toml").write_text('[project]\ntarget_locales = ["sr-Latn", "pl"]\n', encoding="utf-8")
    settings = load_settings(tmp_path)
    notes = glossary_notes(("VA", "XK", "FR"), "pl", settings)
    assert "glossary: Holy See = Stolica Apostolska" in notes
    assert "glossary: Kosovo = Kosowo" in notes
    assert "glossary: France = " + cldr_territories("pl")["FR"] in notes
    assert any(note.startswith("naming: Kosovo: status-neutral") and "1244" in note for note in notes)
    assert "glossary: Holy See = Sveta Stolica" in glossary_notes(("VA",), "sr-Latn", settings)


def test_naming_is_hashable_by_value() -> None:
    assert hash(CountryNaming("osce", {"fr": {"VA": "x"}})) == hash(CountryNaming("osce", {"fr": {"VA": "x"}}))
    assert CountryNaming("osce", {"fr": {"VA": "x"}}) != CountryNaming("osce", {"fr": {"VA": "y"}})
