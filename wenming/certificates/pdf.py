"""The certificate PDF (A4, ReportLab, CJK font from :mod:`wenming.web.pdf`).

Laid out from the frozen content only, so the paper says exactly what the hash covers: the four
parts (identity with the masked ID and volunteer number; hours and service content over the
period; issuer, head, handler, contact; serial and date), the SHA-256 and a QR code to the public
verification page.
"""

from __future__ import annotations

import io

from wenming.web.pdf import cjk_font, wrap

MAX_ITEMS = 12  # the issuer block and the QR code must fit below the table


def _qr_image(url: str):
    import qrcode
    from reportlab.lib.utils import ImageReader

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    buf.seek(0)
    return ImageReader(buf)


def _date_cn(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def render_certificate(content: dict, *, digest: str, verify_url: str) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    font = cjk_font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(f"志愿服务证明 {content['serial']}")
    c.setAuthor(content["issuer"]["org"])
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    vol, svc, issuer = content["volunteer"], content["service"], content["issuer"]

    c.setFont(font, 10)
    c.drawRightString(right, height - 20 * mm, f"证明编号：{content['serial']}")
    c.setFont(font, 24)
    c.drawCentredString(width / 2, height - 38 * mm, "志愿服务证明")

    # 1. identity  2. service
    y = height - 56 * mm
    c.setFont(font, 13)
    body = (
        f"兹证明 {vol['name']}（{vol['id_type']}：{vol['id_masked']}，志愿者编号：{vol['number']}）"
        f"于 {_date_cn(svc['period_start'])} 至 {_date_cn(svc['period_end'])} 期间参加 {issuer['org']} "
        f"组织的志愿服务，累计服务时长 {svc['hours']} 小时，共 {svc['times']} 次。服务内容如下："
    )
    for line in wrap(body, right - left, font=font, size=13, max_lines=6):
        c.drawString(left, y, line)
        y -= 8 * mm

    # service content table
    y -= 2 * mm
    cols = [left, left + 80 * mm, left + 124 * mm, right]
    c.setFont(font, 10.5)
    c.line(left, y + 5 * mm, right, y + 5 * mm)
    for x, text in zip(cols[:3], ("服务内容", "服务日期", "次数"), strict=True):
        c.drawString(x + 1 * mm, y, text)
    c.drawRightString(right - 1 * mm, y, "时长（小时）")
    y -= 3 * mm
    c.line(left, y, right, y)
    items = svc["items"]
    shown = items[:MAX_ITEMS]
    for item in shown:
        y -= 6 * mm
        c.drawString(
            cols[0] + 1 * mm, y, wrap(item["content"], 77 * mm, font=font, size=10.5, max_lines=1)[0]
        )
        dates = item["first"] if item["first"] == item["last"] else f"{item['first']}～{item['last'][5:]}"
        c.drawString(cols[1] + 1 * mm, y, dates)
        c.drawString(cols[2] + 1 * mm, y, str(item["times"]))
        c.drawRightString(right - 1 * mm, y, item["hours"])
    if len(items) > MAX_ITEMS:
        from decimal import Decimal

        rest = sum((Decimal(i["hours"]) for i in items[MAX_ITEMS:]), Decimal("0"))
        y -= 6 * mm
        c.drawString(cols[0] + 1 * mm, y, f"其余 {len(items) - MAX_ITEMS} 项")
        c.drawRightString(right - 1 * mm, y, str(rest))
    y -= 3 * mm
    c.line(left, y, right, y)
    y -= 6 * mm
    c.drawString(cols[0] + 1 * mm, y, "合计")
    c.drawString(cols[2] + 1 * mm, y, str(svc["times"]))
    c.drawRightString(right - 1 * mm, y, svc["hours"])
    y -= 12 * mm
    c.setFont(font, 13)
    c.drawString(left + 8 * mm, y, "特此证明。")

    # 3. issuer  4. serial and date
    y -= 16 * mm
    c.setFont(font, 12)
    for text in (
        f"出具组织（盖章）：{issuer['org']}",
        f"负责人：{issuer['head']}    经办人：{issuer['handler']}",
        f"联系方式：{issuer['contact']}",
        f"出具日期：{_date_cn(content['issued_on'])}",
        f"证明编号：{content['serial']}",
    ):
        for line in wrap(text, right - left - 70 * mm, font=font, size=12, max_lines=2):
            c.drawString(left + 70 * mm, y, line)
            y -= 6.5 * mm

    # verification: QR code, hash, address
    qr_size = 34 * mm
    qr_y = 22 * mm
    c.drawImage(_qr_image(verify_url), left, qr_y, qr_size, qr_size)
    c.setFont(font, 9)
    c.drawString(
        left + qr_size + 4 * mm, qr_y + qr_size - 4 * mm, "扫描二维码核验本证明（核验页面不显示个人信息）"
    )
    c.drawString(left + qr_size + 4 * mm, qr_y + qr_size - 10 * mm, "内容摘要（SHA-256）：")
    c.setFont("Courier", 8)
    c.drawString(left + qr_size + 4 * mm, qr_y + qr_size - 15 * mm, digest[:32])
    c.drawString(left + qr_size + 4 * mm, qr_y + qr_size - 19 * mm, digest[32:])
    c.setFont(font, 8)
    for i, line in enumerate(
        wrap(verify_url, right - left - qr_size - 4 * mm, font=font, size=8, max_lines=3)
    ):
        c.drawString(left + qr_size + 4 * mm, qr_y + qr_size - 25 * mm - i * 4 * mm, line)
    c.setFont(font, 8)
    c.drawCentredString(
        width / 2,
        12 * mm,
        "依据《志愿服务条例》“谁组织谁记录、谁记录谁证明”出具；本证明免费开具，涂改无效。",
    )
    c.showPage()
    c.save()
    return buf.getvalue()
