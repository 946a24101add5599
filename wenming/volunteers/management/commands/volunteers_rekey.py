"""Re-encrypt volunteers' ID numbers and phones and recompute their look-up hashes under the
current PERSONAL_DATA_KEY, after the key was changed. Rows already under the new key are left as
they are, so an interrupted run can simply be started again."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wenming.audit.context import SYSTEM, acting_as
from wenming.audit.models import Action
from wenming.audit.services import audit_record
from wenming.orgs.personal import decrypt, encrypt, id_hash, phone_hash
from wenming.volunteers.models import Volunteer

FIELDS = ["id_number_enc", "id_hash", "phone_enc", "phone_hash"]


class Command(BaseCommand):
    help = "更换 PERSONAL_DATA_KEY 后，用新密钥重新加密志愿者证件号、手机号并重算检索哈希"

    def add_arguments(self, parser):
        parser.add_argument("--old-key-file", required=True, help="保存旧密钥的文件（只读一行）")
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, old_key_file: str, batch: int, **options):
        old = Path(old_key_file).read_text(encoding="utf-8").strip()
        if not old:
            raise CommandError("旧密钥文件为空")
        changed = unchanged = 0
        last_pk = 0
        while True:
            rows = list(Volunteer.objects.filter(pk__gt=last_pk).order_by("pk").only("pk", "id_type", *FIELDS)[:batch])
            if not rows:
                break
            last_pk = rows[-1].pk
            todo = []
            for v in rows:
                try:
                    number = decrypt(v.id_number_enc, secret=old)
                except InvalidToken:
                    decrypt(v.id_number_enc)  # already under the new key (raises if under neither)
                    unchanged += 1
                    continue
                phone = decrypt(v.phone_enc, secret=old)
                v.id_number_enc, v.id_hash = encrypt(number), id_hash(v.id_type, number)
                v.phone_enc, v.phone_hash = encrypt(phone), phone_hash(phone) if phone else ""
                todo.append(v)
            with transaction.atomic():
                Volunteer.objects.bulk_update(todo, FIELDS)
            changed += len(todo)
        with acting_as(SYSTEM), transaction.atomic():
            audit_record(
                action=Action.UPDATE,
                object_type="volunteers.volunteer",
                object_repr="更换个人信息密钥：重新加密志愿者证件号与手机号",
                changes={"重新加密": [None, changed], "已是新密钥": [None, unchanged]},
            )
        self.stdout.write(f"已重新加密 {changed} 名志愿者；{unchanged} 名已是新密钥")
