"""The one error type raised for bad input data."""

from __future__ import annotations

from functools import partial


class DataValidationError(ValueError):
    """Bad input data, located by file, line and field.

    >>> str(DataValidationError("regions.csv", "bad value", line=3, field="fips"))
    'regions.csv, line 3, field fips: bad value'
    """

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        row_id: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.row_id = row_id
        self.message = message
        where = [file]
        if line is not None:
            where.append(f"line {line}" + (f" ({row_id})" if row_id else ""))
        elif row_id:
            where.append(row_id)
        if field is not None:
            where.append(f"field {field}")
        super().__init__(", ".join(where) + ": " + message)

    def __reduce__(self) -> tuple:
        """Pickle by the constructor's own arguments (a helper process sends errors back)."""
        rebuild = partial(
            type(self),
            self.file,
            self.message,
            line=self.line,
            field=self.field,
            row_id=self.row_id,
        )
        return rebuild, ()
