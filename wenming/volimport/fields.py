"""What an import understands: the target fields of each kind, their Chinese labels and the header
spellings people use for them (synonyms). The first synonym is the template's header."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    synonyms: tuple[str, ...]
    required: bool = False
    help: str = ""


VOLUNTEER_FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", ("姓名", "名字", "志愿者姓名", "真实姓名", "名称"), required=True),
    Field("id_type", "证件类型", ("证件类型", "证件种类"), help="不填按居民身份证"),
    Field(
        "id_number",
        "证件号码",
        ("证件号码", "证件号", "身份证号", "身份证号码", "身份证", "公民身份号码", "身份证件号码"),
        required=True,
    ),
    Field(
        "phone",
        "手机号",
        ("手机号", "手机", "手机号码", "联系电话", "电话", "联系方式", "移动电话"),
        required=True,
    ),
    Field("team", "队伍", ("队伍", "所属队伍", "队伍名称", "服务队", "志愿服务队")),
    Field("political_status", "政治面貌", ("政治面貌",)),
    Field("residence", "居住社区", ("居住社区", "社区", "所在社区", "社区代码", "居住地")),
    Field("skills", "专业技能", ("专业技能", "技能", "特长", "专业特长")),
    Field("availability", "可服务时间", ("可服务时间", "服务时间", "空闲时间")),
    Field("registered_on", "注册日期", ("注册日期", "注册时间", "登记日期", "登记时间", "加入日期")),
)

RECORD_FIELDS: tuple[Field, ...] = (
    Field("name", "姓名", ("姓名", "志愿者姓名", "名字"), help="与证件号码核对"),
    Field(
        "id_number",
        "证件号码",
        ("证件号码", "证件号", "身份证号", "身份证号码", "身份证", "公民身份号码"),
        help="证件号码与志愿者编号至少填一项",
    ),
    Field("volunteer_number", "志愿者编号", ("志愿者编号", "编号", "志愿者号")),
    Field("served_on", "服务日期", ("服务日期", "日期", "活动日期", "服务时间"), required=True),
    Field(
        "hours",
        "服务时长（小时）",
        ("服务时长（小时）", "服务时长", "时长", "小时数", "服务小时", "志愿服务时长"),
        required=True,
    ),
    Field("content", "服务内容", ("服务内容", "活动名称", "内容", "项目名称", "服务项目")),
)

KINDS = {"volunteers": VOLUNTEER_FIELDS, "records": RECORD_FIELDS}
KIND_LABELS = {"volunteers": "志愿者", "records": "服务记录"}


def fields_for(kind: str) -> tuple[Field, ...]:
    return KINDS[kind]
