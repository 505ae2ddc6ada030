"""`/v1/vocabulary`: the clinic's own terms for speech recognition and drug-name correction."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import ActorDep, SessionDep
from service.store import vocabulary as store
from service.vocabulary import Vocabulary, dedupe

router = APIRouter(prefix="/v1/vocabulary", tags=["vocabulary"])


@router.get("", response_model=Vocabulary, summary="The clinic's terms: drug names, local brands, clinicians' names")
def get_vocabulary(session: SessionDep, actor: ActorDep) -> Vocabulary:
    return Vocabulary(terms=store.read(session, actor))


@router.put("", response_model=Vocabulary,
            summary="Replace the clinic's terms; every later recording is recognised and corrected with them "
                    "(422 when too many, too long, not text or holding control characters)")
def put_vocabulary(body: Vocabulary, session: SessionDep, actor: ActorDep) -> Vocabulary:
    return Vocabulary(terms=store.replace_terms(session, actor, dedupe(body.terms)))
