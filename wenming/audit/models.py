from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from wenming.orgs.rules import ScopeRule


class Action(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKOUT = "lockout", _("账号锁定")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    OTP_ENROL = "otp_enrol", _("绑定动态口令")
    MEMBERSHIP_ADD = "membership_add", _("授予角色")
    MEMBERSHIP_REMOVE = "membership_remove", _("撤销角色")
    EXPORT = "export", _("导出")
    IMPORT = "import", _("导入")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")


class AuditEntry(models.Model):
    """审计日志 — one append-only entry, chained to the previous one by SHA-256.

    Rows are never updated or deleted: the model refuses it and database triggers (see the
    migration) refuse it too. ``audit_verify`` recomputes the chain.
    """

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # Where the object lives, so office admins see the entries of their subtree.
    region_code = models.CharField(max_length=12, blank=True, db_index=True)
    org_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    scope_rule = ScopeRule(region="region_code", org="org_id")

    class Meta:
        verbose_name = _("审计日志")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志不能删除")


class AuditHead(models.Model):
    """The chain's head: one row, locked while an entry is appended so the chain never forks."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"
