"""Printed extracts (Reg. §61; Law art. 14, 30.6): a PDF from a verified proof bundle of an
emission, of a miner (its certificate) or of a licence.

Reg. §61 keeps the register electronic but requires that paper documents remain possible. The
extract shows the Reg. §62 fields, the decision-on-issue data, the lifecycle, the findings, and
the checkpoint and anchor the data are proven against; its QR code carries the bundle's SHA-256
and where to fetch the bundle. Verifying a printed extract = fetching the bundle, checking its
hash against the QR code, and auditing it (`tamga audit bundle URL --rpc …`). Everything printed
comes from the bundle's entries as replayed by the auditor's code, never from the node's tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Final
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from anchoring.audit_bundle import BundleAudit, BundleView, SubjectView
from anchoring.bundle_format import AnyBundle
from node.checkpoint import format_time
from node.domain.entries import Document, Entry
from node.domain.miners import MinerState
from node.domain.model import Deadline, EmissionState, IssuerState
from node.domain.vasps import LicenceState
from node.errors import ConfigError

FONT_DIRS: Final = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian/Ubuntu: fonts-dejavu-core
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/usr/local/share/fonts"),
)
FONTS: Final = {
    "Tamga": "DejaVuSans.ttf",
    "Tamga-Bold": "DejaVuSans-Bold.ttf",
    "Tamga-Mono": "DejaVuSansMono.ttf",
}
"""DejaVu covers Kyrgyz and Russian Cyrillic (ң, ө, ү) as well as Latin."""

TITLE_KY: Final = "Виртуалдык активдер эмиссияларынын бирдиктүү мамлекеттик реестринен көчүрмө"
TITLE_EN: Final = "Extract from the Unified State Register of Virtual Asset Emissions"
MINER_TITLE_KY: Final = "Майнерлердин санариптик реестринен көчүрмө (майнинг күбөлүгү)"
MINER_TITLE_EN: Final = "Extract from the digital register of miners (mining certificate)"
LICENCE_TITLE_KY: Final = (
    "Виртуалдык активдер кызмат көрсөтүүлөрүн берүүчүлөрдүн реестринен көчүрмө"
)
LICENCE_TITLE_EN: Final = "Extract from the register of licensed virtual asset service providers"


@dataclass(frozen=True)
class ExtractInfo:
    """What the extract prints besides the bundle: when, and where the bundle is fetched."""

    url: str
    printed_at: datetime
    rpc_note: str


def render_extract(audit: BundleAudit, *, info: ExtractInfo, out: Path | BinaryIO) -> None:
    """Write the PDF extract of a verified bundle to ``out`` (a path or a binary file).

    Raises:
        ConfigError: the bundle did not verify (nothing is printed from a failed bundle), the
            DejaVu fonts are missing (Debian package fonts-dejavu-core), or ``out`` cannot be
            written.
    """
    if audit.view is None or not audit.report.ok:
        first = audit.report.first()
        reason = first.line() if first is not None else "it did not replay"
        raise ConfigError(f"the bundle does not verify, no extract is printed: {reason}")
    _register_fonts()
    view = audit.view
    if isinstance(view, BundleView):
        story, title = _story(view, audit=audit, info=info), TITLE_EN
    else:
        story = _subject_story(view, audit=audit, info=info)
        title = MINER_TITLE_EN if isinstance(view.subject, MinerState) else LICENCE_TITLE_EN
    try:
        doc = SimpleDocTemplate(
            str(out) if isinstance(out, Path) else out,
            pagesize=A4,
            leftMargin=16 * mm,
            rightMargin=16 * mm,
            topMargin=14 * mm,
            bottomMargin=16 * mm,
            title=f"{title}: {view.bundle.key}",
            author="Tamga register node",
            subject="Reg. §61 extract" if isinstance(view, BundleView) else "Law art. 14, 30.6",
            invariant=1,
        )
        doc.build(story, onFirstPage=_footer(info), onLaterPages=_footer(info))
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror}") from exc


# --------------------------------------------------------------------------------------------
# fonts, styles
# --------------------------------------------------------------------------------------------


def _register_fonts() -> None:
    if "Tamga" in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONTS.items():
        path = next((d / filename for d in FONT_DIRS if (d / filename).is_file()), None)
        if path is None:
            raise ConfigError(
                f"font {filename} not found in {', '.join(str(d) for d in FONT_DIRS)}: "
                "install the Debian package fonts-dejavu-core"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _style(
    name: str,
    *,
    font: str = "Tamga",
    size: float = 8.5,
    leading: float = 10.5,
    centered: bool = False,
    space_before: float = 0,
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=leading,
        alignment=TA_CENTER if centered else 0,
        spaceBefore=space_before,
    )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


# --------------------------------------------------------------------------------------------
# the document
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    lead: ParagraphStyle
    heading: ParagraphStyle
    small: ParagraphStyle
    mono: ParagraphStyle


def _styles() -> _Styles:
    return _Styles(
        title=_style("title", font="Tamga-Bold", size=12, leading=15, centered=True),
        subtitle=_style("subtitle", size=9.5, leading=12, centered=True),
        lead=_style("lead", font="Tamga-Bold", size=10, leading=13, centered=True),
        heading=_style("heading", font="Tamga-Bold", size=10, leading=13, space_before=6),
        small=_style("small", size=7.5, leading=9),
        mono=_style("mono", font="Tamga-Mono", size=7, leading=8.5),
    )


def _head(titles: tuple[str, str], lead: str, bundle: AnyBundle, styles: _Styles) -> list[Flowable]:
    """The titles (Kyrgyz, English), the record's one-line lead and where it is proven."""
    anchor = bundle.anchor
    return [
        _p(titles[0], styles.title),
        _p(titles[1], styles.subtitle),
        Spacer(1, 3 * mm),
        _p(lead, styles.lead),
        _p(
            f"As of checkpoint {bundle.checkpoint.tree_size} ({bundle.checkpoint.time}), "
            f"anchored on chain {anchor.chain_id} in block {anchor.block_number}.",
            styles.subtitle,
        ),
        Spacer(1, 2 * mm),
    ]


