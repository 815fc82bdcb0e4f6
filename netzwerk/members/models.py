"""Members (Fachkräfte), their Berufsgruppen, employers (Träger), schools and districts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from netzwerk.db import TimestampMixin, UTCDateTime, db, enum_column

if TYPE_CHECKING:
    from netzwerk.accounts.models import User


class EmployerKind(enum.StrEnum):
    LAND = "land"
    KOMMUNE = "kommune"
    FREIER_TRAEGER = "frei"

    @property
    def label(self) -> str:
        return EMPLOYER_KIND_LABELS[self]


EMPLOYER_KIND_LABELS = {
    EmployerKind.LAND: "Land",
    EmployerKind.KOMMUNE: "Kommune",
    EmployerKind.FREIER_TRAEGER: "Freier Träger",
}


class SchoolForm(enum.StrEnum):
    GRUNDSCHULE = "grundschule"
    HAUPTSCHULE = "hauptschule"
    REALSCHULE = "realschule"
    SEKUNDARSCHULE = "sekundarschule"
    GESAMTSCHULE = "gesamtschule"
    GYMNASIUM = "gymnasium"
    FOERDERSCHULE = "foerderschule"
    BERUFSKOLLEG = "berufskolleg"

    @property
    def label(self) -> str:
        return SCHOOL_FORM_LABELS[self]


SCHOOL_FORM_LABELS = {
    SchoolForm.GRUNDSCHULE: "Grundschule",
    SchoolForm.HAUPTSCHULE: "Hauptschule",
    SchoolForm.REALSCHULE: "Realschule",
    SchoolForm.SEKUNDARSCHULE: "Sekundarschule",
    SchoolForm.GESAMTSCHULE: "Gesamtschule",
    SchoolForm.GYMNASIUM: "Gymnasium",
    SchoolForm.FOERDERSCHULE: "Förderschule",
    SchoolForm.BERUFSKOLLEG: "Berufskolleg",
}


class ProfessionalGroup(db.Model):
    """A Berufsgruppe (SchuSo, SOFA, MPT, SDS, ...). The slug names its calendar feed."""

    __tablename__ = "professional_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)


class District(db.Model):
    """A Sozialraum or Stadtbezirk."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)


class Employer(db.Model):
    """An Anstellungsträger: the Land, the Kommune, or a named freier Träger."""

    __tablename__ = "employers"
    __table_args__ = (UniqueConstraint("kind", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EmployerKind] = enum_column(EmployerKind)
    name: Mapped[str] = mapped_column(String(200))

    @property
    def label(self) -> str:
        return self.name


member_schools = Table(
    "member_schools",
    db.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_member_schools_school_id", "school_id"),
)


class School(TimestampMixin, db.Model):
    __tablename__ = "schools"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    school_form: Mapped[SchoolForm] = enum_column(SchoolForm, index=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    street: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(120), default="")

    district: Mapped[District | None] = relationship()
    members: Mapped[list[Member]] = relationship(
        secondary=member_schools, back_populates="schools", order_by="Member.last_name"
    )

    @property
    def address(self) -> str:
        place = " ".join(p for p in (self.postal_code, self.city) if p)
        return ", ".join(p for p in (self.street, place) if p)


class Member(TimestampMixin, db.Model):
    """A Fachkraft in the network. May exist without an account (imported, not yet invited)."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), index=True)
    # Stored lower-cased, which makes the unique constraint case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(50), default="")
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("professional_groups.id", ondelete="RESTRICT"), index=True
    )
    employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("employers.id", ondelete="RESTRICT"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")  # coordinators only
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    # Consent to appear in the network directory that other members see.
    listed_in_directory: Mapped[bool] = mapped_column(default=False)
    directory_consent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[ProfessionalGroup | None] = relationship()
    employer: Mapped[Employer | None] = relationship()
    user: Mapped[User | None] = relationship(back_populates="member")
    schools: Mapped[list[School]] = relationship(
        secondary=member_schools, back_populates="members", order_by="School.name"
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"
