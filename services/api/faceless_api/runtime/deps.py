"""What routes depend on, as ``Annotated`` aliases over the resources opened at start-up."""

from __future__ import annotations

from typing import Annotated

import asyncpg
from fastapi import Depends, Request
from redis.asyncio import Redis

from faceless_api.runtime.resources import ApiResources
from faceless_shared.messaging.progress import ProgressFeed
from faceless_shared.runtime.settings import Settings
from faceless_shared.storage.object_storage import Storage


def get_resources(request: Request) -> ApiResources:
    resources: ApiResources = request.app.state.resources
    return resources


ResourcesDep = Annotated[ApiResources, Depends(get_resources)]


def get_settings(resources: ResourcesDep) -> Settings:
    return resources.settings


def get_pool(resources: ResourcesDep) -> asyncpg.Pool:
    return resources.pool


def get_storage(resources: ResourcesDep) -> Storage:
    return resources.storage


def get_redis(resources: ResourcesDep) -> Redis:
    return resources.redis


SettingsDep = Annotated[Settings, Depends(get_settings)]
PoolDep = Annotated[asyncpg.Pool, Depends(get_pool)]
StorageDep = Annotated[Storage, Depends(get_storage)]
RedisDep = Annotated[Redis, Depends(get_redis)]


def get_progress(redis: RedisDep, settings: SettingsDep) -> ProgressFeed:
    return ProgressFeed.from_settings(redis, settings)


ProgressDep = Annotated[ProgressFeed, Depends(get_progress)]