def _tail(
    number: int, view: BundleView | SubjectView, audit: BundleAudit, info: ExtractInfo, st: _Styles
) -> Flowable:
    """The last section: the checkpoint, the anchor and the QR code of the bundle."""
    return KeepTogether(
        [
            _p(
                f"{number}. Checkpoint and anchor / Текшерүү чекити жана блокчейндеги бекитүү",
                st.heading,
            ),
            _proof_block(view, audit=audit, info=info, small=st.small, mono=st.mono),
        ]
    )


def _story(view: BundleView, *, audit: BundleAudit, info: ExtractInfo) -> list[Flowable]:
    emission = view.emission
    st = _styles()
    lead = (
        f"{emission.key} · {emission.name} ({emission.symbol}) · "
        f"status {emission.status.value} since {emission.status_since.isoformat()}"
    )
    return [
        *_head((TITLE_KY, f"{TITLE_EN} (Reg. §61)"), lead, view.bundle, st),
        _p("1. Register entry (Reg. §62) / Реестрдеги маалыматтар (62-п.)", st.heading),
        _table(_reg62_rows(emission, view.issuer), st.small),
        _p("2. Decision on issue (Reg. §5, Annex 1) / Чыгаруу жөнүндө чечим", st.heading),
        _table(_decision_rows(emission), st.small),
        _p("3. Lifecycle / Эмиссиянын жашоо цикли", st.heading),
        _history_table(view.history, st.small),
        _p("4. Findings / Табылгалар", st.heading),
        *_findings(emission, audit=audit, style=st.small),
        _tail(5, view, audit, info, st),
    ]


def _subject_story(view: SubjectView, *, audit: BundleAudit, info: ExtractInfo) -> list[Flowable]:
    """A miner's certificate (Law art. 14, 16.2) or a licence (Law art. 30.4, 30.6)."""
    subject = view.subject
    st = _styles()
    if isinstance(subject, MinerState):
        titles = (MINER_TITLE_KY, f"{MINER_TITLE_EN} (Law art. 14, 16.2)")
        rows = _miner_rows(subject)
        record = "1. Certificate / Күбөлүк (Law art. 14)"
    else:
        titles = (LICENCE_TITLE_KY, f"{LICENCE_TITLE_EN} (Law art. 30.6)")
        rows = _licence_rows(subject)
        record = "1. Licence / Лицензия (Law art. 30.4, 30.6)"
    lead = (
        f"{subject.key} · {subject.name} · status {subject.status.value} since "
        f"{subject.status_since.isoformat()}"
    )
    return [
        *_head(titles, lead, view.bundle, st),
        _p(record, st.heading),
        _table(rows, st.small),
        _p("2. History / Тарыхы", st.heading),
        _history_table(view.history, st.small),
        _p("3. Deadlines / Мөөнөттөр", st.heading),
        *_deadline_lines(subject.missed, subject_deadlines(subject), audit=audit, style=st.small),
        _tail(4, view, audit, info, st),
    ]


