"""The module-benchmark section writer keeps other sections and the HTTP results intact."""

from wenming.bench.modules import write_section
from wenming.bench.report import MARKER


def test_sections_are_added_replaced_and_keep_the_http_results(tmp_path):
    path = tmp_path / "benchmarks.md"
    path.write_text(f"# Benchmarks\n\nintro\n\n{MARKER}\n\nHTTP RESULTS\n")
    write_section("binder", "装订", "first figures", path)
    write_section("import", "导入", "import figures", path)
    write_section("binder", "装订", "second figures", path)
    text = path.read_text()
    assert "first figures" not in text
    assert text.count("second figures") == 1 and "import figures" in text
    head, tail = text.split(MARKER)
    assert "second figures" in head and "import figures" in head
    assert tail.strip() == "HTTP RESULTS"
    assert head.index("second figures") < head.index("import figures")
