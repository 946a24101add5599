"""认领档案: a person whose volunteer record was created by an admin or an import (no login)
creates their login by proving the document number and the phone stored on that record.

- Look-up by the keyed hash of the document (``id_hash``), never by decrypting; the phone is
  checked by comparing keyed hashes with ``hmac.compare_digest`` — against a dummy hash when no
  record matched, so both branches do the same work.
- One answer for every failure that could tell whether a document is registered (no such record,
  wrong phone, a record without a phone): :data:`GENERIC_ERROR`. Only someone who proved both
  numbers learns that the record already has a login.
- The view counts POSTs per client address (``RegistrationAttempt``, kind ``claim``) like the
  self-registration page, with a lower limit.
- The new login's username is the volunteer number (as for self-registration); the password must
  pass the platform's rules. The consent text is agreed again (version and time stored). Audited:
  the user's creation and the volunteer's change (user, consent).
"""

from __future__ import annotations

import hmac

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from wenming.audit.models import Action
from wenming.audit.services import audit_record, snapshot
from wenming.orgs.personal import BLIND_INDEX_HEX, id_hash, phone_hash
from wenming.volunteers.models import Volunteer
from wenming.volunteers.services import CONSENT_VERSION, _vsnap

GENERIC_ERROR = "证件号码与手机号不匹配，或该档案不能在线认领。请核对后重试，或联系登记您的志愿服务组织。"
ALREADY_CLAIMED = "该档案已有登录账号，请用志愿者编号登录；忘记密码请联系登记您的志愿服务组织。"
_DUMMY_HASH = "0" * BLIND_INDEX_HEX


class ClaimRefused(ValidationError):
    pass


def claim_record(*, id_type: str, id_number: str, phone: str, password: str) -> Volunteer:
    """Create the login for the record holding this document and phone. ``id_number`` and
    ``phone`` are already validated (format, checksum). Raises :class:`ClaimRefused`."""
    User = get_user_model()
    key = id_hash(id_type, id_number)
    given_phone = phone_hash(phone)
    with transaction.atomic():
        volunteer = Volunteer.objects.select_for_update().filter(id_hash=key).first()
        stored = volunteer.phone_hash if volunteer is not None and volunteer.phone_hash else _DUMMY_HASH
        phone_ok = hmac.compare_digest(stored.encode(), given_phone.encode())
        if volunteer is None or not volunteer.phone_hash or not phone_ok:
            raise ClaimRefused(GENERIC_ERROR)
        if volunteer.user_id is not None:
            raise ClaimRefused(ALREADY_CLAIMED)
        if User.objects.filter(username=volunteer.number).exists():  # a stale account by that name
            raise ClaimRefused(GENERIC_ERROR)
        user = User(username=volunteer.number)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        from wenming.orgs.models import Profile

        Profile.objects.create(user=user, display_name=volunteer.name, phone="")
        audit_record(
            action=Action.CREATE,
            obj=user,
            object_repr=f"{volunteer.name}（{user.username}）认领档案",
            after=snapshot(user),
            region_code=volunteer.residence_code,
            org_id=None,
        )
        before = _vsnap(volunteer)
        volunteer.user = user
        volunteer.consent_at = timezone.now()
        volunteer.consent_version = CONSENT_VERSION
        volunteer.save(update_fields=["user", "consent_at", "consent_version"])
        audit_record(action=Action.UPDATE, obj=volunteer, before=before, after=_vsnap(volunteer))
    return volunteer
