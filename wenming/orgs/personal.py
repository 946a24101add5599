"""Personal data: validating, protecting and masking ID numbers and mobile phones.

Shared by every module that keeps a person's identity (volunteers first; exemplars, honours and
practice later). Nothing here touches the database.

Validation
    Mainland resident ID (居民身份证, GB 11643-1999): 18 characters, the last a checksum over the
    first 17 with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 (sum mod 11 → 1 0 X 9 8 7 6 5 4 3 2);
    a plausible province prefix; a real birth date that is not in the future; sex from the 17th
    digit (odd: male). The fictional demo region prefix ``99`` (示范省, see orgs/demo.py) is accepted
    on purpose, so generated demo IDs validate; no real ID begins with 99.
    Other documents get format checks only (their numbers carry no checksum we can verify).

Protection at rest
    :func:`encrypt` / :func:`encrypt_many` write **v2 tokens**: ``"v2:"`` + base64url(12-byte random
    nonce ‖ AES-256-GCM ciphertext ‖ 16-byte tag), one C call of ``cryptography``'s ``AESGCM`` per
    value (~1 µs, against ~15 µs for a Fernet token; 55–67 characters for a phone or an ID instead
    of 100–120). :func:`decrypt` reads v2 tokens and the **Fernet tokens** (AES-128-CBC +
    HMAC-SHA256, ``gAAAA…``) that every value stored before v2 holds — both raise
    ``cryptography.fernet.InvalidToken`` under a wrong key, so ``volunteers_rekey`` tells old-key
    from new-key rows as before and leaves every row in v2. Fernet tokens are never rewritten
    otherwise. Random 96-bit nonces: safe for far more values than a city's register holds
    (NIST's 2^32 messages per key; a re-key starts a new key).
    :func:`blind_index` is a keyed HMAC-SHA256 of the normalised value, for exact look-up and for
    uniqueness constraints without storing the value (computed from precomputed HMAC pad states:
    the same digest as ``hmac.new``, without OpenSSL 3's per-call set-up), **truncated to 128
    bits** (32 hex characters; RFC 2104 §5 allows truncating to half the output, and a collision
    among even a billion values has odds below 10^-20): half the width in every row and index
    entry of the tables that keep it — measured on the import of 450,000 volunteers
    (docs/volimport.md). Values stored before were cut to the same prefix by migrations
    (``volunteers`` 0007, ``inspections`` 0016). The keys are derived
    (HKDF-SHA256, distinct ``info``: Fernet ``encrypt``, v2 ``encrypt-v2``, ``blind-index``) from the
    ``PERSONAL_DATA_KEY`` setting, so one secret is configured and no two uses share key material.

Masking
    :func:`mask_id` → ``3301**********123X``; :func:`mask_phone` → ``138****1234``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import hashlib
import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- ID numbers -----------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
# Province-level prefixes of GB/T 2260, plus 99: the fictional demo province (never issued).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82 83 91".split()
)
DEMO_PREFIX = "99"
ID_RE = re.compile(r"^\d{17}[\dX]$")


class IdType(models.TextChoices):
    MAINLAND = "mainland", _("居民身份证")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    PASSPORT = "passport", _("护照")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


@dataclass(frozen=True)
class IdInfo:
    """A validated document number and what it tells."""

    id_type: str
    number: str  # normalised: upper case, no spaces
    birth_date: dt.date | None = None
    sex: str = ""


def normalise_id(number: str) -> str:
    if number.__class__ is str and number.isascii() and number.isalnum():
        return number.upper()  # nothing to remove (the common case; same result as below)
    return re.sub(r"[\s\u3000-]", "", str(number or "")).upper().replace("Ｘ", "X")


def id_checksum_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The weight of digit i (1-based) is 2^(18-i) mod 11, and 13 ≡ 2 (mod 11): twice the
        # digits read in base 13 is the same weighted sum mod 11, in one C call.
        return ID_CHECK_CHARS[int(first17, 13) * 2 % 11]
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


@functools.lru_cache(maxsize=65536)
def _birth_date(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


_ID_LAST = frozenset("0123456789X")
_ODD = frozenset("13579")


def mainland_id_parts(value: str, today: dt.date) -> tuple[dt.date, str] | None:
    """(birth date, sex) of a **normalised, valid** 居民身份证 number — the common case of a bulk
    import, without building an :class:`IdInfo`; None when :func:`validate_mainland_id` must decide
    (the number may be invalid or need normalising). Never accepts what that function refuses."""
    if not (
        value.__class__ is str
        and len(value) == 18
        and value.isascii()
        and value[:17].isdigit()
        and value[17] in _ID_LAST
        and value[2:6] != "0000"
        and (value[:2] in PROVINCE_PREFIXES or value[:2] == DEMO_PREFIX)
    ):
        return None
    birth = _birth_date(value[6:14])
    if (
        birth is None
        or birth.year < 1900
        or birth > today
        or ID_CHECK_CHARS[int(value[:17], 13) * 2 % 11] != value[17]
    ):
        return None
    return birth, (Sex.MALE if value[16] in _ODD else Sex.FEMALE)


def validate_mainland_id(number: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate a 居民身份证 number; raises ValidationError with a Chinese message."""
    value = normalise_id(number)
    today = today or dt.date.today()
    parts = mainland_id_parts(value, today)
    if parts is not None:
        return IdInfo(id_type=IdType.MAINLAND, number=value, birth_date=parts[0], sex=parts[1])
    if not ID_RE.match(value):
        raise ValidationError("身份证号应为 18 位：前 17 位数字，最后一位数字或 X")
    if value[:2] not in PROVINCE_PREFIXES and value[:2] != DEMO_PREFIX:
        raise ValidationError("身份证号的前两位不是有效的省级行政区划代码")
    if value[2:6] == "0000":
        raise ValidationError("身份证号的地区码不完整")
    birth = _birth_date(value[6:14])
    if birth is None or birth.year < 1900:
        raise ValidationError("身份证号中的出生日期无效")
    if birth > today:
        raise ValidationError("身份证号中的出生日期晚于今天")
    if id_checksum_char(value[:17]) != value[17]:
        raise ValidationError("身份证号校验位不符，请核对号码")
    sex = Sex.MALE if int(value[16]) % 2 else Sex.FEMALE
    return IdInfo(id_type=IdType.MAINLAND, number=value, birth_date=birth, sex=sex)


