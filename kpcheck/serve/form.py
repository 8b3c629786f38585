"""The desk form: every field of submission-format v1, grouped as the paper certificate is.

Labels and help texts are English msgids translated through the gettext catalogue (the
``# desk page`` block of ``kpcheck/i18n/locale/*/LC_MESSAGES/kpcheck.po``). ``kind`` tells the
page's script how to read a field back into JSON: ``text``, ``date``, ``decimal`` (kept as an
exact decimal text), ``int``, ``bool`` (a tick box), ``tri`` (yes / no / not stated), ``choice``,
``codes`` (a list of codes separated by commas or spaces) and ``json`` (the extensions object).
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("text", "date", "decimal", "int", "bool", "tri", "choice", "codes", "json")


@dataclass(frozen=True)
class Field:
    name: str  # path below its group or row: "condition.erasures", "carats"
    label: str
    help: str
    kind: str = "text"
    choices: tuple[tuple[str, str], ...] = ()  # (value, English label)
    default: str = ""

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind


@dataclass(frozen=True)
class Rows:
    """A list of objects (lines, signatures, …): rows the controller adds and removes."""

    path: str
    label: str
    fields: tuple[Field, ...]
    add_label: str


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    prefix: str  # JSON path of the group's fields ("" for the top level)
    fields: tuple[Field, ...] = ()
    rows: tuple[Rows, ...] = ()
    optional: bool = False  # a block that may be absent (coupon, act, customs, duplicate)
    include_label: str = ""
    included: bool = True
    after: tuple[Field, ...] = field(default=())  # fields shown after the rows (totals)


PARTY = ("name", "address", "country", "bin")
YES_NO = (("", "not stated"), ("true", "yes"), ("false", "no"))
KP_STATEMENT = (
    "The rough diamonds in this shipment have been handled in accordance with the provisions "
    "of the Kimberley Process Certification Scheme for rough diamonds"
)


def _party(role: str, label: str) -> tuple[Field, ...]:
    helps = {
        "name": "Name as printed on the certificate.",
        "address": "Address as printed.",
        "country": "ISO 3166-1 alpha-2 code, upper case (KZ, AE, BE).",
        "bin": "Kazakh business identification number, 12 digits; empty for a foreign party.",
    }
    labels = {"name": "Name", "address": "Address", "country": "Country", "bin": "BIN"}
    return tuple(Field(f"{role}.{p}", f"{label}: {labels[p]}", helps[p]) for p in PARTY)


GROUPS: tuple[Group, ...] = (
    Group(
        "submission",
        "Submission",
        "",
        (
            Field("id", "Submission reference", "Your reference for this submission, unique within a batch."),
            Field(
                "direction",
                "Direction",
                "Export from or import into the Republic of Kazakhstan.",
                "choice",
                (("export", "export"), ("import", "import")),
                "export",
            ),
            Field(
                "presented_on",
                "Presented on",
                "Day the submission was presented; the rules in force on this day apply.",
                "date",
                default="today",
            ),
            Field("territorial_department", "Territorial department", "Department handling the submission."),
            Field("supersedes", "Supersedes", "Reference of an earlier submission of this certificate that this one replaces."),
        ),
    ),
    Group(
        "certificate",
        "Certificate",
        "certificate",
        (
            Field("number", "Certificate number", "As printed, e.g. KZ000123."),
            Field("issuing_country", "Issuing country", "Participant whose authority issued it (KZ on export).", default="KZ"),
            Field("issuing_authority", "Issuing authority", "Name of the issuing (exporting) authority."),
            Field("title", "Title", "The certificate's title as printed.", default="Kimberley Process Certificate"),
            Field("kp_statement", "KP statement", "The Kimberley Process statement as printed.", default=KP_STATEMENT),
            Field(
                "languages", "Languages", "Languages the form is printed in, ISO 639-1 codes (kk, ru, en).", "codes", default="kk, ru, en"
            ),
            Field("issued_on", "Issued on", "Date of issue.", "date"),
            Field("expires_on", "Expires on", "Date of expiry.", "date"),
            Field("parcels", "Parcels", "Number of parcels in the shipment.", "int"),
            Field(
                "tamper_resistant",
                "Security features present",
                "The form carries its tamper-resistant security features.",
                "tri",
                YES_NO,
                "true",
            ),
        ),
    ),
    Group("parties", "Exporter and importer", "certificate", _party("exporter", "Exporter") + _party("importer", "Importer")),
    Group(
        "origin",
        "Origin",
        "certificate.origin",
        (
            Field("mixed", "Mixed origin", "Tick for parcels of mixed origin.", "bool"),
            Field("countries", "Countries of origin", "ISO 3166-1 alpha-2 codes, separated by commas.", "codes"),
        ),
    ),
    Group(
        "lines",
        "Lines",
        "certificate",
        rows=(
            Rows(
                "lines",
                "Line",
                (
                    Field("hs_code", "HS code", "Rough diamonds: 7102.10, 7102.21, 7102.31.", default="7102.31"),
                    Field("carats", "Carats", "Weight in carats, e.g. 1250.50.", "decimal"),
                    Field("value_usd", "Value, US$", "Value in US dollars, e.g. 812500.00.", "decimal"),
                ),
                "Add a line",
            ),
        ),
        after=(
            Field("total_carats", "Total carats", "Total weight as printed.", "decimal"),
            Field("total_value_usd", "Total value, US$", "Total value as printed.", "decimal"),
        ),
    ),
    Group(
        "signatures",
        "Signatures and seals",
        "certificate",
        rows=(
            Rows(
                "signatures",
                "Signature",
                (
                    Field(
                        "role",
                        "Role",
                        "Who signed: the state controller (Kazakh certificates) or the exporting authority.",
                        "choice",
                        (("state_controller", "state controller"), ("exporting_authority", "exporting authority"), ("", "not stated")),
                        "state_controller",
                    ),
                    Field("name", "Signed by", "Name of the signatory."),
                    Field("signer_id", "Signer ID", "As in the specimen register, e.g. KZ-SC-014."),
                ),
                "Add a signature",
            ),
            Rows("seals", "Seal", (Field("authority", "Seal of", "The authority whose seal is impressed."),), "Add a seal"),
        ),
    ),
    Group(
        "condition",
        "Condition and corrections",
        "certificate",
        (
            Field("condition.erasures", "Erasures", "Tick if the certificate bears erasures.", "bool"),
            Field("condition.stains", "Stains", "Tick if the certificate bears stains.", "bool"),
            Field("condition.damaged", "Damaged", "Tick if the certificate is damaged.", "bool"),
        ),
        rows=(
            Rows(
                "corrections",
                "Correction",
                (
                    Field("field", "Corrected field", "Which entry of the form was corrected."),
                    Field("certified", "Certified", "Signed and sealed by the issuing authority?", "tri", YES_NO),
                    Field("certified_by", "Certified by", "Who certified the correction."),
                ),
                "Add a correction",
            ),
        ),
    ),
    Group(
        "coupon",
        "Coupon",
        "certificate.coupon",
        (
            Field("attached", "Attached", "The import confirmation coupon is attached.", "bool", default="true"),
            Field("received_on", "Received on", "Filled in by the importing authority on receipt.", "date"),
            Field("authenticated", "Authenticated", "Authenticated by the importing authority.", "bool"),
            Field("handwritten", "Handwritten", "A handwritten coupon is lawful.", "bool"),
            Field("sent_to_exporter_on", "Sent back on", "When the torn-off coupon was e-mailed back to the exporter.", "date"),
        ),
        optional=True,
        include_label="The certificate has a coupon",
    ),
    Group(
        "duplicate",
        "Duplicate request",
        "duplicate",
        (
            Field("original_number", "Original number", "Number of the damaged original certificate."),
            Field("damaged_on", "Damaged on", "Day the original was damaged.", "date"),
            Field("returned_on", "Returned on", "Day the original was returned to the territorial department.", "date"),
        ),
        optional=True,
        include_label="This submission asks for a duplicate",
        included=False,
    ),
    Group(
        "act",
        "Act of state control",
        "state_control_act",
        (
            Field("number", "Act number", "Number of the act of state control."),
            Field("issued_on", "Act issued on", "Date of the act.", "date"),
            Field("controller_id", "Controller ID", "As in the specimen register, e.g. KZ-SC-014."),
            Field("carats", "Act: carats", "Carats as stated in the act.", "decimal"),
            Field("value_usd", "Act: value, US$", "Value as stated in the act.", "decimal"),
            Field("parcels", "Act: parcels", "Parcels as stated in the act.", "int"),
        ),
        optional=True,
        include_label="An act of state control was issued",
    ),
    Group(
        "customs",
        "Customs",
        "customs",
        (
            Field("office", "Customs office", "Customs office code, e.g. ALA-CP-01."),
            Field("declared_on", "Declared on", "Date of the customs declaration.", "date"),
            Field("tnved_codes", "TN VED codes", "10-digit EAEU commodity codes, separated by commas.", "codes"),
        ),
        rows=(
            Rows(
                "documents",
                "Document",
                (
                    Field("code", "Document type", "EAEU code: 01241 KP certificate, 01143 act of state control."),
                    Field("number", "Document number", "Number of the cited document."),
                    Field("date", "Document date", "Date of the cited document.", "date"),
                ),
                "Add a document",
            ),
        ),
        optional=True,
        include_label="A customs declaration was made",
        included=False,
    ),
    Group(
        "extensions",
        "Extensions",
        "",
        (Field("extensions", "Extensions (JSON)", "Free-form data kept with the submission; the rules ignore it.", "json"),),
    ),
)


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def msgids() -> list[str]:
    """Every interface text of the form (for the catalogue freshness test)."""
    out: list[str] = []
    for group in GROUPS:
        out += [group.title] + ([group.include_label] if group.include_label else [])
        fields = list(group.fields) + list(group.after)
        for rows in group.rows:
            out += [rows.label, rows.add_label]
            fields += rows.fields
        for f in fields:
            out += [f.label, f.help, *(label for _, label in f.choices)]
    return list(dict.fromkeys(out))
