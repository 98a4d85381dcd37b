"""The validity of X.509 certificates written into manifests (PEM, as Secrets and ConfigMaps
hold them), read without a cryptography library.

A mesh's CA lifetimes are in a few DER fields: ``notBefore`` and ``notAfter`` (RFC 5280
§4.1.2.5), and the issuer and subject names that tie an issuer certificate to the trust anchor
that signed it (§4.1.2.4, §4.1.2.6). Nothing here verifies a signature, so nothing needs a
cryptography package: the scanner only asks *when* a certificate stops being valid and *who*
issued it. The text comes from strangers: every length is checked against the bytes present,
the PEM text and the number of certificates per value are capped, and anything that does not
parse is simply not a certificate.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

#: Longest PEM text read from one Secret or ConfigMap value: a bundle of a few dozen certificates.
PEM_CHARS = 64 * 1024
#: Certificates read from one value (a trust bundle holds the current and previous anchors).
PEM_CERTIFICATES = 16
_BEGIN, _END = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
_SEQUENCE, _UTC_TIME, _GENERALIZED_TIME, _VERSION = 0x30, 0x17, 0x18, 0xA0
_COMMON_NAME = bytes.fromhex("550403")  # OID 2.5.4.3


@dataclass(frozen=True)
class Certificate:
    """What the scanner reads from one certificate."""

    not_before: dt.datetime
    not_after: dt.datetime
    #: The DER of the issuer and subject names, compared byte for byte (how RFC 5280 §7.1
    #: matching works for certificates written by the same tool).
    issuer: bytes
    subject: bytes
    common_name: str

    @property
    def self_signed(self) -> bool:
        return self.issuer == self.subject

    def signed(self, anchor: Certificate) -> bool:
        """Whether ``anchor`` is named as this certificate's issuer."""
        return self.issuer == anchor.subject


def from_pem(text: str) -> list[Certificate]:
    """The certificates in PEM text, in order; blocks that are not certificates are left out."""
    found: list[Certificate] = []
    text = text[:PEM_CHARS]
    start = text.find(_BEGIN)
    while start >= 0 and len(found) < PEM_CERTIFICATES:
        end = text.find(_END, start)
        if end < 0:
            break
        body, start = text[start + len(_BEGIN) : end], text.find(_BEGIN, end)
        try:
            der = base64.b64decode("".join(body.split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        certificate = from_der(der)
        if certificate is not None:
            found.append(certificate)
    return found


def from_base64_pem(value: str) -> list[Certificate]:
    """The certificates in a Secret's ``data`` value (base64 of PEM text)."""
    if len(value) > PEM_CHARS * 4 // 3 + 4:
        return []
    try:
        text = base64.b64decode("".join(value.split()), validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return []
    return from_pem(text)


def from_der(der: bytes) -> Certificate | None:
    """The validity and names of a DER certificate; None when it is not one."""
    try:
        certificate = _only(der, _SEQUENCE)
        tbs, _ = _element(certificate, 0, _SEQUENCE)
        fields = list(_elements(tbs))
        if fields and fields[0][0] == _VERSION:
            fields = fields[1:]
        # serialNumber, signature, issuer, validity, subject
        (_, _), (_, _), (issuer_tag, issuer), (validity_tag, validity), (subject_tag, subject) = (
            fields[:5]
        )
        if {issuer_tag, validity_tag, subject_tag} != {_SEQUENCE}:
            return None
        (before_tag, before), (after_tag, after) = list(_elements(validity))[:2]
        return Certificate(
            _time(before_tag, before), _time(after_tag, after), issuer, subject, _cn(subject)
        )
    except (ValueError, IndexError):
        return None


def _only(der: bytes, tag: int) -> bytes:
    content, end = _element(der, 0, tag)
    if end != len(der):
        raise ValueError("trailing bytes")
    return content


def _element(der: bytes, at: int, tag: int | None = None) -> tuple[bytes, int]:
    """The content of the DER element at ``at`` and where the next one starts."""
    if at + 2 > len(der) or (tag is not None and der[at] != tag):
        raise ValueError("unexpected element")
    length, at = der[at + 1], at + 2
    if length & 0x80:
        count = length & 0x7F
        if not 1 <= count <= 4 or at + count > len(der):
            raise ValueError("bad length")
        length, at = int.from_bytes(der[at : at + count], "big"), at + count
    if at + length > len(der):
        raise ValueError("truncated")
    return der[at : at + length], at + length


def _elements(der: bytes) -> Iterator[tuple[int, bytes]]:
    at = 0
    while at < len(der):
        tag = der[at]
        content, at = _element(der, at)
        yield tag, content


def _time(tag: int, value: bytes) -> dt.datetime:
    """RFC 5280 §4.1.2.5: UTCTime ``YYMMDDHHMMSSZ`` (years 1950–2049), else GeneralizedTime."""
    text = value.decode("ascii")
    if tag == _UTC_TIME and len(text) == 13:
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif tag != _GENERALIZED_TIME or len(text) != 15:
        raise ValueError("not a certificate time")
    return dt.datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=dt.UTC)


def _cn(name: bytes) -> str:
    """The name's common name (CN), for messages; empty when it has none."""
    for _, rdn in _elements(name):
        for _, attribute in _elements(rdn):
            (_, oid), (_, value) = list(_elements(attribute))[:2]
            if oid == _COMMON_NAME:
                return value.decode("utf-8", "replace")
    return ""