# Format checks for documents without a verifiable checksum.
_OTHER_FORMATS = {
    # H/M + 8 digits (the card since 2013 prints 8 digits; older booklets had 10).
    IdType.HK_MACAO: (
        re.compile(r"^[HM]\d{8}(\d{2})?$"),
        "港澳居民来往内地通行证号码应为 H 或 M 开头加 8 位（或 10 位）数字",
    ),
    # 8 digits (card since 2015), older booklets 10 characters with a letter suffix.
    IdType.TAIWAN: (
        re.compile(r"^\d{8}$|^\d{10}$|^\d{8}[A-Z]{1,2}$"),
        "台湾居民来往大陆通行证号码应为 8 位数字",
    ),
    IdType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号码应为 5 至 17 位字母或数字"),
    # 2004 card: 3 letters + 12 digits; 2023 card: 18 characters beginning with 9 (GB 11643 checksum).
    IdType.FOREIGN_PR: (
        re.compile(r"^[A-Z]{3}\d{12}$|^9\d{16}[\dX]$"),
        "外国人永久居留身份证号码应为 3 位字母加 12 位数字，或 9 开头的 18 位号码",
    ),
}


def validate_id(id_type: str, number: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate a document number of any supported type. Never raises anything but ValidationError."""
    if id_type == IdType.MAINLAND:
        return validate_mainland_id(number, today=today)
    if id_type not in _OTHER_FORMATS:
        raise ValidationError("不支持的证件类型")
    value = normalise_id(number)
    pattern, message = _OTHER_FORMATS[id_type]
    if not pattern.match(value):
        raise ValidationError(message)
    if id_type == IdType.FOREIGN_PR and len(value) == 18:
        if id_checksum_char(value[:17]) != value[17]:
            raise ValidationError("外国人永久居留身份证号码校验位不符，请核对号码")
        birth = _birth_date(value[7:15])
        return IdInfo(id_type=id_type, number=value, birth_date=birth, sex="")
    return IdInfo(id_type=id_type, number=value)


# --- Phones ---------------------------------------------------------------------------------

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_phone(phone: str) -> str:
    if (
        phone.__class__ is str
        and len(phone) == 11
        and phone[0] == "1"
        and phone.isascii()
        and phone.isdigit()
    ):
        return phone  # nothing to remove or strip (the common case; same result as below)
    value = re.sub(r"[\s\u3000()\-]", "", str(phone or ""))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    return value


def validate_phone(phone: str) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…), normalised; raises ValidationError."""
    value = normalise_phone(phone)
    if not PHONE_RE.match(value):
        raise ValidationError("手机号应为 11 位数字，以 13–19 开头")
    return value


# --- Protection at rest ---------------------------------------------------------------------


@functools.lru_cache(maxsize=16)
def _derive(secret: str, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wenming-personal-data", info=info).derive(
        secret.encode("utf-8")
    )


@functools.lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[object, bytes]:
    """(the Fernet object of the v1 tokens, the blind-index key) for ``secret``."""
    from cryptography.fernet import Fernet

    return Fernet(base64.urlsafe_b64encode(_derive(secret, b"encrypt"))), _derive(secret, b"blind-index")


@functools.lru_cache(maxsize=4)
def _aead(secret: str):
    """The AES-256-GCM cipher of the v2 tokens for ``secret`` (its own HKDF key)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(_derive(secret, b"encrypt-v2"))


def _secret() -> str:
    secret = getattr(settings, "PERSONAL_DATA_KEY", "")
    if not secret:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("PERSONAL_DATA_KEY is not set")
    return secret


def _current_keys() -> tuple[object, bytes]:
    return _keys(_secret())


V2_PREFIX = "v2:"
_NONCE = 12
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def encrypt(value: str) -> str:
    """Encrypt a (normalised) value for storage (a v2 token); empty stays empty."""
    if not value:
        return ""
    return encrypt_many([value])[0]


def encrypt_many(values: list[str]) -> list[str]:
    """v2 tokens for many values (empty values stay empty)."""
    seal = sealer()
    return [seal(value) if value else "" for value in values]


def sealer(batch: int = 4096):
    """A function ``value -> v2 token`` for loops over many (non-empty) values: the cipher looked
    up once, the random nonces read ``batch`` at a time, one AES-GCM call per value."""
    encrypt_raw = _aead(_secret()).encrypt
    b64 = binascii.b2a_base64
    buffer, offset = b"", 0

    def seal(value: str) -> str:
        nonlocal buffer, offset
        if offset >= len(buffer):
            buffer, offset = os.urandom(_NONCE * batch), 0
        nonce = buffer[offset : offset + _NONCE]
        offset += _NONCE
        raw = nonce + encrypt_raw(nonce, value.encode("utf-8"), None)
        return V2_PREFIX + b64(raw, newline=False).translate(_URLSAFE).decode("ascii")

    return seal


def decrypt(token: str, *, secret: str | None = None) -> str:
    """Decrypt a stored value, a v2 or a Fernet token (with ``secret`` instead of
    PERSONAL_DATA_KEY: for re-keying). A wrong key or a damaged token raises
    ``cryptography.fernet.InvalidToken`` for either format."""
    if not token:
        return ""
    secret = secret or _secret()
    if token.startswith(V2_PREFIX):
        from cryptography.exceptions import InvalidTag
        from cryptography.fernet import InvalidToken

        try:
            raw = base64.urlsafe_b64decode(token[len(V2_PREFIX) :].encode("ascii"))
            if len(raw) < _NONCE + 16:
                raise InvalidToken
            return _aead(secret).decrypt(raw[:_NONCE], raw[_NONCE:], None).decode("utf-8")
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise InvalidToken from exc
    fernet, _ = _keys(secret)
    return fernet.decrypt(token.encode("ascii")).decode("utf-8")


@functools.lru_cache(maxsize=4)
def _pads(key: bytes) -> tuple[object, object]:
    """HMAC-SHA256's inner and outer hash states after the key block (RFC 2104), to copy per value."""
    block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    return (
        hashlib.sha256(bytes(b ^ 0x36 for b in block)),
        hashlib.sha256(bytes(b ^ 0x5C for b in block)),
    )


BLIND_INDEX_BYTES = 16  # 128 bits
BLIND_INDEX_HEX = 2 * BLIND_INDEX_BYTES  # the length of every keyed hash


def blind_indexer():
    """``blind_index`` with the key looked up once, for loops over many values: a function
    ``(kind, value) -> hex`` giving exactly :func:`blind_index`'s result (normalise first)."""
    inner, outer = _pads(_current_keys()[1])
    copy_inner, copy_outer = inner.copy, outer.copy

    def index(kind: str, value: str) -> str:
        if not value:
            return ""
        h = copy_inner()
        h.update(f"{kind}:{value}".encode())
        o = copy_outer()
        o.update(h.digest())
        return o.digest()[:BLIND_INDEX_BYTES].hex()

    return index


def blind_index(kind: str, value: str) -> str:
    """Keyed HMAC-SHA256 of a normalised value, truncated to 128 bits (hex); ``kind`` keeps ID and
    phone hashes apart."""
    if not value:
        return ""
    return blind_indexer()(kind, value)


def id_hash(id_type: str, number: str) -> str:
    # The type is part of the hash: a passport and an ID card may share digits.
    return blind_index(f"id:{id_type}", normalise_id(number))


def phone_hash(phone: str) -> str:
    return blind_index("phone", normalise_phone(phone))


# --- Masking --------------------------------------------------------------------------------


def mask_id(number: str) -> str:
    """``330106199001011234`` → ``3301**********1234``: up to 4 characters kept at each end, at
    most a quarter each, so at least half of any number is hidden."""
    value = normalise_id(number)
    if not value:
        return ""
    keep = min(4, len(value) // 4)
    if keep == 0:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - 2 * keep) + value[-keep:]


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``."""
    value = normalise_phone(phone)
    if not value:
        return ""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def make_mainland_id(region: str, birth: dt.date, seq: int) -> str:
    """A checksum-valid 居民身份证 number (for demo data and tests): 6-digit region code, birth
    date, 3-digit sequence (odd: male), check character. Demo data uses the fictional 99… prefix."""
    first17 = f"{region[:6]}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + id_checksum_char(first17)
