"""A job computed in the background through the JSON API: ``POST {path}/launch`` starts it and answers 202
with where to follow it (the ``Location`` header), ``GET {path}/progress`` says where it is.

The job is named by the last parameter of ``path`` (``/strategy/scenarios/{scenario_id}``); both endpoints
answer the job's state as ``state`` gives it, so a client polls the progress until it is no longer running.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from fastapi import Response
from pydantic import BaseModel

from sobre.web.context import Ctx
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry


def background_job(
    registry: CapabilityRegistry,
    path: str,
    *,
    name: str,
    launch_permission: str,
    view_permission: str,
    response_model: type[BaseModel],
    launch: Callable[[Ctx, int], None],
    state: Callable[[Ctx, int], dict[str, Any]],
) -> None:
    """Register ``{name}_launch`` and ``{name}_progress`` for the job of ``path``; the docstrings of
    ``launch`` and ``state`` describe the two endpoints."""
    found = re.search(r"\{(\w+)\}$", path)
    if found is None:
        raise ValueError(f"{path}: the job's path ends with its id parameter")
    key = found.group(1)
    progress_name = f"{name}_progress"

    def launch_job(ctx: Ctx, response: Response, **ids: int) -> dict[str, Any]:
        launch(ctx, ids[key])
        response.headers["Location"] = ctx.url(progress_name, **{key: ids[key]})
        return state(ctx, ids[key])

    def job_progress(ctx: Ctx, **ids: int) -> dict[str, Any]:
        return state(ctx, ids[key])

    # FastAPI reads the endpoints' signatures: the job's id is a path parameter under ``path``'s name.
    job_id = inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, annotation=Id)
    context = inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Ctx)
    answer = inspect.Parameter("response", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Response)
    launch_job.__signature__ = inspect.Signature([context, answer, job_id])  # type: ignore[attr-defined]
    job_progress.__signature__ = inspect.Signature([context, job_id])  # type: ignore[attr-defined]
    launch_job.__doc__, job_progress.__doc__ = launch.__doc__, state.__doc__

    registry.api(
        f"{path}/launch",
        permission=launch_permission,
        methods=("POST",),
        name=f"{name}_launch",
        response_model=response_model,
        status_code=202,
    )(launch_job)
    registry.api(
        path + "/progress", permission=view_permission, name=progress_name, response_model=response_model
    )(job_progress)
