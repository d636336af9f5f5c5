from __future__ import annotations

import strawberry

from gql import arguments
from gql.context import Info
from gql.schema.job import Job
from jobs import embed


async def embed_images(
    info: Info, codes: list[strawberry.ID] | None = None, only_missing: bool | None = True
) -> Job:
    params = {
        "codes": None if codes is None else [arguments.product_code(code) for code in codes],
        "onlyMissing": only_missing is not False,
    }
    background = info.context.background
    return Job.from_record(await background.submit(embed.KIND, params, background.embed_work()))
