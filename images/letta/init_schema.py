"""Creates Letta's tables in LETTA_PG_URI's database if they are missing (idempotent).

The PyPI wheel of letta 0.16.8 does not ship the alembic migrations that the official image runs
(`alembic upgrade head` from the repository checkout), so the schema comes from Letta's own ORM
models instead, through the same async engine the server uses.
"""

import asyncio

from sqlalchemy import text

from letta.orm import Base
from letta.server.db import engine

# messages.sequence_id is filled by a database default (FetchedValue in letta/orm/message.py) that
# only a migration creates; without it every message insert fails with a NOT NULL violation.
MESSAGE_SEQUENCE = [
    "CREATE SEQUENCE IF NOT EXISTS message_seq OWNED BY messages.sequence_id",
    "ALTER TABLE messages ALTER COLUMN sequence_id SET DEFAULT nextval('message_seq')",
]


async def main() -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        for statement in MESSAGE_SEQUENCE:
            await conn.execute(text(statement))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