def subject_deadlines(subject: MinerState | LicenceState) -> tuple[Deadline, ...]:
    """The open deadlines of a miner (information requests, Law art. 16.2 item 7) or a licence
    (review, start of activity; Law art. 30.2, 31.2)."""
    return subject.requests if isinstance(subject, MinerState) else subject.deadlines


def _miner_rows(m: MinerState) -> list[tuple[str, str]]:
    reg = m.registration
    sites = "; ".join(
        f"{s.region.value}: {s.address}, {s.capacity_kw} kW contracted, "
        + ", ".join(f"{e.count} × {e.model}" for e in s.equipment)
        for s in m.sites
    )
    return [
        ("Күбөлүктүн номери / Certificate number", m.certificate),
        ("Майнердин аталышы / Miner", m.name),
        ("Майнингдин түрү / Kind of mining (art. 13)", m.kind.value),
        ("Резидент / Resident", "yes" if m.resident else "no"),
        (
            "Мамлекеттик каттоо / State registration",
            f"{reg.number}, {reg.registered_on.isoformat()}, {reg.authority}",
        ),
        ("Реестрге киргизилген / Registered on", m.registered_on.isoformat()),
        ("Күбөлүктүн формасы / Certificate form (art. 14)", m.certificate_form.value),
        ("Мөөнөтү / Term", "unlimited (Law art. 14)"),
        ("Капчык / Wallet for mining proceeds", f"{m.wallet.chain}: {m.wallet.address}"),
        (
            "Кубаттуулук, хешрейт / Installed power, hash rate",
            f"{m.installed_kw} kW, {m.hash_rate_ths} TH/s",
        ),
        ("Аянтчалар / Sites (Annex 7 regions)", sites),
    ]


def _licence_rows(lic: LicenceState) -> list[tuple[str, str]]:
    reg = lic.registration
    periods = "; ".join(
        f"{p.start.isoformat()} – {p.end.isoformat() if p.end else 'in force'}: "
        + ", ".join(s.value for s in p.services)
        for p in lic.periods
    )
    return [
        ("Лицензиянын номери / Licence number", lic.licence),
        ("Лицензиянын ээси / Holder (not transferable, art. 30.4)", lic.name),
        ("Уюштуруучулук-укуктук формасы / Legal form", lic.legal_form),
        (
            "Мамлекеттик каттоо / State registration",
            f"{reg.number}, {reg.registered_on.isoformat()}, {reg.authority}",
        ),
        ("Арыз берилген / Applied on", lic.applied_on.isoformat()),
        ("Мөөнөтү / Term", "unlimited (Law art. 30.4)"),
        ("Кызматтар / Services applied for (art. 26.1)", ", ".join(s.value for s in lic.services)),
        ("Күчүндө / In force now", ", ".join(s.value for s in lic.in_force) or "—"),
        ("Чектелген / Restricted (art. 32.3)", ", ".join(s.value for s in lic.restricted) or "—"),
        ("Мезгилдер / Periods in force", periods or "—"),
        ("Айыптар / Fines, measures (art. 32)", f"{lic.fines_som} som, {lic.measures} measures"),
        ("Кайтарып алуу негизи / Revocation ground (art. 31)", _opt(lic.revocation_ground)),
        ("Ээлери / Owners (art. 29.2 item 2)", f"private; commitment {lic.owners_commitment}"),
    ]


