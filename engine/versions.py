"""Which releases of a product a piece of knowledge holds for.

A default that changed in Istio 1.27, a flag that only exists from Linkerd 2.18: advice is true
for a range of releases, and an answer that does not say which misleads the reader on the
others. Versions are compared numerically ("1.9" < "1.24"), never as strings.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Product = Literal["istio", "linkerd", "cilium", "kubernetes", "kernel"]
PRODUCTS: tuple[Product, ...] = ("istio", "linkerd", "cilium", "kubernetes", "kernel")
VersionText = Field(pattern=r"^\d{1,4}(\.\d{1,4}){1,2}$")


def version_key(version: str) -> tuple[int, ...]:
    """ "1.24" → (1, 24): the order releases come in."""
    return tuple(int(part) for part in version.split("."))


class AppliesTo(BaseModel):
    """A product and an inclusive range of its releases (``until`` open means 'to this day')."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    product: Product
    since: str = VersionText
    until: str | None = Field(None, pattern=r"^\d{1,4}(\.\d{1,4}){1,2}$")
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until is not None and version_key(self.until) < version_key(self.since):
            raise ValueError(f"until ({self.until}) is before since ({self.since})")
        return self

    def covers(self, version: str) -> bool:
        """True when ``version`` (a minor like "1.22" or a patch like "1.22.3") is in range."""
        key = version_key(version)[:2]
        if key < version_key(self.since)[:2]:
            return False
        return self.until is None or key <= version_key(self.until)[:2]

    def __str__(self) -> str:
        name = PRODUCT_NAMES[self.product]
        if self.until is None:
            return f"{name} {self.since} and later"
        if self.until == self.since:
            return f"{name} {self.since}"
        return f"{name} {self.since} to {self.until}"


PRODUCT_NAMES: dict[Product, str] = {
    "istio": "Istio",
    "linkerd": "Linkerd",
    "cilium": "Cilium",
    "kubernetes": "Kubernetes",
    "kernel": "Linux kernel",
}
