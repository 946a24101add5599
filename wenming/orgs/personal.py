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
    :func:`encrypt` / :func:`decrypt` use Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``);
    :func:`blind_index` is a keyed HMAC-SHA256 of the normalised value, for exact look-up and for
    uniqueness constraints without storing the value. Both keys are derived (HKDF-SHA256, distinct
    ``info``) from the ``PERSONAL_DATA_KEY`` setting, so one secret is configured and the two uses
    never share key material.

Masking
    :func:`mask_id` → ``3301**********123X``; :func:`mask_phone` → ``138****1234``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
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
    return re.sub(r"[\s\u3000-]", "", str(number or "")).upper().replace("Ｘ", "X")


def id_checksum_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def _birth_date(digits: str) -> dt.date | None:
    try:
        return dt.date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def validate_mainland_id(number: str, *, today: dt.date | None = None) -> IdInfo:
    """Validate a 居民身份证 number; raises ValidationError with a Chinese message."""
    value = normalise_id(number)
    if not ID_RE.match(value):
        raise ValidationError("身份证号应为 18 位：前 17 位数字，最后一位数字或 X")
    if value[:2] not in PROVINCE_PREFIXES and value[:2] != DEMO_PREFIX:
        raise ValidationError("身份证号的前两位不是有效的省级行政区划代码")
    if value[2:6] == "0000":
        raise ValidationError("身份证号的地区码不完整")
    birth = _birth_date(value[6:14])
    today = today or dt.date.today()
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
    IdType.HK_MACAO: (re.compile(r"^[HM]\d{8}(\d{2})?$"), "港澳居民来往内地通行证号码应为 H 或 M 开头加 8 位（或 10 位）数字"),
    # 8 digits (card since 2015), older booklets 10 characters with a letter suffix.
    IdType.TAIWAN: (re.compile(r"^\d{8}$|^\d{10}$|^\d{8}[A-Z]{1,2}$"), "台湾居民来往大陆通行证号码应为 8 位数字"),
    IdType.PASSPORT: (re.compile(r"^[A-Z0-9]{5,17}$"), "护照号码应为 5 至 17 位字母或数字"),
    # 2004 card: 3 letters + 12 digits; 2023 card: 18 characters beginning with 9 (GB 11643 checksum).
    IdType.FOREIGN_PR: (re.compile(r"^[A-Z]{3}\d{12}$|^9\d{16}[\dX]$"), "外国人永久居留身份证号码应为 3 位字母加 12 位数字，或 9 开头的 18 位号码"),
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


@functools.lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[object, bytes]:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"wenming-personal-data", info=info).derive(
            secret.encode("utf-8")
        )

    fernet = Fernet(base64.urlsafe_b64encode(derive(b"encrypt")))
    return fernet, derive(b"blind-index")


def _current_keys() -> tuple[object, bytes]:
    secret = getattr(settings, "PERSONAL_DATA_KEY", "")
    if not secret:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("PERSONAL_DATA_KEY is not set")
    return _keys(secret)


def encrypt(value: str) -> str:
    """Encrypt a (normalised) value for storage; empty stays empty."""
    if not value:
        return ""
    fernet, _ = _current_keys()
    return fernet.encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, secret: str | None = None) -> str:
    """Decrypt a stored value (with ``secret`` instead of PERSONAL_DATA_KEY: for re-keying)."""
    if not token:
        return ""
    fernet, _ = _keys(secret) if secret else _current_keys()
    return fernet.decrypt(token.encode("ascii")).decode("utf-8")


def blind_index(kind: str, value: str) -> str:
    """Keyed HMAC-SHA256 (hex) of a normalised value; ``kind`` keeps ID and phone hashes apart."""
    if not value:
        return ""
    _, key = _current_keys()
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


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
