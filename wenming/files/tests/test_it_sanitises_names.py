"""Original names are kept for display, cleaned so they can never act as a path or hide tricks."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wenming.files.names import FALLBACK_NAME, MAX_NAME_CHARS, download_name, sanitise_name
from wenming.files.services import file_store
from wenming.files.tests.samples import upload


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("C:\\Users\\张三\\Desktop\\创建方案.docx", "创建方案.docx"),
        ("a\x00b.pdf", "ab.pdf"),
        ("报告\r\n（终稿）.pdf", "报告（终稿）.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override would show "exe.pdf"
        ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
        ("   .hidden   ", "hidden"),
        ("CON.txt", "_CON.txt"),
        ("…/..", "…"),
        ("", FALLBACK_NAME),
        ("////", FALLBACK_NAME),
        ("\x01\x02", FALLBACK_NAME),
        ("文明 \t 创建   测评.xlsx", "文明 创建 测评.xlsx"),
    ],
)
def test_it_sanitises_known_bad_names(raw, clean):
    assert sanitise_name(raw) == clean


def test_it_shortens_long_chinese_names_keeping_the_extension():
    raw = "关于开展全国文明城市创建工作的实施方案" * 20 + ".docx"
    clean = sanitise_name(raw)
    assert len(clean) == MAX_NAME_CHARS
    assert clean.endswith(".docx") and clean.startswith("关于开展全国文明城市创建工作")


def test_it_corrects_the_extension_only_for_downloads():
    assert download_name("通知.pdf", "png") == "通知.pdf.png"
    assert download_name("照片.JPEG", "jpg") == "照片.JPEG"
    assert download_name("说明", "txt") == "说明.txt"
    assert download_name("表.xlsx", "xlsx") == "表.xlsx"


@pytest.mark.django_db
def test_it_keeps_the_sanitised_name_on_the_upload(world):
    stored = file_store(
        upload=upload(b"plain text\n", "../../etc/passwd"), organisation=world.unit_a, user=world.unit_a_admin
    )
    assert stored.original_name == "passwd"


@given(st.text(max_size=400))
def test_it_never_yields_a_separator_or_control_character(raw):
    clean = sanitise_name(raw)
    assert clean and len(clean) <= MAX_NAME_CHARS
    assert "/" not in clean and "\\" not in clean
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in clean)
    assert clean not in (".", "..") and not clean.startswith(".")
    clean.encode("utf-8")  # storable in any database column
    assert sanitise_name(clean) == clean


@given(st.text(alphabet=st.sampled_from("/\\.:\x00 文明ab\u202e\u0301"), max_size=60))
def test_it_survives_names_made_only_of_awkward_characters(raw):
    clean = sanitise_name(raw)
    assert "/" not in clean and "\\" not in clean and "\x00" not in clean
    assert sanitise_name(clean) == clean