def _reg62_rows(e: EmissionState, issuer: IssuerState | None) -> list[tuple[str, str]]:
    if issuer is None:
        name = form = address = registration = termination = "—"
    else:
        name = issuer.name
        form = issuer.legal_form or "— (not a legal entity)"
        address = issuer.legal_address
        reg = issuer.legal_registration
        registration = (
            f"{reg.number}, {reg.registered_on.isoformat()}, {reg.authority}"
            if reg is not None
            else "— (not a legal entity)"
        )
        termination = {
            "active": "none (active)",
            "reorganized": f"reorganized on {issuer.status_since}; successor {issuer.successor}",
            "liquidated": f"liquidated on {issuer.status_since}",
            "bankrupt": f"declared bankrupt on {issuer.status_since}",
        }[issuer.status.value]
    price = (
        f"{e.placement_price} {e.currency}"
        if e.placement_price is not None
        else (e.pricing_method or "—")
    )
    return [
        ("Эмитенттин толук аталышы / Issuer's full name", name),
        ("Мамлекеттик каттоо / State registration of the issuer", registration),
        ("Уюштуруучулук-укуктук формасы / Legal form", form),
        ("Юридикалык дареги / Legal address", address),
        ("Мамлекеттик каттоо номери / State registration number", e.regno or "— (not assigned)"),
        ("Виртуалдык активдердин түрү / Type of virtual assets", e.va_type.value),
        (
            "Саны, номиналдык наркы / Quantity, nominal value",
            f"{e.quantity:,} × {e.nominal_value} {e.currency} = {e.total_nominal} {e.currency}",
        ),
        ("Жайгаштыруунун баасы / Placement price", price),
        (
            "Жайгаштыруу мөөнөтү / Placement start and end",
            f"{e.placement_start.isoformat()} – {e.placement_end.isoformat()}",
        ),
        ("Жоюу, кайра уюштуруу / Liquidation, reorganization", termination),
    ]


def _decision_rows(e: EmissionState) -> list[tuple[str, str]]:
    collateral = "; ".join(
        f"{c.kind.value} {c.assessed_value} {c.currency}"
        + (f", registered {c.registered_on} ({c.registrar})" if c.registered_on else "")
        for c in e.collateral
    )
    rows = [
        ("Application number", e.application_no),
        (
            "Blockchain / issuer wallet / contract",
            f"{e.blockchain} / {e.issuer_wallet} / {e.contract_address}",
        ),
        ("White paper", f"v{e.whitepaper.version} sha256:{e.whitepaper.sha256} {e.whitepaper.uri}"),
        ("Collateral (Reg. §3-5)", collateral or "—"),
        ("Collateral manager (Reg. §3-2)", e.collateral_manager or "—"),
        ("Minimum for success (Annex 1 item 9)", _opt(e.min_success_quantity)),
        ("Documents filed / registered", f"{e.documents_filed_on} / {_opt(e.registered_on)}"),
        (
            "Placed / burned / unplaced cancelled / in circulation",
            f"{_opt(e.placed)} / {e.burned} / {e.unplaced_cancelled} / {e.circulating}",
        ),
        ("Registration fee (Reg. §26-28)", f"{e.fee_total} (paid {e.fee_paid})"),
    ]
    if e.cancellation_ground is not None:
        rows.append(("Cancellation ground (Reg. §45, §64)", e.cancellation_ground.value))
    if e.suspended_from is not None:
        rows.append(("Suspended from (Reg. §25.1)", e.suspended_from.value))
    return rows


def _opt(value: object) -> str:
    return "—" if value is None else str(value)


def _table(rows: Sequence[tuple[str, str]], style: ParagraphStyle) -> Table:
    label = _style("label", font="Tamga-Bold", size=7.5, leading=9)
    data = [[_p(k, label), _p(v, style)] for k, v in rows]
    table = Table(data, colWidths=[62 * mm, 116 * mm])
    table.setStyle(_grid())
    return table


def _grid() -> TableStyle:
    return TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )


def _history_table(history: Sequence[tuple[int, Entry]], style: ParagraphStyle) -> Table:
    header = _style("header", font="Tamga-Bold", size=7.5, leading=9)
    data = [[_p(h, header) for h in ("entry", "effective", "recorded (UTC)", "event", "basis")]]
    for index, entry in history:
        data.append(
            [
                _p(str(index), style),
                _p(entry.effective_on.isoformat(), style),
                _p(entry.recorded_at.strftime("%Y-%m-%d %H:%M"), style),
                _p(entry.kind.split(".", 1)[-1], style),
                _p(_basis(entry.basis), style),
            ]
        )
    table = Table(data, colWidths=[14 * mm, 20 * mm, 26 * mm, 52 * mm, 66 * mm], repeatRows=1)
    table.setStyle(_grid())
    table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
    return table


def _basis(basis: Document | None) -> str:
    if basis is None:
        return "—"
    return f"{basis.type.value} No. {basis.number} of {basis.date.isoformat()}, {basis.issued_by}"


