from __future__ import annotations

from typing import Any

import strawberry


@strawberry.input(description="Conditions a product must all meet; unset ones are ignored.")
class ProductFilter:
    department_number: int | None = None
    product_type_number: int | None = None
    index_group_number: int | None = None
    colour_group_code: int | None = None
    name_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive substring of the product name."
    )
    has_image: bool | None = None

    def params(self) -> dict[str, Any]:
        return {
            "departmentNumber": self.department_number,
            "productTypeNumber": self.product_type_number,
            "indexGroupNumber": self.index_group_number,
            "colourGroupCode": self.colour_group_code,
            "nameContains": self.name_contains or None,
            "hasImage": self.has_image,
        }
