from __future__ import annotations

import strawberry

from gql.context import Info
from gql.loaders import resolve
from gql.schema.categories import Section
from gql.schema.connection import ProductConnection, product_page
from gql.schema.numbered import Numbered
from gql.schema.product_filter import ProductFilter


@strawberry.type(description="A department (department_no, department_name) and its products.")
class Department(Numbered):
    @strawberry.field
    def section(self, info: Info) -> Section | None:
        return resolve(info.context.loaders.department_section, self.number, Section.from_row)

    @strawberry.field
    def product_count(self, info: Info) -> int:
        return resolve(info.context.loaders.department_product_count, self.number, int)

    @strawberry.field
    async def products(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> ProductConnection:
        return await product_page(info, ProductFilter(department_number=self.number), first, after)
