"""Translation engines behind one small interface: deep-translator's HTTP engines and the offline pseudo engines.

deep-translator gives the engines but not what a pass over thousands of units needs. This adapter adds:
a timeout on every request, one classification of failures (worth retrying or not; `requests` errors come
through deep-translator unwrapped), its own BCP 47 → engine code map (Google wants `iw` and `zh-CN`; the
Libre engine's built-in list lacks uk, kk and sr), per-engine length limits, and keys read from the
environment only, never echoed in an error.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from workflow.errors import WorkflowError
from workflow.schema import ENGINES


class TransientError(Exception):
    """Worth another try: rate limits (429), server errors (5xx), timeouts, refused connections."""


class PermanentError(Exception):
    """Not worth another try: unsupported language, rejected text, an answer that is not a translation."""


class KeyRefused(PermanentError):
    """The engine refused the key (401, 403): no later unit can fare better, the pass stops at once."""


class Engine(Protocol):
    """What the draft pass needs from an engine."""

    name: str
    max_chars: int

    def translate(self, text: str) -> str: ...


# ------------------------------------------------------------------------------------------- timeouts

_local = threading.local()
_patched = threading.Lock()


def _install_timeout() -> None:
    """Route requests.api.request through a wrapper that adds the adapter's timeout.

    deep-translator calls requests.get/post without a timeout, so a stalled server would hang a pass for ever;
    every engine goes through requests.api.request, and only calls made by our adapter get the timeout.
    Installed when the first HTTP engine is made, so commands that never translate do not import requests.
    """
    import requests.api

    with _patched:
        if getattr(requests.api.request, "workflow_timeout", False):
            return
        original = requests.api.request

        def request_with_timeout(method: str, url: str, **kwargs: object) -> object:
            timeout = getattr(_local, "timeout", None)
            if timeout is not None and "timeout" not in kwargs:
                kwargs["timeout"] = timeout
            return original(method, url, **kwargs)

        request_with_timeout.workflow_timeout = True  # type: ignore[attr-defined]
        requests.api.request = request_with_timeout


# ------------------------------------------------------------------------------------------- codes


@dataclass(frozen=True, slots=True)
class EngineSpec:
    """How to make one deep-translator engine, and what it calls languages."""

    module: str
    cls: str
    max_chars: int
    keys: tuple[tuple[str, str], ...] = ()        # (constructor argument, environment variable)
    key_optional: bool = False                    # a server of one's own may need none (LibreTranslate)
    codes: tuple[tuple[str, str], ...] = ()       # BCP 47 tag → engine code, where it differs
    unsupported: tuple[str, ...] = ()
    # A language pair deep-translator's own list accepts; the real codes are set after construction.
    pair: tuple[str, str] = ("en", "fr")


SPECS: dict[str, EngineSpec] = {
    "google": EngineSpec("google", "GoogleTranslator", 4900,
                         codes=(("he", "iw"), ("zh-Hans", "zh-CN"), ("zh-Hant", "zh-TW"), ("zh", "zh-CN"),
                                ("jv", "jw")),
                         unsupported=("sr-Latn",)),   # Google writes Serbian in Cyrillic only
    "mymemory": EngineSpec("mymemory", "MyMemoryTranslator", 490, pair=("en-GB", "fr-FR"),
                           codes=(("en", "en-GB"), ("fr", "fr-FR"), ("de", "de-DE"), ("ru", "ru-RU"),
                                  ("uk", "uk-UA"), ("sr-Latn", "sr-Latn-RS"), ("kk", "kk-KZ"), ("ar", "ar-SA"),
                                  ("he", "he-IL"), ("tr", "tr-TR"), ("it", "it-IT"), ("es", "es-ES"))),
    "libre": EngineSpec("libre", "LibreTranslator", 2000, keys=(("api_key", "LIBRE_API_KEY"),), key_optional=True,
                        codes=(("sr-Latn", "sr"), ("zh-Hans", "zh"))),
    "deepl": EngineSpec("deepl", "DeeplTranslator", 4900, keys=(("api_key", "DEEPL_API_KEY"),),
                        codes=(("pt-BR", "pt-br"), ("en", "en-gb"))),
    "microsoft": EngineSpec("microsoft", "MicrosoftTranslator", 4900, keys=(("api_key", "MICROSOFT_API_KEY"),),
                            codes=(("sr-Latn", "sr-Latn"), ("zh-Hans", "zh-Hans"))),
    "yandex": EngineSpec("yandex", "YandexTranslator", 4900, keys=(("api_key", "YANDEX_API_KEY"),),
                         codes=(("sr-Latn", "sr"),)),
    "papago": EngineSpec("papago", "PapagoTranslator", 4900,
                         keys=(("client_id", "PAPAGO_CLIENT_ID"), ("secret_key", "PAPAGO_SECRET_KEY")),
                         codes=(("zh-Hans", "zh-CN"),)),
    "qcri": EngineSpec("qcri", "QcriTranslator", 4900, keys=(("api_key", "QCRI_API_KEY"),), pair=("en", "ar")),
    "baidu": EngineSpec("baidu", "BaiduTranslator", 4900, pair=("en", "fra"),
                        keys=(("appid", "BAIDU_APPID"), ("appkey", "BAIDU_APPKEY")),
                        codes=(("fr", "fra"), ("ar", "ara"), ("es", "spa"), ("ja", "jp"), ("ko", "kor"),
                               ("da", "dan"), ("fi", "fin"), ("sv", "swe"), ("bg", "bul"), ("et", "est"),
                               ("sl", "slo"), ("ro", "rom"), ("vi", "vie"), ("zh-Hant", "cht"))),
}
ENGINE_NAMES = (*SPECS, "pseudo", "pseudo-rtl", "memory")
assert set(ENGINE_NAMES) == set(ENGINES), "workflow.schema.ENGINES lists the engines the settings accept"


def engine_code(engine: str, tag: str) -> str:
    """The engine's code for a BCP 47 tag: the engine's own spelling where it has one, else the language."""
    spec = SPECS[engine]
    if tag in spec.unsupported:
        raise PermanentError(f"{engine} does not translate into {tag}")
    codes = dict(spec.codes)
    return codes.get(tag) or codes.get(tag.split("-")[0]) or tag.split("-")[0].lower()


# ------------------------------------------------------------------------------------------- adapters


_KEY_SERVER_MESSAGES = {"ERR_KEY_INVALID", "ERR_KEY_BLOCKED"}
_TRANSIENT_SERVER_MESSAGES = {"ERR_TOO_MANY_REQUESTS", "ERR_INTERNAL_SERVER_ERROR", "ERR_SERVICE_NOT_AVAIBLE",
                              "API server error"}


class DeepTranslatorEngine:
    """One deep-translator engine for one language pair, with timeouts and classified failures."""

    def __init__(self, name: str, source: str, target: str, options: dict[str, object], timeout: float) -> None:
        import importlib

        _install_timeout()
        spec = SPECS[name]
        self.name = name
        self.max_chars = int(options.get("max_chars", spec.max_chars))  # type: ignore[arg-type]
        self.timeout = timeout
        kwargs: dict[str, object] = {}
        keyless = False
        for argument, variable in spec.keys:
            value = os.environ.get(variable)
            if not value and spec.key_optional:
                value, keyless = "-", True  # deep-translator insists on one; it is removed below, never sent
            if not value:
                raise WorkflowError(None, None, f"the {name} engine needs {variable} in the environment",
                                    f"export {variable}=… (keys are read from the environment only)")
            kwargs[argument] = value
        if name == "libre":
            url = str(options.get("url") or "")
            if not url:
                raise WorkflowError(None, None, "the libre engine needs a server URL",
                                    'set [draft.libre] url = "http://127.0.0.1:5000/" in workflow.toml')
            kwargs["custom_url"] = url if url.endswith("/") else url + "/"
        if name == "microsoft" and options.get("region"):
            kwargs["region"] = options["region"]
        module = importlib.import_module(f"deep_translator.{spec.module}")
        source_code, target_code = engine_code(name, source), engine_code(name, target)
        # deep-translator checks codes against its own (short) lists; build for a pair it knows, then set ours.
        self._translator = getattr(module, spec.cls)(source=spec.pair[0], target=spec.pair[1], **kwargs)
        self._translator.source = source_code
        self._translator.target = target_code
        if keyless:
            self._translator.api_key = None

    def translate(self, text: str) -> str:
        """The engine's translation of `text`, its whole request bounded by the timeout.

        `requests` bounds each read of the socket, not the request: a server trickling a byte a second never
        times out. The request runs in a thread of its own, waited for until the deadline; a late one is left
        to finish (or time out on its next read) in the background, and its answer is dropped.
        """
        outcome: list[tuple[str | None, BaseException | None]] = []
        finished = threading.Event()

        def request() -> None:
            _local.timeout = self.timeout
            try:
                outcome.append((self._request(text), None))
            except BaseException as exc:  # handed to the waiting thread
                outcome.append((None, exc))
            finally:
                _local.timeout = None
                finished.set()

        threading.Thread(target=request, name="engine request", daemon=True).start()
        if not finished.wait(self.timeout):
            raise TransientError(f"no complete answer within {self.timeout:g} s")
        result, error = outcome[0]
        if error is not None:
            raise error
        return result  # type: ignore[return-value]

    def _request(self, text: str) -> str:
        import requests
        from deep_translator import exceptions as dt

        try:
            result = self._translator.translate(text)
        except requests.exceptions.Timeout:
            raise TransientError(f"no answer within {self.timeout:g} s") from None
        except requests.exceptions.ConnectionError:
            raise TransientError("connection refused or dropped") from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise TransientError("connection dropped mid-answer") from None
        except dt.TooManyRequests:
            raise TransientError("rate limited (429)") from None
        except dt.ServerException as exc:
            message = str(exc.args[0]) if exc.args else "API server error"
            if message in _TRANSIENT_SERVER_MESSAGES:
                raise TransientError(f"server error ({message})") from None
            if message in _KEY_SERVER_MESSAGES:
                raise KeyRefused(f"the engine refused the key ({message}); check its key variable") from None
            raise PermanentError(f"rejected by the server ({message})") from None
        except (dt.AuthorizationException, dt.ApiKeyException):
            # Their messages contain the key; ours never does.
            raise KeyRefused("the engine refused the key (401/403); check its key variable") from None
        except dt.RequestError:
            raise TransientError("request failed") from None
        except (dt.TranslationNotFound, dt.NotValidLength, dt.NotValidPayload,
                dt.LanguageNotSupportedException) as exc:
            raise PermanentError(type(exc).__name__) from None
        except (requests.exceptions.JSONDecodeError, KeyError, TypeError, AttributeError, IndexError) as exc:
            # Not JSON, or JSON of another shape (a list, a string, no translatedText): not a translation.
            raise PermanentError(f"the answer is not a translation ({type(exc).__name__})") from None
        except requests.exceptions.RequestException as exc:
            raise TransientError(f"request failed ({type(exc).__name__})") from None
        except ValueError as exc:
            raise PermanentError(f"the answer is not a translation ({type(exc).__name__})") from None
        if not isinstance(result, str):
            raise PermanentError(f"the answer is not a translation (a JSON {_json_kind(result)})")
        if not result.strip():
            raise PermanentError("empty translation")
        return result


def _json_kind(value: object) -> str:
    names = {type(None): "null", bool: "boolean", int: "number", float: "number", list: "list", dict: "object"}
    return names.get(type(value), type(value).__name__)


# A pseudo-translation shows externalization and layout bugs without a network: accented letters, text
# about 35% longer (German and Finnish run long), and brackets that show where a string was cut.
_ACCENTED = str.maketrans("aeiouyAEIOUYcnsCNSgGdDlLrRtT", "àéîöûýÅÉÎÖÛÝçñšÇÑŠğĞđĐĺĹŕŔŧŦ")


class PseudoEngine:
    """The built-in offline engine; `rtl` wraps text in right-to-left overrides to test mirrored layouts."""

    max_chars = 100_000

    def __init__(self, rtl: bool = False) -> None:
        self.rtl = rtl
        self.name = "pseudo-rtl" if rtl else "pseudo"

    def translate(self, text: str) -> str:
        out = []
        for word in text.split(" "):
            out.append(word.translate(_ACCENTED) + ("~" * (len(word) // 3) if word.isalpha() else ""))
        body = " ".join(out)
        if self.rtl:
            return f"\u202e[{body}]\u202c"
        return f"[{body}]"


def make_engine(name: str, source: str, target: str, options: dict[str, object], timeout: float) -> Engine:
    """The engine called `name` for one language pair."""
    if name in ("pseudo", "pseudo-rtl"):
        return PseudoEngine(rtl=name == "pseudo-rtl")
    if name not in SPECS:
        raise WorkflowError(None, None, f"unknown engine {name!r}", "use one of " + ", ".join(ENGINE_NAMES))
    try:
        return DeepTranslatorEngine(name, source, target, options, timeout)
    except PermanentError as exc:
        raise WorkflowError(None, None, str(exc), "pick another engine for this locale with --engine") from None


EngineFactory = Callable[[], Engine]