def _findings(e: EmissionState, *, audit: BundleAudit, style: ParagraphStyle) -> list[Flowable]:
    lines = _deadline_lines(e.missed, e.deadlines, audit=None, style=style)
    lines.extend(
        _p(
            f"Placed through {v.licence} while it held no licence for placing or selling VAs: "
            f"{v.start.isoformat()} – {v.end.isoformat()} (Law art. 27.2; Reg. §22).",
            style,
        )
        for v in e.venue_lapses
    )
    lines.append(
        _p("No on-chain verification findings are recorded in the register for this issue.", style)
    )
    return [*lines, _audit_line(audit, style)]


def _deadline_lines(
    missed: Sequence[Deadline],
    open_: Sequence[Deadline],
    *,
    audit: BundleAudit | None,
    style: ParagraphStyle,
) -> list[Flowable]:
    lines: list[str] = []
    for d in missed:
        lines.append(f"Deadline missed: {d.name}, due {d.due.isoformat()} ({d.rule}).")
    for d in open_:
        lines.append(f"Open deadline: {d.name}, due {d.due.isoformat()} ({d.rule}).")
    if not missed:
        lines.append("No deadline was missed.")
    flow: list[Flowable] = [_p(line, style) for line in lines]
    return flow if audit is None else [*flow, _audit_line(audit, style)]


def _audit_line(audit: BundleAudit, style: ParagraphStyle) -> Flowable:
    checks = sum(t.checked for t in audit.report.tallies)
    line = (
        f"Proof bundle audit: pass ({checks} checks: signature, inclusion of every entry, "
        "replay through the rules, state proof, anchor transaction and rootAt, consistency "
        "with the latest anchor, block-pinned observations)."
    )
    return _p(line, style)


def _proof_block(
    view: BundleView | SubjectView,
    *,
    audit: BundleAudit,
    info: ExtractInfo,
    small: ParagraphStyle,
    mono: ParagraphStyle,
) -> Table:
    b = view.bundle
    cp = b.checkpoint
    rows = [
        f"checkpoint: tree size {cp.tree_size}, time {cp.time}",
        f"log root: {cp.log_root}",
        f"state root: {cp.state_root} ({cp.state_size} records)",
        f"signed by: {cp.signer} (EIP-191)",
        f"chain {b.anchor.chain_id}, contract {b.anchor.contract}",
        f"anchor tx: {b.anchor.tx_hash}",
        f"block {b.anchor.block_number}: {b.anchor.block_hash}",
        f"latest anchor: tree size {b.latest_anchor.tree_size}, block "
        f"{b.latest_anchor.block_number}",
        f"bundle SHA-256: {audit.sha256}",
    ]
    text: list[Flowable] = [_p(row, mono) for row in rows]
    text.append(Spacer(1, 2 * mm))
    text.append(
        _p(
            "To verify: scan the code, fetch the bundle, check that its SHA-256 equals the one "
            "above, then run: tamga audit bundle <file or URL> --rpc <your RPC URL> "
            f"--contract {b.anchor.contract}",
            small,
        )
    )
    text.append(_p(info.url, mono))
    table = Table([[text, QrCode(info.url, size=46 * mm)]], colWidths=[128 * mm, 50 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (-1, -1), 0.4, colors.grey),
            ]
        )
    )
    return table


class QrCode(Flowable):
    """A QR code (ISO/IEC 18004, error correction M) drawn as vector squares."""

    def __init__(self, text: str, *, size: float) -> None:
        super().__init__()
        self.text = text
        self.size = size
        qr = segno.make(text, error="m", micro=False)
        self.modules = [list(row) for row in qr.matrix]
        self.width = self.height = size

    def draw(self) -> None:
        """Draw the modules with a quiet zone of four modules (ISO/IEC 18004 §6.3.8)."""
        count = len(self.modules)
        cell = self.size / (count + 8)
        canvas: Canvas = self.canv
        canvas.setFillColor(colors.white)
        canvas.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        canvas.setFillColor(colors.black)
        for y, row in enumerate(self.modules):
            for x, dark in enumerate(row):
                if dark:
                    canvas.rect(
                        (x + 4) * cell, self.size - (y + 5) * cell, cell, cell, stroke=0, fill=1
                    )


def _footer(info: ExtractInfo) -> Callable[[Canvas, SimpleDocTemplate], None]:
    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Tamga", 7)
        canvas.drawString(
            16 * mm,
            9 * mm,
            f"Printed {format_time(info.printed_at)} · {info.rpc_note} · page {doc.page}",
        )
        canvas.restoreState()

    return draw
